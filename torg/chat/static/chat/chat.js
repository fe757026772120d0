// Torg chat: one WebSocket (/ws/chat/) per page, the full chat page, the docked window and the
// navigation's unread count. Messages come with per-conversation sequence numbers: a gap makes
// the client fetch what it missed before showing anything after it, so nothing appears out of
// order. Sends carry a client id and are retried after a reconnect (the server answers a retry
// with the message it already stored). Protocol: torg/chat/consumers.py, docs/chat.md.

const API = "/api/v1/chat";
const EMOJI = { like: "👍", love: "❤️", laugh: "😄", wow: "😮", sad: "😢", done: "✅" };
const TYPING_SEND_EVERY = 3000;
const TYPING_SHOWN_FOR = 5000;
const AWAY_AFTER = 5 * 60 * 1000;
const PRESENCE_EVERY = 45000;

const userId = Number(document.body.dataset.userId || 0);

function text(key, values) {
  const node = document.getElementById("chat-strings");
  let value = (node && node.dataset[key]) || "";
  for (const [name, replacement] of Object.entries(values || {})) {
    value = value.replace(`%(${name})s`, String(replacement));
  }
  return value;
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } };
  if (options.form) {
    init.body = options.form;
  } else if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(API + path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail : text("error");
    throw Object.assign(new Error(detail), { status: response.status });
  }
  return data;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A video sent in the chat: the media app's own fragment (torg/media/templates/media/_video.html:
// "Processing the video… N %" polled every 2 seconds, then the player with its poster, or the
// error) is loaded by htmx once the message is on the page; player.js comes with it.
function videoNode(file) {
  const node = el("div", {
    class: "chat-video", "data-chat-video": file.video.token,
    "hx-get": file.video.status_url, "hx-trigger": "load", "hx-swap": "outerHTML",
  }, el("p", { class: "muted", text: file.name }));
  setTimeout(() => { if (node.isConnected && window.htmx) window.htmx.process(node); }, 0);
  return node;
}

// A changed message (a reaction, an edit) keeps the video already shown: a playing video goes
// on playing (moved within one task, the element is never out of the page at a stable state).
function keepVideos(old, fresh) {
  for (const placeholder of fresh.querySelectorAll("[data-chat-video]")) {
    const shown = old.querySelector(`[id="video-${placeholder.dataset.chatVideo}"]`);
    if (shown) placeholder.replaceWith(shown);
  }
}

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// --- the socket ---------------------------------------------------------------------------------

