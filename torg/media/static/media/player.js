// Video player for post cards: HLS (hls.js where Media Source Extensions exist, native HLS
// otherwise), autoplay muted when at least half the video is visible and pause when scrolled away,
// a "tap to unmute" button, keyboard shortcuts, and a progress beacon for the statistics.
// Videos on comments (data-autoplay="off") never start by themselves and load nothing before
// the first play (a thread can hold many: hls.js is attached only then); they still pause when
// scrolled away.

const BUCKETS = 20;
const BEACON_EVERY_MS = 10000;
let Hls = null;
let hlsLoading = null;

function loadHls(url) {
  if (!hlsLoading) {
    hlsLoading = import(url).then((module) => { Hls = module.default; return Hls; });
  }
  return hlsLoading;
}

function randomKey() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class Tracker {
  // Running totals of one playback: seconds watched, furthest position, 5 % buckets played.
  constructor(video) {
    this.video = video;
    this.key = randomKey();
    this.watched = 0;
    this.position = 0;
    this.buckets = 0;
    this.last = null;
    this.sent = "";
    video.addEventListener("playing", () => { this.last = video.currentTime; });
    video.addEventListener("timeupdate", () => this.tick());
    video.addEventListener("seeking", () => { this.last = null; });
    video.addEventListener("seeked", () => { if (!video.paused) this.last = video.currentTime; });
    video.addEventListener("pause", () => { this.tick(); this.last = null; this.send(); });
    video.addEventListener("ended", () => { this.tick(); this.last = null; this.send(); });
  }

  duration() {
    const d = this.video.duration;
    return Number.isFinite(d) && d > 0 ? d : Number(this.video.dataset.duration || 0);
  }

  // Counts only continuous playback since the last report: seeking does not count as watching.
  tick() {
    const now = this.video.currentTime;
    if (this.last !== null) {
      const delta = now - this.last;
      if (delta > 0 && delta < 1.5) {
        this.watched += delta;
        this.mark(this.last, now);
      }
      this.last = now;
    }
    this.position = Math.max(this.position, now);
  }

  mark(from, to) {
    const duration = this.duration();
    if (!(duration > 0)) return;
    const first = Math.min(BUCKETS - 1, Math.floor((from / duration) * BUCKETS));
    const last = Math.min(BUCKETS - 1, Math.floor((to / duration) * BUCKETS));
    for (let i = first; i <= last; i += 1) this.buckets |= 1 << i;
  }

  send() {
    if (this.watched <= 0) return;
    const state = `${this.watched.toFixed(1)}:${this.buckets}`;
    if (state === this.sent) return;
    this.sent = state;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", this.video.dataset.csrf || "");
    body.append("key", this.key);
    body.append("watched", this.watched.toFixed(2));
    body.append("position", this.position.toFixed(2));
    body.append("buckets", String(this.buckets));
    if (!navigator.sendBeacon || !navigator.sendBeacon(this.video.dataset.beacon, body)) {
      fetch(this.video.dataset.beacon, { method: "POST", body, credentials: "same-origin", keepalive: true })
        .catch(() => {});
    }
  }
}

const trackers = new Set();

async function attachSource(video) {
  // hls.js first where Media Source Extensions exist (as hls.js recommends: the same adaptive
  // behaviour everywhere), the browser's own HLS otherwise (iPhones), else the MP4 <source>.
  const master = video.dataset.hls;
  if (window.MediaSource || window.ManagedMediaSource) {
    try {
      const HlsClass = await loadHls(video.dataset.hlsModule);
      if (HlsClass && HlsClass.isSupported()) {
        const hls = new HlsClass({ enableWorker: false, capLevelToPlayerSize: true });
        hls.loadSource(master);
        hls.attachMedia(video);
        video.hls = hls;
        return;
      }
    } catch {
      // hls.js could not load: fall through.
    }
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) video.src = master;
}

function autoplays(video) {
  return video.dataset.autoplay !== "off";
}

function userUnmuted(video) {
  return video.dataset.unmuted === "1";
}

const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const video = entry.target;
    if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
      if (!autoplays(video)) continue;
      if (!userUnmuted(video)) video.muted = true;
      const playing = video.play();
      if (playing && playing.catch) playing.catch(() => {});
    } else if (!video.paused) {
      video.pause();
    }
  }
}, { threshold: [0, 0.5, 1] }) : null;

function keyboard(video, event) {
  if (event.target !== video || event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  if (key === "k" || key === " ") {
    if (video.paused) video.play().catch(() => {}); else video.pause();
  } else if (key === "m") {
    video.muted = !video.muted;
    video.dataset.unmuted = video.muted ? "" : "1";
  } else if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (video.requestFullscreen) video.requestFullscreen();
  } else if (key === "arrowright" || key === "l") {
    video.currentTime = Math.min(video.duration || 0, video.currentTime + 5);
  } else if (key === "arrowleft" || key === "j") {
    video.currentTime = Math.max(0, video.currentTime - 5);
  } else {
    return;
  }
  event.preventDefault();
}

function setup(video) {
  if (video.dataset.ready) return;
  video.dataset.ready = "1";
  const unmute = video.parentElement.querySelector("[data-unmute]");
  if (autoplays(video)) {
    attachSource(video);
  } else {
    // The first play: switch from the (not yet loaded) MP4 to HLS, then play that.
    video.addEventListener("play", async () => {
      await attachSource(video);
      const playing = video.play();
      if (playing && playing.catch) playing.catch(() => {});
    }, { once: true });
  }
  trackers.add(new Tracker(video));
  video.addEventListener("keydown", (event) => keyboard(video, event));
  video.addEventListener("volumechange", () => {
    if (!video.muted) video.dataset.unmuted = "1";
    if (unmute) unmute.hidden = !video.muted || video.paused;
  });
  video.addEventListener("play", () => { if (unmute) unmute.hidden = !video.muted; });
  if (unmute) {
    unmute.addEventListener("click", () => {
      video.muted = false;
      video.dataset.unmuted = "1";
      unmute.hidden = true;
      video.play().catch(() => {});
    });
  }
  if (observer) observer.observe(video);
}

function setupAll(root = document) {
  root.querySelectorAll("video[data-player]").forEach(setup);
}

function flush() {
  for (const tracker of trackers) tracker.send();
}

if (!window.torgPlayer) {
  window.torgPlayer = true;
  setupAll();
  document.addEventListener("htmx:load", (event) => setupAll(event.target));
  // Cards that arrive later (the feed's next page, realtime, htmx swaps).
  new MutationObserver(() => setupAll()).observe(document.body, { childList: true, subtree: true });
  setInterval(flush, BEACON_EVERY_MS);
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
}
