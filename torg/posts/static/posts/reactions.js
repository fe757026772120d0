// Reaction bars (posts/_reactions.html): optimistic counts and pressed state while the server
// answers, and menus (<details>) that close on Escape, on a choice and on a click elsewhere.
// Everything works without this file: the bar is a normal form, the menu a <details>.

const MENUS = "details.reaction-more, details.post-menu";

function closeMenus(except) {
  for (const menu of document.querySelectorAll(`${MENUS}[open]`)) {
    if (menu !== except) menu.open = false;
  }
}

function setCount(button, delta) {
  const count = Math.max(0, Number(button.dataset.count || 0) + delta);
  button.dataset.count = String(count);
  const label = button.querySelector(".reaction-count");
  if (label) label.textContent = count ? String(count) : "";
}

function optimistic(form, kind) {
  const buttons = [...form.querySelectorAll("button.reaction")];
  const chosen = buttons.find((b) => b.value === kind);
  const previous = buttons.find((b) => b.getAttribute("aria-pressed") === "true");
  const toggle = form.querySelector(".reaction-toggle");
  if (!chosen || !toggle) return;
  const removing = previous === chosen;
  if (previous) {
    previous.setAttribute("aria-pressed", "false");
    setCount(previous, -1);
  }
  const shown = removing ? buttons.find((b) => b.value === "like") : chosen;
  if (!removing) {
    chosen.setAttribute("aria-pressed", "true");
    setCount(chosen, 1);
  }
  toggle.setAttribute("aria-pressed", removing ? "false" : "true");
  toggle.replaceChildren(
    ...[".reaction-icon", ".reaction-label"].map((s) => shown.querySelector(s).cloneNode(true)),
  );
}

document.addEventListener(
  "click",
  (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest(".reaction-bar button[name=kind]");
    if (button instanceof HTMLButtonElement && !button.disabled) {
      optimistic(button.form, button.value);
      button.closest("details")?.removeAttribute("open");
    }
    closeMenus(target?.closest(MENUS));
  },
  true,
);

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target instanceof Element ? event.target.closest(`${MENUS}[open]`) : null;
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
});