const socket = {
  ws: null,
  open: false,
  delay: 500,
  listeners: new Set(),
  unsent: new Map(), // client_id → send message, until acknowledged (re-sent after reconnects)
  later: [], // sync/read/open asked for while the socket was closed
  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/chat/`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.open = true;
      this.delay = 500;
      for (const message of this.unsent.values()) ws.send(JSON.stringify(message));
      for (const message of this.later.splice(0)) ws.send(JSON.stringify(message));
      this.emit({ type: "connected" });
    });
    ws.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "ack") this.unsent.delete(data.client_id);
      if (data.type === "error" && data.client_id) this.unsent.delete(data.client_id);
      this.emit(data);
    });
    ws.addEventListener("close", (event) => {
      this.open = false;
      this.emit({ type: "disconnected" });
      if (event.code === 4401) return;
      const wait = this.delay * (0.75 + Math.random() / 2);
      this.delay = Math.min(this.delay * 2, 30000);
      setTimeout(() => this.connect(), wait);
    });
  },
  emit(data) {
    for (const listener of this.listeners) listener(data);
  },
  send(message) {
    if (message.type === "send") this.unsent.set(message.client_id, message);
    if (this.open) this.ws.send(JSON.stringify(message));
    else if (["sync", "read", "open"].includes(message.type)) this.later.push(message);
  },
};

// --- the navigation's unread count -------------------------------------------------------------

let unreadTimer = null;
function refreshUnread() {
  clearTimeout(unreadTimer);
  unreadTimer = setTimeout(async () => {
    const data = await api("/unread").catch(() => null);
    if (!data) return;
    for (const node of document.querySelectorAll("[data-chat-unread-number]")) {
      node.textContent = data.unread > 99 ? "99+" : String(data.unread);
      node.hidden = data.unread === 0;
    }
    for (const node of document.querySelectorAll("[data-chat-unread]")) {
      node.dataset.chatUnread = String(data.unread);
    }
  }, 250);
}

// --- presence ----------------------------------------------------------------------------------

let lastInput = Date.now();
for (const kind of ["keydown", "pointerdown", "scroll", "focus"]) {
  window.addEventListener(kind, () => { lastInput = Date.now(); }, { passive: true, capture: true });
}
function reportPresence() {
  socket.send({ type: "presence", state: Date.now() - lastInput > AWAY_AFTER ? "away" : "online" });
}

// --- one chat view (the page, or the docked window) ---------------------------------------------

class ChatView {
  constructor(root) {
    this.root = root;
    this.mode = root.dataset.mode;
    this.conversation = Number(root.dataset.conversation || 0) || null;
    this.lastSeq = 0; // every message up to here has been applied
    this.buffer = new Map(); // seq → message that arrived after a gap
    this.syncTimer = null;
    this.oldestSeq = null;
    this.moreOlder = false;
    this.loadingOlder = false;
    this.members = new Map();
    this.typing = new Map();
    this.sentRead = 0;
    this.threadRoot = null;
    this.files = { main: [], thread: [] };
    this.muted = false;
    this.bindList();
    if (this.conversation) this.open(this.conversation);
  }

  q(selector) { return this.root.querySelector(selector); }

  // list, search, new conversation

  bindList() {
    const list = this.q("[data-chat-conversations]");
    list.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-conversation-id]");
      if (!link || this.mode !== "dock") return;
      event.preventDefault();
      this.open(Number(link.dataset.conversationId));
    });
    const searchAll = this.q("[data-chat-search-all]");
    searchAll.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search(searchAll.q.value, null, this.q("[data-chat-results-all]"));
    });
    this.bindNewConversation();
    if (this.mode === "dock") this.loadList();
  }

  async loadList() {
    const rows = await api("/conversations").catch(() => null);
    if (!rows) return;
    const list = this.q("[data-chat-conversations]");
    list.replaceChildren(
      ...(rows.length ? rows.map((row) => el("li", {},
        el("a", {
          href: `${this.root.dataset.conversationUrl}${row.id}/`,
          "data-conversation-id": row.id,
          "aria-current": row.id === this.conversation ? "true" : null,
        },
        el("span", { class: "chat-row-title", text: row.title }),
        row.unread && !row.muted ? el("span", { class: "chat-badge", text: row.unread > 99 ? "99+" : row.unread, "aria-label": text("unread", { count: row.unread }) }) : null,
        row.muted ? el("span", { class: "muted chat-row-muted", "aria-hidden": "true", text: "🔕" }) : null)))
        : [el("li", { class: "muted", text: text("noConversations") })]),
    );
  }

  bindNewConversation() {
    const form = this.q("[data-chat-new]");
    const input = this.q("[data-chat-people]");
    const results = this.q("[data-chat-people-results]");
    const chosen = this.q("[data-chat-chosen]");
    const people = new Map();
    let timer = null;
    const renderChosen = () => {
      chosen.replaceChildren(...[...people].map(([id, name]) => el("li", { class: "chip" }, name, " ",
        el("button", { type: "button", class: "linklike", "aria-label": text("removeFile", { name }), onclick: () => { people.delete(id); renderChosen(); } }, "✕"))));
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        if (!query) { results.replaceChildren(); return; }
        const response = await fetch(`/api/v1/people?q=${encodeURIComponent(query)}&limit=8`, { credentials: "same-origin" });
        const data = response.ok ? await response.json() : { items: [] };
        results.replaceChildren(...data.items.filter((p) => p.id !== userId).map((p) => el("li", {},
          el("button", { type: "button", class: "linklike", "data-person-id": p.id, onclick: () => {
            people.set(p.id, p.name); renderChosen(); results.replaceChildren(); input.value = ""; input.focus();
          } }, p.name, p.job_title ? el("span", { class: "muted", text: ` · ${p.job_title}` }) : null))));
      }, 200);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = this.q("[data-chat-new-error]");
      error.hidden = true;
      const ids = [...people.keys()];
      try {
        let conversation;
        if (ids.length === 1) {
          conversation = await api("/conversations/direct", { method: "POST", body: { user_id: ids[0] } });
        } else {
          conversation = await api("/conversations", { method: "POST", body: { name: this.q("[data-chat-new-name]").value, member_ids: ids } });
        }
        people.clear(); renderChosen();
        this.q(".chat-new").open = false;
        this.go(conversation.id);
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      }
    });
  }

  go(conversationId) {
    if (this.mode === "dock") this.open(conversationId);
    else location.assign(`${this.root.dataset.conversationUrl}${conversationId}/`);
  }

  async search(query, conversation, target) {
    query = query.trim();
    if (!query) { target.hidden = true; return; }
    const params = new URLSearchParams({ q: query });
    if (conversation) params.set("conversation", conversation);
    const found = await api(`/search?${params}`).catch(() => []);
    target.replaceChildren(
      ...(found.length ? found.map((m) => el("a", { class: "chat-result", href: m.url },
        el("strong", { text: m.sender.name }), " ", el("span", { text: m.body.slice(0, 160) })))
        : [el("p", { class: "muted", text: text("noResults") })]),
    );
    target.hidden = false;
  }

  // one conversation

  async open(conversationId) {
    this.conversation = conversationId;
    this.root.dataset.conversation = String(conversationId);
    this.lastSeq = 0; this.buffer.clear(); this.oldestSeq = null; this.sentRead = 0;
    if (this.mode === "dock") {
      this.q("[data-chat-dock-pane]").hidden = false;
      this.q("[data-chat-list-pane]").hidden = true;
    }
    if (!this.bound) this.bindConversation();
    this.q("[data-chat-messages]").replaceChildren();
    const detail = await api(`/conversations/${conversationId}`).catch(() => null);
    if (!detail) return;
    this.applyDetail(detail);
    const page = await api(`/conversations/${conversationId}/messages?limit=50`);
    this.render(page.messages, "append");
    this.moreOlder = page.more;
    this.oldestSeq = page.messages.length ? page.messages[0].seq : null;
    // Top-level messages only in the page: replies after them come with the sync below.
    this.lastSeq = page.messages.length ? page.messages[page.messages.length - 1].seq : 0;
    if (!page.messages.length) this.showEmpty();
    this.scrollToEnd();
    socket.send({ type: "sync", conversation: conversationId, after: this.lastSeq });
    this.markRead();
    this.observeOlder();
  }

  applyDetail(detail) {
    this.q("[data-chat-title]").textContent = detail.title;
    this.muted = detail.muted;
    const mute = this.q("[data-chat-mute]");
    mute.textContent = detail.muted ? text("unmute") : text("mute");
    mute.setAttribute("aria-pressed", String(detail.muted));
    this.members = new Map(detail.members.map((m) => [m.id, m]));
    this.kind = detail.kind;
    this.showPresence();
    this.showSeen();
  }

  showPresence() {
    const others = [...this.members.values()].filter((m) => m.id !== userId);
    const line = this.q("[data-chat-presence]");
    if (this.kind === "direct" && others.length === 1) {
      line.textContent = text(others[0].presence);
      line.dataset.presence = others[0].presence;
    } else {
      const online = others.filter((m) => m.presence === "online").length;
      line.textContent = text("membersOnline", { count: online, total: others.length + 1 });
      line.dataset.presence = "";
    }
  }

  bindConversation() {
    this.bound = true;
    for (const form of this.root.querySelectorAll("[data-chat-composer]")) this.bindComposer(form);
    this.q("[data-chat-mute]").addEventListener("click", async () => {
      const detail = await api(`/conversations/${this.conversation}`, { method: "PATCH", body: { muted: !this.muted } }).catch(() => null);
      if (detail) this.applyDetail(detail);
      refreshUnread();
    });
    const searchOne = this.q("[data-chat-search-one]");
    searchOne.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search(searchOne.q.value, this.conversation, this.q("[data-chat-results]"));
    });
    this.q("[data-chat-thread-close]").addEventListener("click", () => this.closeThread());
    const back = this.q("[data-chat-back]");
    back.addEventListener("click", () => {
      if (this.mode === "dock") {
        this.q("[data-chat-dock-pane]").hidden = true;
        this.q("[data-chat-list-pane]").hidden = false;
        this.conversation = null;
        this.loadList();
      } else {
        location.assign(this.root.dataset.conversationUrl);
      }
    });
    for (const list of [this.q("[data-chat-messages]"), this.q("[data-chat-thread-messages]")]) {
      list.addEventListener("click", (event) => this.onMessageClick(event));
    }
    document.addEventListener("visibilitychange", () => this.markRead());
    window.addEventListener("focus", () => this.markRead());
    setInterval(async () => {
      if (!this.conversation) return;
      const detail = await api(`/conversations/${this.conversation}`).catch(() => null);
      if (detail) this.applyDetail(detail);
    }, 60000);
  }

  observeOlder() {
    const sentinel = this.q("[data-chat-older]");
    if (this.observer) this.observer.disconnect();
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.loadOlder();
    }, { root: this.q("[data-chat-scroll]") });
    sentinel.hidden = !this.moreOlder;
    this.observer.observe(sentinel);
  }

  async loadOlder() {
    if (!this.moreOlder || this.loadingOlder || this.oldestSeq === null) return;
    this.loadingOlder = true;
    const scroller = this.q("[data-chat-scroll]");
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    const page = await api(`/conversations/${this.conversation}/messages?before=${this.oldestSeq}&limit=50`).catch(() => null);
    this.loadingOlder = false;
    if (!page) return;
    this.render(page.messages, "prepend");
    this.moreOlder = page.more;
    if (page.messages.length) this.oldestSeq = page.messages[0].seq;
    this.q("[data-chat-older]").hidden = !this.moreOlder;
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  }

  showEmpty() {
    const list = this.q("[data-chat-messages]");
    if (!list.children.length) list.append(el("li", { class: "chat-empty-note muted", text: text("noMessages") }));
  }

  // receiving

  onSocket(data) {
    if (data.type === "connected") {
      if (this.conversation && this.wasDisconnected) {
        // Back after a disconnect: fetch everything after the last message applied.
        socket.send({ type: "sync", conversation: this.conversation, after: this.lastSeq });
        this.sentRead = 0;
        this.markRead();
      }
      if (this.conversation) this.q("[data-chat-banner]").hidden = true;
      return;
    }
    if (data.type === "disconnected") this.wasDisconnected = true;
    if (data.type === "disconnected" && this.conversation) {
      const banner = this.q("[data-chat-banner]");
      banner.textContent = text("offlineBanner");
      banner.hidden = false;
      return;
    }
    if (data.type === "messages" && data.conversation === this.conversation) {
      for (const message of data.messages) this.receive(message);
      if (data.more) socket.send({ type: "sync", conversation: this.conversation, after: this.lastSeq });
      return;
    }
    if (data.type === "ack" && data.message.conversation === this.conversation) {
      const pending = this.root.querySelector(`[data-client-id="${CSS.escape(data.client_id)}"]`);
      if (pending) pending.remove();
      this.receive(data.message);
      return;
    }
    if (data.type === "error" && data.client_id) {
      const pending = this.root.querySelector(`[data-client-id="${CSS.escape(data.client_id)}"]`);
      if (pending) pending.remove();
      const form = this.q(data.parent ? '[data-chat-composer="thread"]' : '[data-chat-composer="main"]');
      this.showError(form, data.detail || text("error"));
      return;
    }
    if (data.type !== "event") return;
    if (data.conversation !== this.conversation) {
      if (data.kind === "message.new" && this.mode === "dock" && !this.conversation) this.loadList();
      return;
    }
    if (data.kind === "message.new") this.receive(data.message);
    else if (data.kind === "message.changed") this.replace(data.message);
    else if (data.kind === "read") {
      const member = this.members.get(data.user);
      if (member) member.last_read_seq = Math.max(member.last_read_seq, data.seq);
      this.showSeen();
    } else if (data.kind === "typing") this.showTyping(data.user, data.name);
    else if (data.kind === "conversation.removed") {
      const banner = this.q("[data-chat-banner]");
      banner.textContent = text("removed");
      banner.hidden = false;
      for (const button of this.root.querySelectorAll("[data-chat-send]")) button.disabled = true;
    } else if (data.kind === "conversation.changed") {
      api(`/conversations/${this.conversation}`).then((detail) => this.applyDetail(detail)).catch(() => {});
    }
  }

  receive(message) {
    if (message.seq <= this.lastSeq) {
      this.replace(message); // a duplicate (ack and event, or a replay): refresh in place
      return;
    }
    this.buffer.set(message.seq, message);
    while (this.buffer.has(this.lastSeq + 1)) {
      const next = this.buffer.get(this.lastSeq + 1);
      this.buffer.delete(this.lastSeq + 1);
      this.lastSeq = next.seq;
      this.apply(next);
    }
    if (this.buffer.size) {
      // A gap: ask for what is missing (once things settle), show nothing after it until then.
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(() => {
        if (this.buffer.size) socket.send({ type: "sync", conversation: this.conversation, after: this.lastSeq });
      }, 300);
    }
    this.markRead();
  }

  apply(message) {
    if (message.parent) {
      if (this.threadRoot === message.parent) this.render([message], "append", this.q("[data-chat-thread-messages]"));
      return;
    }
    const scroller = this.q("[data-chat-scroll]");
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    const empty = this.q(".chat-empty-note");
    if (empty) empty.remove();
    this.render([message], "append");
    if (atEnd || message.sender.id === userId) this.scrollToEnd();
    this.showSeen();
  }

  replace(message) {
    for (const node of this.root.querySelectorAll(`[data-message-id="${message.id}"]`)) {
      const fresh = this.messageNode(message);
      keepVideos(node, fresh);
      node.replaceWith(fresh);
    }
  }

  render(messages, where, list = this.q("[data-chat-messages]")) {
    const nodes = [];
    for (const message of messages) {
      if (list.querySelector(`[data-message-id="${message.id}"]`)) {
        this.replace(message);
        continue;
      }
      nodes.push(this.messageNode(message));
    }
    if (where === "prepend") list.prepend(...nodes);
    else list.append(...nodes);
  }

  messageNode(message) {
    const time = new Date(message.created_at);
    const mine = message.sender.id === userId;
    const node = el("li", {
      class: `chat-message${mine ? " chat-mine" : ""}${message.deleted ? " chat-deleted" : ""}`,
      id: message.parent ? null : `m${message.seq}`,
      "data-message-id": message.id,
      "data-seq": message.seq,
    });
    node.append(el("div", { class: "chat-meta" },
      el("strong", { class: "chat-sender", text: message.sender.name }), " ",
      el("time", { datetime: message.created_at, title: time.toLocaleString(), text: time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }),
      message.edited && !message.deleted ? el("span", { class: "muted chat-edited", text: ` ${text("edited")}` }) : null));
    if (message.deleted) {
      node.append(el("p", { class: "muted chat-body", text: text("deleted") }));
      return node;
    }
    const body = el("div", { class: "chat-body" });
    body.innerHTML = message.html; // sanitised by the server (torg.core.markdown + nh3)
    node.append(body);
    if (message.files.length) {
      node.append(el("ul", { class: "chat-files" }, message.files.map((file) => (file.kind === "video" && file.video
        ? el("li", { class: "chat-video-item" }, videoNode(file))
        : el("li", {},
          file.kind === "image"
            ? el("a", { href: file.url }, el("img", { src: file.thumbnail_url || file.url, alt: file.name, loading: "lazy", width: file.width && Math.min(file.width, 240) }))
            : el("a", { href: file.url, class: "chat-file", download: file.name }, file.name))))));
    }
    for (const preview of message.previews) {
      node.append(el("a", { class: "link-preview chat-preview", href: preview.url, rel: "noopener noreferrer nofollow ugc" },
        preview.image_url ? el("img", { src: preview.image_url, alt: "", loading: "lazy" }) : null,
        el("span", { class: "link-preview-text" },
          preview.site_name ? el("span", { class: "link-preview-site", text: preview.site_name }) : null,
          el("strong", { class: "link-preview-title", text: preview.title }))));
    }
    if (message.reactions.length) {
      node.append(el("div", { class: "chat-reactions" }, message.reactions.map((reaction) => el("button", {
        type: "button", class: "chip chat-reaction", "data-react": reaction.emoji,
        "aria-pressed": String(reaction.users.includes(userId)),
        "aria-label": `${text(`emoji${reaction.emoji[0].toUpperCase()}${reaction.emoji.slice(1)}`)}: ${reaction.count}`,
      }, `${reaction.symbol} ${reaction.count}`))));
    }
    const actions = el("div", { class: "chat-actions" },
      el("button", { type: "button", class: "linklike", "data-react-menu": true, "aria-expanded": "false" }, text("react")),
      message.parent ? null : el("button", { type: "button", class: "linklike", "data-thread": message.id },
        message.reply_count ? (message.reply_count === 1 ? text("repliesOne") : text("repliesOther", { count: message.reply_count })) : text("reply")),
      el("button", { type: "button", class: "linklike", "data-copy": new URL(message.url, location.origin).href }, text("copy")),
      mine ? el("button", { type: "button", class: "linklike", "data-edit": true }, text("edit")) : null,
      mine ? el("button", { type: "button", class: "linklike chat-danger", "data-delete": true }, text("delete")) : null);
    const menu = el("div", { class: "chat-react-menu", hidden: true },
      Object.entries(EMOJI).map(([key, symbol]) => el("button", {
        type: "button", class: "linklike", "data-react": key,
        "aria-label": text(`emoji${key[0].toUpperCase()}${key.slice(1)}`),
      }, symbol)));
    node.append(actions, menu);
    node.chatMessage = message;
    return node;
  }

  async onMessageClick(event) {
    const button = event.target.closest("button");
    const node = event.target.closest("[data-message-id]");
    if (!button || !node) return;
    const id = Number(node.dataset.messageId);
    if (button.hasAttribute("data-react-menu")) {
      const menu = node.querySelector(".chat-react-menu");
      menu.hidden = !menu.hidden;
      button.setAttribute("aria-expanded", String(!menu.hidden));
      if (!menu.hidden) menu.querySelector("button").focus();
    } else if (button.dataset.react) {
      const result = await api(`/messages/${id}/reactions`, { method: "POST", body: { emoji: button.dataset.react } }).catch(() => null);
      if (result) this.replace(result.message);
    } else if (button.dataset.thread) {
      this.openThread(Number(button.dataset.thread));
    } else if (button.dataset.copy) {
      await navigator.clipboard?.writeText(button.dataset.copy).catch(() => {});
      button.textContent = text("copied");
      setTimeout(() => { button.textContent = text("copy"); }, 2000);
    } else if (button.hasAttribute("data-delete")) {
      if (!window.confirm(text("confirmDelete"))) return;
      const message = await api(`/messages/${id}`, { method: "DELETE" }).catch(() => null);
      if (message) this.replace(message);
    } else if (button.hasAttribute("data-edit")) {
      this.edit(node);
    }
  }

  edit(node) {
    const message = node.chatMessage;
    const body = node.querySelector(".chat-body");
    const area = el("textarea", { class: "chat-edit", rows: 3, maxlength: 10000, "aria-label": text("edit") });
    area.value = message.body;
    const form = el("form", { class: "chat-edit-form" }, area,
      el("button", { type: "submit", class: "button button-small", text: text("save") }), " ",
      el("button", { type: "button", class: "button button-secondary button-small", text: text("cancel"), onclick: () => this.replace(message) }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        this.replace(await api(`/messages/${message.id}`, { method: "PATCH", body: { body: area.value } }));
      } catch (failure) {
        window.alert(failure.message);
      }
    });
    body.replaceWith(form);
    area.focus();
  }

  async openThread(rootId) {
    this.threadRoot = rootId;
    const panel = this.q("[data-chat-thread]");
    panel.hidden = false;
    this.root.classList.add("chat-thread-open");
    const messages = await api(`/messages/${rootId}/thread`).catch(() => []);
    const list = this.q("[data-chat-thread-messages]");
    list.replaceChildren();
    this.render(messages, "append", list);
    panel.querySelector("[data-chat-body]").focus();
  }

  closeThread() {
    this.threadRoot = null;
    this.q("[data-chat-thread]").hidden = true;
    this.root.classList.remove("chat-thread-open");
  }

  showTyping(user, name) {
    clearTimeout(this.typing.get(user)?.timer);
    this.typing.set(user, { name, timer: setTimeout(() => { this.typing.delete(user); this.renderTyping(); }, TYPING_SHOWN_FOR) });
    this.renderTyping();
  }

  renderTyping() {
    const names = [...this.typing.values()].map((t) => t.name);
    this.q("[data-chat-typing]").textContent = names.length === 0 ? "" : names.length === 1 ? text("typingOne", { name: names[0] }) : text("typingMany");
  }

  showSeen() {
    const mine = [...this.root.querySelectorAll("[data-chat-messages] > .chat-mine[data-seq]")].pop();
    const line = this.q("[data-chat-seen]");
    if (!mine) { line.textContent = ""; return; }
    const seq = Number(mine.dataset.seq);
    const names = [...this.members.values()].filter((m) => m.id !== userId && m.last_read_seq >= seq).map((m) => m.name);
    line.textContent = names.length ? text("seenBy", { names: names.join(", ") }) : "";
  }

  markRead() {
    if (!this.conversation || document.visibilityState !== "visible" || this.lastSeq <= this.sentRead) return;
    if (this.root.offsetParent === null && this.mode === "dock") return; // closed dock
    this.sentRead = this.lastSeq;
    socket.send({ type: "read", conversation: this.conversation, seq: this.lastSeq });
    refreshUnread();
  }

  scrollToEnd() {
    const scroller = this.q("[data-chat-scroll]");
    scroller.scrollTop = scroller.scrollHeight;
  }

  // sending

  bindComposer(form) {
    const kind = form.dataset.chatComposer;
    const area = form.querySelector("[data-chat-body]");
    let typingSent = 0;
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    area.addEventListener("input", () => {
      if (Date.now() - typingSent > TYPING_SEND_EVERY && area.value.trim()) {
        typingSent = Date.now();
        socket.send({ type: "typing", conversation: this.conversation });
      }
    });
    form.querySelector("[data-chat-file]").addEventListener("change", async (event) => {
      for (const file of [...event.target.files]) await this.upload(form, kind, file);
      event.target.value = "";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = area.value;
      const files = this.files[kind].map((f) => f.id);
      if ((!body.trim() && !files.length) || Number(form.dataset.uploading || 0) > 0) return;
      form.querySelector("[data-chat-error]").hidden = true;
      const clientId = newClientId();
      const parent = kind === "thread" ? this.threadRoot : null;
      const list = kind === "thread" ? this.q("[data-chat-thread-messages]") : this.q("[data-chat-messages]");
      list.append(el("li", { class: "chat-message chat-mine chat-pending", "data-client-pending": true, "data-client-id": clientId },
        el("div", { class: "chat-body" }, body), el("p", { class: "muted", text: socket.open ? text("sending") : text("failed") })));
      if (kind === "main") this.scrollToEnd();
      socket.send({ type: "send", conversation: this.conversation, client_id: clientId, body, parent, files });
      area.value = "";
      this.files[kind] = [];
      form.querySelector("[data-chat-files]").replaceChildren();
    });
  }

  async upload(form, kind, file) {
    const list = form.querySelector("[data-chat-files]");
    const item = el("li", { class: "chip", text: text("uploading", { name: file.name }) });
    list.append(item);
    const data = new FormData();
    data.append("file", file);
    const send = form.querySelector("[data-chat-send]");
    form.dataset.uploading = String(Number(form.dataset.uploading || 0) + 1);
    send.disabled = true; // sending waits for the upload
    try {
      const stored = await api("/files", { method: "POST", form: data });
      this.files[kind].push(stored);
      item.replaceChildren(stored.name, " ", el("button", {
        type: "button", class: "linklike", "aria-label": text("removeFile", { name: stored.name }),
        onclick: () => { this.files[kind] = this.files[kind].filter((f) => f.id !== stored.id); item.remove(); },
      }, "✕"));
    } catch (failure) {
      item.remove();
      this.showError(form, failure.message);
    } finally {
      form.dataset.uploading = String(Number(form.dataset.uploading) - 1);
      send.disabled = Number(form.dataset.uploading) > 0;
    }
  }

  showError(form, message) {
    const error = form.querySelector("[data-chat-error]");
    error.textContent = message;
    error.hidden = false;
  }
}

// --- start --------------------------------------------------------------------------------------

function start() {
  if (!userId) return;
  const views = [...document.querySelectorAll("[data-chat-root]")].map((root) => new ChatView(root));
  socket.listeners.add((data) => {
    for (const view of views) view.onSocket(data);
    if (data.type === "event" && ["message.new", "read", "conversation.added", "conversation.removed"].includes(data.kind)) refreshUnread();
    if (data.type === "connected") reportPresence();
  });
  const dock = document.querySelector("[data-chat-dock]");
  if (dock) {
    const toggle = dock.querySelector("[data-chat-dock-toggle]");
    const panel = dock.querySelector(".chat-dock-panel");
    toggle.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
    });
  }
  const share = document.querySelector("[data-chat-share-presence]");
  if (share) {
    share.addEventListener("change", () => api("/settings", { method: "PUT", body: { share_presence: share.checked } }));
  }
  socket.connect();
  setInterval(reportPresence, PRESENCE_EVERY);
  refreshUnread();
}

start();
