// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  // Disable the submit button while a normal form is being sent (no double posts).
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
  const button = event.submitter;
  if (button instanceof HTMLButtonElement) {
    setTimeout(() => { button.disabled = true; }, 0);
  }
});
