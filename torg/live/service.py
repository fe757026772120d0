"""The ingest process (``manage.py live_ingest``): an RTMP listener, one thread per live
broadcast turning its input into HLS, and the clean-up that ends abandoned broadcasts.

Threads, not processes: the heavy lifting happens inside FFmpeg (which releases the GIL), and a
company rarely runs more than a few broadcasts at once. Run one ingest per shared ``LIVE_ROOT``:
browser broadcasts are picked up by whichever ingest sees them first, so two ingests would
both transcode them (see docs/live.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from torg.live import actions, paths, recording
from torg.live.ingest import ChunkReader, HlsWriter, RtmpServer, open_chunks, pump
from torg.live.models import Broadcast

log = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
SCAN_SECONDS = 0.5


def _throttled(check: Callable[[], bool], every: float) -> Callable[[], bool]:
    """``check`` asked at most every ``every`` seconds (the answer is reused in between)."""
    state: dict[str, Any] = {"at": 0.0, "value": False}

    def throttled() -> bool:
        now = time.monotonic()
        if now - state["at"] >= every:
            state["at"] = now
            state["value"] = check()
        return bool(state["value"])

    return throttled


class IngestService:
    def __init__(
        self,
        *,
        rtmp_host: str | None = None,
        rtmp_port: int | None = None,
        segment_seconds: float | None = None,
        reconnect_seconds: float | None = None,
    ) -> None:
        self.rtmp_host = rtmp_host or settings.RTMP_LISTEN_HOST
        self.rtmp_port = rtmp_port if rtmp_port is not None else settings.RTMP_PORT
        self.segment_seconds = segment_seconds or settings.LIVE_SEGMENT_SECONDS
        self.reconnect_seconds = (
            reconnect_seconds if reconnect_seconds is not None else settings.LIVE_RECONNECT_SECONDS
        )
        self.stopping = threading.Event()
        self.workers: dict[int, threading.Thread] = {}
        self.lock = threading.Lock()
        self.rtmp: RtmpServer | None = None
        self.threads: list[threading.Thread] = []

    # --- lifecycle ---

    def start(self) -> None:
        if self.rtmp_port:
            self.rtmp = RtmpServer(
                host=self.rtmp_host, port=self.rtmp_port, on_publisher=self.on_publisher
            )
            self.threads.append(self._thread("rtmp", self._serve_rtmp))
        self.threads.append(self._thread("supervisor", self._supervise))

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self.rtmp is not None:
            self.rtmp.stop()
        for thread in self.threads + list(self.workers.values()):
            thread.join(timeout)

    def _thread(self, name: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=f"live-{name}", daemon=True)
        thread.start()
        return thread

    def _serve_rtmp(self) -> None:
        assert self.rtmp is not None
        try:
            self.rtmp.serve_forever()
        finally:
            connection.close()

    # --- RTMP ---

    def on_publisher(self, key: str, source: Any) -> bool:
        close_old_connections()
        broadcast = actions.do_accept_publisher(stream_key=key)
        if broadcast is None:
            return False
        with self.lock:
            running = self.workers.get(broadcast.pk)
            if running is not None and running.is_alive():
                return False  # one publisher per broadcast
            self.workers[broadcast.pk] = self._thread(
                f"rtmp-{broadcast.pk}", self._run_rtmp, broadcast, source
            )
        log.info("rtmp publisher live on broadcast %s", broadcast.pk)
        return True

    def _run_rtmp(self, broadcast: Broadcast, source: Any) -> None:
        try:
            writer = HlsWriter(paths.hls_dir(broadcast), segment_seconds=self.segment_seconds)
            try:
                pump(source, writer, on_tick=self._still_live(broadcast.pk))
            finally:
                writer.close()
                source.close()
            self._after_input(broadcast.pk)
        except Exception:
            log.exception("rtmp ingest of broadcast %s failed", broadcast.pk)
        finally:
            connection.close()

    def _still_live(self, broadcast_id: int) -> Callable[[], bool]:
        def still_live() -> bool:
            return not self.stopping.is_set() and actions.do_note_media(broadcast_id=broadcast_id)

        return still_live

    def _after_input(self, broadcast_id: int) -> None:
        """The input stopped: if the broadcast ended, build the recording now. Otherwise the
        publisher dropped out and may come back; the sweep ends it if not."""
        recording.finalize(broadcast_id)

    # --- browser ---

    def _supervise(self) -> None:
        next_sweep = 0.0
        while not self.stopping.is_set():
            try:
                close_old_connections()
                self._start_browser_workers()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                    actions.do_end_stale_broadcasts()
            except Exception:
                log.exception("live supervisor")
            self.stopping.wait(SCAN_SECONDS)
        connection.close()

    def _start_browser_workers(self) -> None:
        live = Broadcast.objects.filter(
            state=Broadcast.State.LIVE, source=Broadcast.Source.BROWSER
        ).values_list("pk", flat=True)
        for broadcast_id in live:
            with self.lock:
                running = self.workers.get(broadcast_id)
                if running is not None and running.is_alive():
                    continue
                self.workers[broadcast_id] = self._thread(
                    f"browser-{broadcast_id}", self._run_browser, broadcast_id
                )

    def _run_browser(self, broadcast_id: int) -> None:
        try:
            done = 0
            while not self.stopping.is_set():
                broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
                if broadcast is None or broadcast.state != Broadcast.State.LIVE:
                    break
                session = broadcast.browser_session
                first_chunk = paths.chunk_path(broadcast, session, 0)
                if session == done or not first_chunk.exists():
                    self.stopping.wait(0.1)
                    continue
                self._transcode_session(broadcast, session)
                done = session
            self._after_input(broadcast_id)
        except Exception:
            log.exception("browser ingest of broadcast %s failed", broadcast_id)
        finally:
            connection.close()

    def _transcode_session(self, broadcast: Broadcast, session: int) -> None:
        def over() -> bool:
            if self.stopping.is_set():
                return True
            current = (
                Broadcast.objects.filter(pk=broadcast.pk)
                .values_list("state", "browser_session")
                .first()
            )
            return current is None or current != (Broadcast.State.LIVE, session)

        is_over = _throttled(over, 0.5)
        reader = ChunkReader(
            paths.session_dir(broadcast, session),
            is_over=is_over,
            idle_seconds=max(self.reconnect_seconds, 5),
        )
        try:
            source = open_chunks(reader)
        except Exception as error:
            log.warning("browser stream of broadcast %s unreadable: %s", broadcast.pk, error)
            return
        writer = HlsWriter(paths.hls_dir(broadcast), segment_seconds=self.segment_seconds)
        try:
            # The reader ends the input once the session is over and every chunk is read, so
            # what the browser sent just before "End broadcast" is still in the recording.
            pump(source, writer, on_tick=lambda: not self.stopping.is_set(), allow_copy=False)
        finally:
            writer.close()
            source.close()
