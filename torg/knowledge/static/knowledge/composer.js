// "This is a question" in the post composer: while ticked, the composer posts to the
// knowledge app's "ask" view, and similar questions plus people to mention appear as the
// question is typed (debounced, fetched with htmx). "Mention" only inserts an @mention into the
// text: nobody hears about a suggestion unless the question is published with the mention.

const DELAY_MS = 500;

function setup(box) {
  if (box.dataset.ready) return;
  box.dataset.ready = "1";
  const form = box.closest("form");
  const textarea = document.getElementById(box.dataset.questionFor);
  const toggle = box.querySelector("[data-question-toggle]");
  const panel = box.querySelector(".question-help");
  if (!form || !textarea || !toggle || !panel) return;
  const postUrl = form.getAttribute("action");
  let timer = 0;
  let lastQuery = null;

  function refresh() {
    const text = textarea.value.trim();
    if (!toggle.checked || text.length < 3 || text === lastQuery) return;
    lastQuery = text;
    const params = new URLSearchParams({ body: text });
    if (box.dataset.group) params.set("group", box.dataset.group);
    window.htmx.ajax("GET", `${box.dataset.helpUrl}?${params}`, { target: panel, swap: "innerHTML" });
  }

  function sync() {
    form.setAttribute("action", toggle.checked ? box.dataset.askUrl : postUrl);
    panel.hidden = !toggle.checked;
    if (toggle.checked) refresh();
  }

  toggle.addEventListener("change", sync);
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  });
  form.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt === form && toggle.checked) event.detail.path = box.dataset.askUrl;
  });
  panel.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-mention-id]");
    if (!button) return;
    const name = button.dataset.mentionName.replace(/[[\]]/g, "");
    const mention = `@[${name}](user:${button.dataset.mentionId}) `;
    const text = textarea.value;
    const spacer = text && !/\s$/.test(text) ? " " : "";
    textarea.value = text + spacer + mention;
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    button.disabled = true;
    button.textContent = button.dataset.doneLabel || button.textContent;
  });
  sync();
}

function setupAll(root) {
  root.querySelectorAll(".composer-question").forEach(setup);
}

setupAll(document);
document.addEventListener("htmx:load", (event) => setupAll(event.target.parentElement || document));
