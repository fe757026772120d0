// Realtime updates over one WebSocket per signed-in page (see docs/realtime.md).
// Events carry ids only; this script shows a "new posts" pill on feeds, keeps comment and
// reaction counts of open posts current, puts new comments in place and updates the bell.
// Every page works without it.

const MAX_BACKOFF_MS = 30000;
const MAX_POSTS = 20;

let socket = null;
let lastEventId = null;
let attempt = 0;
let texts = {};
let newPosts = 0;
let newComments = 0;
const seen = new Set();

function text(key, count) {
  const forms = texts[key];
  if (!forms) return String(count);
  const form = count === 1 ? forms.one : forms.other;
  return form.replace("%(count)s", String(count));
}

function openPostIds() {
  // Posts whose counts this page shows: explicit data-post-id elements, else the post cards
  // of a post page (a page without a feed).
  const ids = new Set();
  document.querySelectorAll("[data-post-id]").forEach((el) => ids.add(el.dataset.postId));
  if (!document.getElementById("feed-posts")) {
    document.querySelectorAll("article.post-card[id^='post-']").forEach((el) => {
      const match = /^post-(\d+)$/.exec(el.id);
      if (match) ids.add(match[1]);
    });
  }
  return [...ids].slice(0, MAX_POSTS).map(Number).filter((id) => id > 0);
}

function pill(id, onClick) {
  // A polite live region holding one button; created on first use.
  let region = document.getElementById(id);
  if (!region) {
    region = document.createElement("div");
    region.id = id;
    region.className = "realtime-pill";
    region.setAttribute("aria-live", "polite");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.addEventListener("click", onClick);
    region.append(button);
    return [region, button];
  }
  return [region, region.querySelector("button")];
}

function showNewPosts() {
  const feed = document.getElementById("feed-posts");
  if (!feed) return;
  newPosts += 1;
  const [region, button] = pill("realtime-new-posts", () => {
    // Simplest correct refresh: the first page again, with the new posts on top.
    window.location.reload();
  });
  button.textContent = text("new_posts", newPosts);
  if (!region.isConnected) feed.before(region);
}

function showNewComments(postId) {
  if (document.getElementById("feed-posts")) return;
  const card = document.getElementById(`post-${postId}`);
  if (!card) return;
  newComments += 1;
  const [region, button] = pill("realtime-new-comments", () => window.location.reload());
  button.textContent = text("new_comments", newComments);
  if (!region.isConnected) card.after(region);
}

function setNumber(el, value) {
  // Keep data-*-count current and replace the number in the element's own text, keeping its
  // translated words; elements with child elements keep their markup.
  for (const name of ["commentCount", "reactionCount", "count"]) {
    if (el.dataset[name] !== undefined) el.dataset[name] = String(value);
  }
  if (el.children.length > 0) return;
  if (/\d+/.test(el.textContent)) {
    el.textContent = el.textContent.replace(/\d+/, String(value));
  } else {
    el.textContent = String(value);
  }
}

function updateCommentCount(postId, count) {
  // "N comments" under the post (empty at zero, as the server renders it), in the person's
  // language from the welcome message's plural forms.
  const line = document.getElementById(`comments-${postId}-count`);
  if (line) {
    line.dataset.commentCount = String(count);
    line.textContent = count > 0 ? text("comments", count) : "";
  }
  document.querySelectorAll(`[data-post-id="${postId}"] [data-comment-count]`)
    .forEach((el) => { if (el !== line) setNumber(el, count); });
}

function updateReactionBar(bar, total, kinds) {
  // One reaction bar (posts/_reactions.html): the count on each kind's button, and the
  // "N reactions" link with the icons of the kinds used (created, updated or removed).
  if (!bar) return;
  bar.querySelectorAll("button.reaction[name=kind]").forEach((button) => {
    const count = kinds ? kinds[button.value] || 0 : Number(button.dataset.count || 0);
    button.dataset.count = String(count);
    const label = button.querySelector(".reaction-count");
    if (label) label.textContent = count ? String(count) : "";
  });
  let who = bar.querySelector("a.reactions-who");
  if (!total) {
    if (who) {
      if (who.previousSibling && who.previousSibling.nodeType === Node.TEXT_NODE) {
        who.previousSibling.remove();
      }
      who.remove();
    }
    return;
  }
  if (!who) {
    if (!bar.dataset.reactionsUrl) return;
    who = document.createElement("a");
    who.className = "reactions-who";
    who.href = bar.dataset.reactionsUrl;
    bar.append(" ", who);
  }
  who.dataset.reactionCount = String(total);
  const icons = document.createElement("span");
  icons.className = "reaction-icons";
  if (kinds) {
    bar.querySelectorAll("button.reaction[name=kind]").forEach((button) => {
      const icon = button.querySelector(".reaction-icon");
      if (kinds[button.value] && icon) icons.append(icon.cloneNode(true));
    });
  } else {
    const old = who.querySelector(".reaction-icons");
    if (old) icons.append(...old.childNodes);
  }
  who.replaceChildren(icons, ` ${text("reactions", total)}`);
}

