// The live page: plays the HLS stream (hls.js where the browser lacks native HLS), keeps the
// viewer count and state current through a heartbeat, and lets the broadcaster go live from the
// browser (camera or screen, MediaRecorder WebM chunks POSTed in order, retried on failure).

const stage = document.getElementById("live-stage");
const HEARTBEAT_MS = 5000;
const CHUNK_MS = 1000;

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

async function post(url, body, headers = {}) {
  return fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", ...headers },
  });
}

// --- viewer ---------------------------------------------------------------------------------

const player = document.getElementById("live-player");
const placeholder = document.getElementById("live-placeholder");
let hls = null;
let playerStarted = false;

async function startPlayer() {
  if (playerStarted || !player) return;
  playerStarted = true;
  player.hidden = false;
  if (placeholder) placeholder.hidden = true;
  const source = stage.dataset.playlistUrl;
  if (player.canPlayType("application/vnd.apple.mpegurl") && !window.MediaSource) {
    player.src = source; // Safari on iPhone plays HLS itself
  } else {
    const { default: Hls } = await import(stage.dataset.hlsUrl);
    if (!Hls.isSupported()) {
      player.src = source;
    } else {
      // No worker: the CSP allows scripts from our origin only, not blob: workers.
      hls = new Hls({
        enableWorker: false,
        liveSyncDurationCount: 2, // start two segments (2 s) behind the newest
        maxLiveSyncPlaybackRate: 1.25, // after a stall, play slightly faster to catch up
      });
      hls.loadSource(source);
      hls.attachMedia(player);
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          setTimeout(() => hls.startLoad(), 2000);
        } else if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        }
      });
    }
  }
  player.muted = true; // browsers only autoplay muted; the controls unmute
  player.play().catch(() => {});
}

function viewersText(count) {
  const template = count === 1 ? stage.dataset.textViewersOne : stage.dataset.textViewersOther;
  return template.replace("{count}", String(count));
}

function showState(status) {
  stage.dataset.state = status.state;
  const badge = document.getElementById("live-state");
  if (badge) {
    const text = { live: stage.dataset.textLive, ended: stage.dataset.textEnded, scheduled: stage.dataset.textUpcoming }[status.state];
    if (text && badge.textContent !== text) badge.textContent = text;
    badge.className = `badge live-state live-state-${status.state}`;
  }
  const viewers = document.getElementById("live-viewers");
  if (viewers) {
    viewers.hidden = status.state !== "live";
    const number = viewers.querySelector("[data-viewer-count]");
    const text = viewersText(status.viewers);
    if (number && number.textContent !== text) number.textContent = text;
  }
  if (status.has_video && status.state !== "scheduled") startPlayer();
}

async function heartbeat() {
  const watching = playerStarted && !document.hidden && !player.paused ? "1" : "0";
  const body = new URLSearchParams({ watching });
  try {
    const response = await post(stage.dataset.heartbeatUrl, body);
    if (response.ok) showState(await response.json());
  } catch {
    // Offline for a moment: the next beat tries again.
  }
}

// --- broadcaster ----------------------------------------------------------------------------

const statusLine = document.getElementById("live-broadcaster-status");
let recorder = null;
let session = 0;
let seq = 0;
const queue = [];
let sending = false;
let mediaStream = null;
const liveInfo = { startedAt: null, get hls() { return hls; } };

function say(text) {
  if (statusLine) statusLine.textContent = text || "";
}

function chunkUrl(sessionNumber, chunkNumber) {
  return stage.dataset.chunkUrl.replace(/\/0\/0\/$/, `/${sessionNumber}/${chunkNumber}/`);
}

async function sendQueued() {
  if (sending) return;
  sending = true;
  let delay = 500;
  while (queue.length) {
    const item = queue[0];
    try {
      const response = await post(chunkUrl(item.session, item.seq), item.blob, {
        "Content-Type": "application/octet-stream",
      });
      if (response.ok) {
        queue.shift();
        if (delay > 500) say(stage.dataset.textOnAir);
        delay = 500;
        continue;
      }
      if (response.status === 400 || response.status === 403 || response.status === 404) {
        const answer = await response.json().catch(() => ({}));
        say(answer.detail || "");
        queue.length = 0;
        stopRecorder();
        break;
      }
    } catch {
      // network gone: retry below
    }
    say(stage.dataset.textReconnecting);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 8000);
  }
  sending = false;
}

function stopRecorder() {
  if (recorder && recorder.state !== "inactive") recorder.stop();
  recorder = null;
  if (mediaStream) mediaStream.getTracks().forEach((track) => track.stop());
  mediaStream = null;
}

function pickType() {
  const types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"];
  return types.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type));
}

async function goLive(kind) {
  const type = pickType();
  if (!type || !navigator.mediaDevices) {
    say(stage.dataset.textUnsupported);
    return;
  }
  say(stage.dataset.textStarting);
  try {
    if (kind === "screen") {
      mediaStream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
      // The screen's own audio is often missing: add the microphone when there is none.
      if (!mediaStream.getAudioTracks().length) {
        const mic = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
        if (mic) mic.getAudioTracks().forEach((track) => mediaStream.addTrack(track));
      }
    } else {
      mediaStream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: true,
      });
    }
  } catch {
    say(stage.dataset.textDenied);
    return;
  }
  const response = await post(stage.dataset.startUrl, new URLSearchParams({ source: "browser" }));
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    say(answer.detail || "");
    stopRecorder();
    return;
  }
  session = answer.session;
  seq = 0;
  const preview = document.getElementById("live-preview");
  if (preview) {
    preview.srcObject = mediaStream;
    preview.hidden = false;
    preview.play().catch(() => {});
  }
  recorder = new MediaRecorder(mediaStream, { mimeType: type, videoBitsPerSecond: 2_500_000 });
  recorder.addEventListener("dataavailable", (event) => {
    if (!event.data || !event.data.size) return;
    queue.push({ session, seq: seq++, blob: event.data });
    sendQueued();
  });
  mediaStream.getVideoTracks().forEach((track) =>
    track.addEventListener("ended", () => stopRecorder()), // "Stop sharing" in the browser bar
  );
  recorder.start(CHUNK_MS);
  if (session === 1) liveInfo.startedAt = Date.now(); // media time 0 of the broadcast
  document.querySelectorAll("[data-go-live]").forEach((button) => { button.disabled = true; });
  say(stage.dataset.textOnAir);
  heartbeat();
}

async function endBroadcast(event) {
  event.preventDefault();
  const form = event.currentTarget;
  form.querySelector("button").disabled = true;
  if (recorder) {
    recorder.requestData();
    stopRecorder();
    // Let the last chunks reach the server (up to a few seconds) before ending.
    const deadline = Date.now() + 5000;
    await new Promise((resolve) => setTimeout(resolve, 300));
    while ((queue.length || sending) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  form.submit();
}

if (stage) {
  document.querySelectorAll("[data-go-live]").forEach((button) => {
    button.addEventListener("click", () => goLive(button.dataset.goLive));
  });
  const stopForm = document.querySelector("[data-stop-form]");
  if (stopForm) stopForm.addEventListener("submit", endBroadcast);
  if (stage.dataset.hasVideo && stage.dataset.state !== "scheduled") startPlayer();
  heartbeat();
  setInterval(heartbeat, HEARTBEAT_MS);
  window.__torgLive = liveInfo; // for tests and the latency benchmark
}
