// The post composer: drafts in localStorage, @mention autocomplete (listbox, keyboard usable),
// uploads with progress and alt text, and adding poll options. Loaded as an ES module; works on
// composers that htmx swaps in later too.

const MAX_OPTIONS = 10;
let uid = 0;

function csrfToken(form) {
  const input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function setupDraft(form, textarea) {
  const key = form.dataset.draftKey;
  if (!key) return;
  try {
    if (form.dataset.posted) {
      localStorage.removeItem(key);
    } else if (!textarea.value) {
      textarea.value = localStorage.getItem(key) || "";
    }
  } catch { /* storage may be disabled */ }
  textarea.addEventListener("input", () => {
    try {
      if (textarea.value) localStorage.setItem(key, textarea.value);
      else localStorage.removeItem(key);
    } catch { /* full or disabled */ }
  });
}

function setupMentions(form, textarea) {
  const list = document.getElementById(textarea.getAttribute("aria-controls"));
  if (!list) return;
  let items = [];
  let active = -1;
  let query = null;
  let timer = 0;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((li, i) => {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    const li = list.children[index];
    if (li) textarea.setAttribute("aria-activedescendant", li.id);
  }

  function choose(index) {
    const person = items[index];
    if (!person || !query) return;
    const before = textarea.value.slice(0, query.start);
    const after = textarea.value.slice(textarea.selectionStart);
    const mention = `@[${person.name.replace(/[[\]]/g, "")}](user:${person.id}) `;
    textarea.value = before + mention + after;
    const caret = before.length + mention.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input"));
    close();
  }

  function currentQuery() {
    const upto = textarea.value.slice(0, textarea.selectionStart);
    const match = /(^|\s)@([^\s@[\]()]{1,40})$/u.exec(upto);
    if (!match) return null;
    return { text: match[2], start: upto.length - match[2].length - 1 };
  }

  async function suggest() {
    query = currentQuery();
    if (!query) { close(); return; }
    const url = `${form.dataset.suggestUrl}?q=${encodeURIComponent(query.text)}`;
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) { close(); return; }
      data = await response.json();
    } catch { close(); return; }
    items = data.results || [];
    if (!items.length) { close(); return; }
    list.replaceChildren(...items.map((person, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = person.title ? `${person.name} · ${person.title}` : person.name;
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 100));
}

function setupUploads(form) {
  const input = form.querySelector("input[data-upload]");
  const list = form.querySelector(".composer-attachments");
  if (!input || !list) return;
  input.addEventListener("change", () => {
    for (const file of input.files) upload(form, list, file);
    input.value = "";
  });
}

function upload(form, list, file) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.setAttribute("aria-label", file.name);
  li.append(name, progress);
  list.append(li);
  const body = new FormData();
  body.append("file", file);
  const request = new XMLHttpRequest();
  request.open("POST", form.dataset.uploadUrl);
  request.setRequestHeader("X-CSRFToken", csrfToken(form));
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
  });
  request.addEventListener("load", () => {
    let data = {};
    try { data = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status !== 201) {
      progress.remove();
      const error = document.createElement("span");
      error.className = "error";
      error.setAttribute("role", "alert");
      error.textContent = ` ${data.error || request.statusText}`;
      li.append(error, removeButton(form, li));
      return;
    }
    uploaded(form, li, progress, data);
  });
  request.addEventListener("error", () => {
    progress.remove();
    li.append(" ⚠", removeButton(form, li));
  });
  request.send(body);
}

function removeButton(form, li) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary button-small";
  button.textContent = "✕";
  button.setAttribute("aria-label", form.dataset.removeLabel || "Remove");
  button.addEventListener("click", () => li.remove());
  return button;
}

function uploaded(form, li, progress, data) {
  progress.remove();
  const hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = "attachment";
  hidden.value = data.id;
  li.prepend(hidden);
  if (data.kind === "image" && data.thumbnail_url) {
    const img = document.createElement("img");
    img.src = data.thumbnail_url;
    img.alt = "";
    li.prepend(img);
    const id = `alt-${data.id}-${++uid}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = form.dataset.altLabel || "Describe the picture";
    const alt = document.createElement("input");
    alt.id = id;
    alt.name = `alt_${data.id}`;
    alt.maxLength = 500;
    li.append(label, alt);
  }
  li.append(removeButton(form, li));
}

function setupPoll(form) {
  const add = form.querySelector("[data-add-option]");
  const fieldset = form.querySelector(".poll-options");
  if (!add || !fieldset) return;
  add.addEventListener("click", () => {
    const fields = fieldset.querySelectorAll(".field");
    if (fields.length >= MAX_OPTIONS) { add.disabled = true; return; }
    const copy = fields[fields.length - 1].cloneNode(true);
    const input = copy.querySelector("input");
    const label = copy.querySelector("label");
    const n = fields.length + 1;
    input.id = input.id.replace(/\d+$/, String(n));
    input.value = "";
    label.htmlFor = input.id;
    label.textContent = label.textContent.replace(/\d+/, String(n));
    fieldset.append(copy);
    input.focus();
    if (n >= MAX_OPTIONS) add.disabled = true;
  });
}

function setup(form) {
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  const textarea = form.querySelector("textarea[name=body]");
  if (!textarea) return;
  setupDraft(form, textarea);
  setupMentions(form, textarea);
  setupUploads(form);
  setupPoll(form);
}

function setupAll(root = document) {
  root.querySelectorAll("form.composer").forEach(setup);
}

// A failed request (server error, network down) leaves the form as it is, text included.
document.addEventListener("htmx:responseError", (event) => {
  const form = event.target.closest ? event.target.closest("form.composer") : null;
  if (!form) return;
  const box = form.querySelector(".composer-error");
  if (box) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = form.dataset.busyText || "The post could not be saved. Your text is kept: try again.";
    box.replaceChildren(p);
  }
});
document.addEventListener("htmx:sendError", (event) => {
  const form = event.target.closest ? event.target.closest("form.composer") : null;
  const box = form && form.querySelector(".composer-error");
  if (box) box.textContent = form.dataset.offlineText || "No connection. Your text is kept: try again.";
});
document.addEventListener("htmx:load", (event) => setupAll(event.target.parentElement || document));
setupAll();
