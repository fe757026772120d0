// Realtime updates over one WebSocket per signed-in page (see docs/realtime.md).
// Events carry ids only; this script shows a "new posts" pill on feeds, keeps comment and
// reaction counts of open posts current and updates the bell. Every page works without it.

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

function updateCounts(event) {
  const postId = event.ids.post;
  const counts = event.counts || {};
  if (counts.comments !== undefined) {
    document.querySelectorAll(`[data-post-id="${postId}"] [data-comment-count], [data-post-id="${postId}"][data-comment-count]`)
      .forEach((el) => setNumber(el, counts.comments));
    // Without data attributes: change the number in "N comments" only where the words stay
    // right (neither side is 1); the "new comments" button offers the rest.
    const fallback = document.getElementById(`comments-${postId}-count`);
    const shown = fallback ? /\d+/.exec(fallback.textContent) : null;
    if (shown && Number(shown[0]) !== 1 && counts.comments !== 1) {
      setNumber(fallback, counts.comments);
    }
  }
  if (event.kind === "reaction.changed" && event.ids.comment === undefined
      && counts.reactions !== undefined) {
    document.querySelectorAll(`[data-post-id="${postId}"] [data-reaction-count], [data-post-id="${postId}"][data-reaction-count]`)
      .forEach((el) => setNumber(el, counts.reactions));
  }
  if (event.kind === "reaction.changed" && event.ids.comment !== undefined
      && counts.comment_reactions !== undefined) {
    document.querySelectorAll(`[data-comment-id="${event.ids.comment}"] [data-reaction-count]`)
      .forEach((el) => setNumber(el, counts.comment_reactions));
  }
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
      updateCounts(event);
      showNewComments(event.ids.post);
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
