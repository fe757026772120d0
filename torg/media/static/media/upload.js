// Resumable video uploads (protocol in torg/media/api.py): start, send chunks with their offset,
// ask the server where to continue after an interruption, complete. The finished upload becomes
// an attachment of the post or comment, like any other file.
//
// One root element ([data-video-upload] in the post composer, [data-attach-upload] in the comment
// box) inside a form; its data attributes say where things go:
//   data-api          the resumable upload API (required)
//   data-list         selector (inside the form) of the list the uploads are shown in
//                     (default ".composer-attachments")
//   data-field        the name of the hidden input carrying each attachment's id (default
//                     "attachment"; the comment form takes "attachments")
//   data-upload-url   when set, files that are not videos go in one request to this URL
//                     (torg.posts.views.upload) with a progress bar and an alt text field for
//                     pictures; without it every file takes the resumable path
//   data-text-*       the words shown (translated by the template)
// The file input is input[data-video-input] or input[data-attach-input]; a [data-attach-button]
// (hidden until this script runs: without JavaScript there is nothing to upload with) opens it.

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
  if (typeof data.error === "string") return data.error;
  return fallback;
}

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv)$/i;

function isVideo(file) {
  return (file.type || "").startsWith("video/") || VIDEO_NAME.test(file.name);
}

function listOf(root, form) {
  return form.querySelector(root.dataset.list || ".composer-attachments");
}

function fieldOf(root) {
  return root.dataset.field || "attachment";
}

let uid = 0;

// One row of the attachment list: the file's name, a progress bar and a live status line.
class Item {
  constructor(root, form, file) {
    this.root = root;
    this.form = form;
    this.file = file;
    this.li = document.createElement("li");
    this.li.className = "video-upload-item";
    const name = document.createElement("span");
    name.className = "upload-name";
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
    listOf(root, form).append(this.li);
  }

  setBusy(busy) {
    const submit = this.form.querySelector("button[type=submit]");
    if (!submit) return;
    const count = Number(this.form.dataset.videoUploads || 0) + (busy ? 1 : -1);
    this.form.dataset.videoUploads = String(Math.max(0, count));
    submit.disabled = count > 0;
  }

  fail(message, retry) {
    this.progress.remove();
    this.status.textContent = "";
    const error = document.createElement("span");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = message;
    this.li.append(error);
    if (retry) {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "button button-secondary button-small";
      again.textContent = this.root.dataset.textResume;
      again.addEventListener("click", () => {
        this.li.remove();
        retry();
      });
      this.li.append(again);
    }
    this.li.append(this.removeButton());
  }

  carry(id) {
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = fieldOf(this.root);
    hidden.value = id;
    this.li.prepend(hidden);
    this.li.dataset.uploaded = "1";
  }

  removeButton() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary button-small";
    button.textContent = "✕";
    button.setAttribute("aria-label", `${this.root.dataset.textRemove || "Remove"} ${this.file.name}`);
    button.addEventListener("click", () => this.li.remove());
    return button;
  }
}

// A picture or other file in one request, as the post composer sends them.
class SimpleUpload extends Item {
  run() {
    this.setBusy(true);
    const body = new FormData();
    body.append("file", this.file);
    const request = new XMLHttpRequest();
    request.open("POST", this.root.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken(this.form));
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) this.progress.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", () => {
      this.setBusy(false);
      let data = {};
      try { data = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (request.status !== 201) {
        this.fail(errorText(data, this.root.dataset.textFailed), null);
        return;
      }
      this.finished(data);
    });
    request.addEventListener("error", () => {
      this.setBusy(false);
      this.fail(this.root.dataset.textFailed, () => new SimpleUpload(this.root, this.form, this.file).run());
    });
    request.send(body);
  }

  finished(data) {
    this.progress.remove();
    this.status.textContent = "";
    this.carry(data.id);
    if (data.kind === "image" && data.thumbnail_url) {
      const img = document.createElement("img");
      img.src = data.thumbnail_url;
      img.alt = "";
      img.className = "upload-thumb";
      this.li.prepend(img);
      const id = `attach-alt-${data.id}-${++uid}`;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.className = "visually-hidden";
      label.textContent = this.root.dataset.textAlt || "Describe the picture";
      const alt = document.createElement("input");
      alt.id = id;
      alt.name = `alt_${data.id}`;
      alt.maxLength = 500;
      alt.placeholder = label.textContent;
      alt.className = "upload-alt";
      this.li.append(label, alt);
    }
    this.li.append(this.removeButton());
  }
}

class Upload extends Item {
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
    super.fail(message, canResume ? () => new Upload(this.root, this.form, this.file).run() : null);
  }

  finished(data) {
    this.progress.remove();
    this.carry(data.attachment.id);
    this.status.textContent = data.video ? this.root.dataset.textDone : "";
    this.li.append(this.removeButton());
  }
}

function setup(root) {
  if (root.dataset.ready) return;
  root.dataset.ready = "1";
  const form = root.closest("form");
  const input = root.querySelector("input[data-video-input], input[data-attach-input]");
  if (!form || !input) return;
  const opener = root.querySelector("[data-attach-button]");
  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", () => input.click());
  }
  input.addEventListener("change", () => {
    for (const file of input.files) {
      if (root.dataset.uploadUrl && !isVideo(file)) new SimpleUpload(root, form, file).run();
      else new Upload(root, form, file).run();
    }
    input.value = "";
  });
}

function setupAll() {
  document.querySelectorAll("[data-video-upload], [data-attach-upload]").forEach(setup);
}

// Attachments the server put back into a form after a refused submit have their own ✕.
document.addEventListener("click", (event) => {
  const button = event.target.closest ? event.target.closest("[data-remove-attachment]") : null;
  if (button) button.closest("li").remove();
});

// A request that failed (server error, no connection) leaves the form as it was, text and
// attachments included; say so next to the form.
function sendFailed(event, key) {
  const form = event.target.closest ? event.target.closest("form") : null;
  const root = form && form.querySelector("[data-attach-upload]");
  const box = form && form.querySelector("[data-attach-error]");
  if (!root || !box) return;
  box.textContent = root.dataset[key] || root.dataset.textFailed;
}
document.addEventListener("htmx:responseError", (event) => sendFailed(event, "textSendFailed"));
document.addEventListener("htmx:sendError", (event) => sendFailed(event, "textOffline"));

setupAll();
document.addEventListener("htmx:load", setupAll);
