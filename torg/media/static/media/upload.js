// Resumable video uploads for the composer (protocol in torg/media/api.py): start, send chunks
// with their offset, ask the server where to continue after an interruption, complete. The
// finished upload becomes an "attachment" of the post, like any other file.

const MAX_WAIT_MS = 30000;

function csrfToken(form) {
  const input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function storageKey(file) {
  return `torg-upload:${file.name}:${file.size}:${file.lastModified}`;
}

async function api(root, form, method, path, body, headers = {}) {
  const response = await fetch(root.dataset.api + path, {
    method,
    body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(form), ...headers },
  });
  let data = {};
  try { data = await response.json(); } catch { /* empty */ }
  return { status: response.status, data };
}

function errorText(data, fallback) {
  if (typeof data.detail === "string") return data.detail;
  return fallback;
}

class Upload {
  constructor(root, form, file) {
    this.root = root;
    this.form = form;
    this.file = file;
    this.li = document.createElement("li");
    this.li.className = "video-upload-item";
    const name = document.createElement("span");
    name.textContent = file.name;
    this.progress = document.createElement("progress");
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute("aria-label", file.name);
    this.status = document.createElement("span");
    this.status.className = "muted small";
    this.status.setAttribute("aria-live", "polite");
    this.status.textContent = root.dataset.textUploading;
    this.li.append(name, this.progress, this.status);
    form.querySelector(".composer-attachments").append(this.li);
  }

  setBusy(busy) {
    const submit = this.form.querySelector("button[type=submit]");
    if (!submit) return;
    const count = Number(this.form.dataset.videoUploads || 0) + (busy ? 1 : -1);
    this.form.dataset.videoUploads = String(Math.max(0, count));
    submit.disabled = count > 0;
  }

  async run() {
    this.setBusy(true);
    try {
      await this.send();
    } finally {
      this.setBusy(false);
    }
  }

  async send() {
    const { file, root, form } = this;
    const key = storageKey(file);
    let token = null;
    try { token = localStorage.getItem(key); } catch { /* disabled */ }
    let state = null;
    if (token) {
      const answer = await api(root, form, "GET", `/${token}`);
      if (answer.status === 200) state = answer.data;
    }
    if (!state) {
      const answer = await api(root, form, "POST", "", JSON.stringify({ name: file.name, size: file.size }),
        { "Content-Type": "application/json" });
      if (answer.status !== 201) return this.fail(errorText(answer.data, root.dataset.textFailed), false);
      state = answer.data;
      try { localStorage.setItem(key, state.token); } catch { /* disabled */ }
    }
    token = state.token;
    let offset = state.offset;
    let wait = 1000;
    while (!state.complete && offset < file.size) {
      this.progress.value = Math.floor((100 * offset) / file.size);
      const chunk = file.slice(offset, offset + state.chunk_size);
      let answer;
      try {
        answer = await api(root, form, "PUT", `/${token}?offset=${offset}`, chunk,
          { "Content-Type": "application/octet-stream" });
      } catch {
        // Offline or the server went away: wait, then ask the server where to continue.
        this.status.textContent = root.dataset.textRetrying;
        await sleep(wait);
        wait = Math.min(wait * 2, MAX_WAIT_MS);
        try {
          const where = await api(root, form, "GET", `/${token}`);
          if (where.status === 200) offset = where.data.offset;
        } catch { /* still offline */ }
        continue;
      }
      wait = 1000;
      this.status.textContent = root.dataset.textUploading;
      if (answer.status === 200) offset = answer.data.offset;
      else if (answer.status === 409) offset = answer.data.offset;
      else return this.fail(errorText(answer.data, root.dataset.textFailed), true);
    }
    this.progress.value = 100;
    const done = await api(root, form, "POST", `/${token}/complete`);
    if (done.status !== 201) return this.fail(errorText(done.data, root.dataset.textFailed), false);
    try { localStorage.removeItem(key); } catch { /* disabled */ }
    this.finished(done.data);
  }

  fail(message, canResume) {
    this.progress.remove();
    this.status.textContent = "";
    const error = document.createElement("span");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = message;
    this.li.append(error);
    if (canResume) {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "button button-secondary button-small";
      again.textContent = this.root.dataset.textResume;
      again.addEventListener("click", () => {
        this.li.remove();
        new Upload(this.root, this.form, this.file).run();
      });
      this.li.append(again);
    }
    this.li.append(this.removeButton());
  }

  finished(data) {
    this.progress.remove();
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "attachment";
    hidden.value = data.attachment.id;
    this.li.prepend(hidden);
    this.status.textContent = data.video ? this.root.dataset.textDone : "";
    this.li.dataset.uploaded = "1";
    this.li.append(this.removeButton());
  }

  removeButton() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary button-small";
    button.textContent = "✕";
    button.setAttribute("aria-label", this.root.dataset.textRemove || "Remove");
    button.addEventListener("click", () => this.li.remove());
    return button;
  }
}

function setup(root) {
  if (root.dataset.ready) return;
  root.dataset.ready = "1";
  const form = root.closest("form");
  const input = root.querySelector("input[data-video-input]");
  if (!form || !input) return;
  input.addEventListener("change", () => {
    for (const file of input.files) new Upload(root, form, file).run();
    input.value = "";
  });
}

function setupAll() {
  document.querySelectorAll("[data-video-upload]").forEach(setup);
}

setupAll();
document.addEventListener("htmx:load", setupAll);