function updateCounts(event) {
  const postId = event.ids.post;
  const counts = event.counts || {};
  if (counts.comments !== undefined) updateCommentCount(postId, counts.comments);
  if (event.kind !== "reaction.changed") return;
  if (event.ids.comment === undefined && counts.reactions !== undefined) {
    updateReactionBar(document.getElementById(`reactions-post-${postId}`), counts.reactions,
      counts.kinds);
    document.querySelectorAll(`[data-post-id="${postId}"] [data-reaction-count]`)
      .forEach((el) => { if (!el.closest(".reactions")) setNumber(el, counts.reactions); });
  }
  if (event.ids.comment !== undefined && counts.comment_reactions !== undefined) {
    updateReactionBar(document.getElementById(`reactions-comment-${event.ids.comment}`),
      counts.comment_reactions, counts.kinds);
  }
}

async function insertComment(event) {
  // A new comment on an open post page appears in place: its partial comes over HTTP (with
  // the usual access checks), replies under their comment. Returns false when it cannot be
  // placed here (the caller then offers "N new comments").
  const { post, comment, parent } = event.ids;
  if (document.getElementById(`comment-${comment}`)) return true;
  const section = document.getElementById(`comments-${post}`);
  const list = parent !== undefined
    ? document.getElementById(`comment-${parent}-replies`)
    : document.getElementById(`comments-${post}-list`);
  if (!section || !list || !section.dataset.commentUrl) return false;
  const url = section.dataset.commentUrl.replace(/\/0\/$/, `/${comment}/`);
  let response;
  try {
    response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  } catch {
    return false;
  }
  if (!response.ok) return response.status === 404; // deleted or hidden since: nothing to show
  const html = await response.text();
  if (document.getElementById(`comment-${comment}`)) return true; // arrived meanwhile
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const item = template.content.firstElementChild;
  if (!item) return false;
  list.append(item);
  if (window.htmx) window.htmx.process(item);
  return true;
}

async function onNewComment(event) {
  updateCounts(event);
  if (document.getElementById("feed-posts")) return;
  const me = Number(document.body.dataset.userId || 0);
  // Your own comment is already on the page that sent it (its form's answer puts it there).
  if (event.ids.author === me) return;
  if (!(await insertComment(event))) showNewComments(event.ids.post);
}

function updateBell(event) {
  // The bell: [data-unread-count]. With data-refresh-url (and htmx) it re-renders itself from
  // the server (translated label included); else the number goes into its [data-unread-number]
  // child, or into the element itself when it has no children.
  document.querySelectorAll("[data-unread-count]").forEach((bell) => {
    const current = Number.parseInt(bell.dataset.unreadCount || "0", 10) || 0;
    const next = event.ids.unread !== undefined ? event.ids.unread : current + 1;
    bell.dataset.unreadCount = String(next);
    const url = bell.dataset.refreshUrl;
    if (url && window.htmx) {
      window.htmx.ajax("GET", url, { target: bell, swap: "outerHTML" });
      return;
    }
    const number = bell.querySelector("[data-unread-number]")
      || (bell.children.length === 0 ? bell : null);
    if (number) number.textContent = next > 99 ? "99+" : String(next);
  });
}

function handleEvent(event) {
  if (seen.has(event.id)) return;
  seen.add(event.id);
  if (seen.size > 1000) seen.clear();
  if (lastEventId === null || event.id > lastEventId) lastEventId = event.id;
  const me = Number(document.body.dataset.userId || 0);
  switch (event.kind) {
    case "post.created":
      if (event.ids.author !== me) showNewPosts();
      break;
    case "comment.created":
      onNewComment(event);
      break;
    case "reaction.changed":
      updateCounts(event);
      break;
    case "membership.changed":
      break;
    default:
      if (event.kind.startsWith("notification")) updateBell(event);
  }
  document.dispatchEvent(new CustomEvent("torg:realtime", { detail: event }));
}

function onMessage(message) {
  let data;
  try {
    data = JSON.parse(message.data);
  } catch {
    return;
  }
  if (data.type === "welcome") {
    texts = data.text || {};
    attempt = 0;
    openPostIds().forEach((post) => send({ type: "subscribe", post }));
    if (lastEventId === null) {
      lastEventId = data.last_event_id;
    } else {
      send({ type: "resume", last_event_id: lastEventId });
    }
  } else if (data.type === "event") {
    handleEvent(data);
  } else if (data.type === "refresh") {
    // Too much was missed: offer a reload rather than pretending to be current.
    if (document.getElementById("feed-posts")) {
      showNewPosts();
    } else {
      lastEventId = null;
    }
  }
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/`);
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", (close) => {
    socket = null;
    if (close.code === 4401) return; // signed out: do not retry
    attempt += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 6));
    setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
  });
}

if ("WebSocket" in window) connect();
