"""Turning what a broadcaster sends into an HLS live playlist, with PyAV (bundled FFmpeg).

Two inputs, one output:
- RTMP (OBS, Zoom, any encoder): ``RtmpServer`` listens on ``TORG_RTMP_PORT``. FFmpeg's RTMP
  listen mode takes one publisher per listening socket and closes that socket once a publisher
  is in, so the server opens the next listener at once and hands the connection to its own
  thread: several broadcasts at the same time share the one port. FFmpeg does not check the
  stream key (a different key is only a warning in its log), so the server reads the key the
  publisher sent from that warning and refuses (disconnects) unless it belongs to a broadcast
  that is upcoming or live. H.264/AAC is copied as it comes (set a 1–2 s keyframe interval in
  the encoder: segments are cut at keyframes); anything else is transcoded.
- Browser: MediaRecorder WebM (VP8/Opus) chunks are stored by the web process as numbered files
  (``paths.chunk_path``); ``BrowserSession`` reads them in order as one stream and transcodes
  to H.264/AAC with a keyframe every segment.

Output: ``HlsWriter`` writes ``index.m3u8`` (an EVENT playlist: every segment stays, so a late
viewer can go back and the recording is built from the segments) with ``TORG_LIVE_SEGMENT_
SECONDS`` segments and never writes ``#EXT-X-ENDLIST`` itself: a publisher who drops out and
comes back continues the same playlist (a discontinuity marks the join). The end of the
broadcast (``torg.live.recording.finalize``) adds the end tag.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.logging
from av.container import InputContainer, OutputContainer
from av.video.frame import PictureType
from django.conf import settings

from torg.live import paths

log = logging.getLogger(__name__)

KEY_IN_LOG = re.compile(r"Unexpected stream (\S+), expecting")
VIDEO_TIME_BASE = Fraction(1, 1000)
AUDIO_RATE = 48_000
MAX_WIDTH = 1920
MAX_HEIGHT = 1080


class HlsWriter:
    """One HLS playlist in ``directory``; a second writer on the same directory appends."""

    def __init__(self, directory: Path, *, segment_seconds: float) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.segment_seconds = segment_seconds
        appending = bool(paths.playlist_segments(directory / paths.PLAYLIST))
        flags = "omit_endlist+independent_segments+program_date_time"
        if appending:
            flags += "+append_list+discont_start"
        self.mark = directory / paths.WRITER_MARK
        self.mark.touch()
        self.container: OutputContainer = av.open(
            str(directory / paths.PLAYLIST),
            "w",
            format="hls",
            options={
                "hls_time": f"{segment_seconds:g}",
                "hls_list_size": "0",
                "hls_playlist_type": "event",
                "hls_flags": flags,
                "hls_segment_filename": str(directory / paths.SEGMENT_PATTERN),
            },
        )
        self.closed = False

    def touch(self) -> None:
        self.mark.touch()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.container.close()
        finally:
            self.mark.unlink(missing_ok=True)


def _copyable(container: InputContainer) -> bool:
    video = container.streams.video
    audio = container.streams.audio
    return (
        len(video) == 1
        and video[0].codec_context.name == "h264"
        and (len(audio) == 0 or audio[0].codec_context.name == "aac")
    )


def pump(
    source: InputContainer,
    writer: HlsWriter,
    *,
    on_tick: Callable[[], bool],
    allow_copy: bool = True,
) -> int:
    """Move ``source`` into ``writer`` until the input ends or ``on_tick`` (called about once a
    second, and first thing) says stop. Returns the number of packets or frames written."""
    if not on_tick():
        return 0
    if allow_copy and _copyable(source):
        return _pump_copy(source, writer, on_tick)
    return _pump_transcode(source, writer, on_tick)


def _demux(source: InputContainer, *streams: Any) -> Iterator[Any]:
    try:
        yield from source.demux(*streams)
    except (av.error.OSError, av.error.EOFError) as error:
        # A publisher hanging up (EIO) or a browser stream that ended: the end of this input.
        log.info("live input ended: %s", error)


def _pump_copy(source: InputContainer, writer: HlsWriter, on_tick: Callable[[], bool]) -> int:
    in_video = source.streams.video[0]
    in_audio = source.streams.audio[0] if source.streams.audio else None
    out = writer.container
    mapping: dict[int, Any] = {in_video.index: out.add_stream_from_template(in_video)}
    if in_audio is not None:
        mapping[in_audio.index] = out.add_stream_from_template(in_audio)
    wanted = [in_video] + ([in_audio] if in_audio is not None else [])
    written = 0
    next_tick = time.monotonic() + 1
    for packet in _demux(source, *wanted):
        if packet.dts is None:
            continue
        packet.stream = mapping[packet.stream.index]
        out.mux(packet)
        written += 1
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + 1
            writer.touch()
            if not on_tick():
                break
    return written


class _Transcoder:
    def __init__(self, writer: HlsWriter, source: InputContainer) -> None:
        self.writer = writer
        self.out = writer.container
        self.has_audio = bool(source.streams.audio)
        first = source.streams.video[0].codec_context
        width, height = first.width or 1280, first.height or 720
        scale = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
        # x264 wants even dimensions.
        self.width = max(2, int(width * scale) // 2 * 2)
        self.height = max(2, int(height * scale) // 2 * 2)
        video = self.out.add_stream("libx264", rate=30)
        video.width = self.width
        video.height = self.height
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = VIDEO_TIME_BASE
        video.options = {"preset": settings.LIVE_X264_PRESET, "tune": "zerolatency", "crf": "23"}
        self.video = video
        self.audio: Any = None
        if self.has_audio:
            self.audio = self.out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self.audio.bit_rate = 128_000
        self.video_start: float | None = None
        self.audio_start: float | None = None
        self.next_keyframe = 0.0
        self.last_video_pts = -1
        self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        self.audio_samples = 0

    def video_frame(self, frame: av.VideoFrame) -> None:
        if frame.time is None:
            return
        if self.video_start is None:
            self.video_start = frame.time
        seconds = frame.time - self.video_start
        pts = int(seconds * 1000)
        if pts <= self.last_video_pts:
            return  # duplicate or backwards timestamp (MediaRecorder can repeat one)
        self.last_video_pts = pts
        image = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        image.pts = pts
        image.time_base = VIDEO_TIME_BASE
        if seconds >= self.next_keyframe:
            # A keyframe at every segment boundary: segments of the configured length.
            image.pict_type = PictureType.I
            self.next_keyframe = seconds + self.writer.segment_seconds
        for packet in self.video.encode(image):
            self.out.mux(packet)

    def audio_frame(self, frame: av.AudioFrame) -> None:
        for resampled in self.resampler.resample(frame):
            resampled.pts = self.audio_samples
            resampled.time_base = Fraction(1, AUDIO_RATE)
            self.audio_samples += resampled.samples
            for packet in self.audio.encode(resampled):
                self.out.mux(packet)

    def flush(self) -> None:
        for packet in self.video.encode(None):
            self.out.mux(packet)
        if self.audio is not None:
            for packet in self.audio.encode(None):
                self.out.mux(packet)


def _pump_transcode(source: InputContainer, writer: HlsWriter, on_tick: Callable[[], bool]) -> int:
    if not source.streams.video:
        log.warning("live input without video: nothing to broadcast")
        return 0
    transcoder = _Transcoder(writer, source)
    wanted: list[Any] = [source.streams.video[0]]
    if transcoder.has_audio:
        wanted.append(source.streams.audio[0])
    written = 0
    next_tick = time.monotonic() + 1
    for packet in _demux(source, *wanted):
        try:
            frames = packet.decode()
        except av.error.FFmpegError as error:  # a damaged packet: skip it, keep the broadcast
            log.info("live decode error: %s", error)
            continue
        for frame in frames:
            if isinstance(frame, av.VideoFrame):
                transcoder.video_frame(frame)
            elif isinstance(frame, av.AudioFrame):
                # Audio is timed by its sample count from the start of the input; it stays in
                # step with video because both start with the stream.
                transcoder.audio_frame(frame)
            written += 1
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + 1
            writer.touch()
            if not on_tick():
                break
    try:
        transcoder.flush()
    except av.error.FFmpegError as error:
        log.info("live flush error: %s", error)
    return written


# --- browser chunks ------------------------------------------------------------------------


class ChunkReader:
    """The numbered chunk files of one browser session read as one stream.

    ``read`` waits for the next chunk; it ends the stream (returns b"") when ``is_over()`` says
    the session is over and no chunk is waiting, or when nothing arrived for ``idle_seconds``.
    """

    def __init__(
        self,
        directory: Path,
        *,
        is_over: Callable[[], bool],
        idle_seconds: float,
        poll_seconds: float = 0.05,
    ) -> None:
        self.directory = directory
        self.is_over = is_over
        self.idle_seconds = idle_seconds
        self.poll_seconds = poll_seconds
        self.seq = 0
        self.buffer = b""
        self.last_data = time.monotonic()
        self.received = 0

    def _next_chunk(self) -> bytes | None:
        path = self.directory / f"{self.seq:08d}.webm"
        if not path.exists():
            return None
        data = path.read_bytes()
        self.seq += 1
        return data

    def read(self, size: int = -1) -> bytes:
        while not self.buffer:
            chunk = self._next_chunk()
            if chunk is not None:
                self.buffer = chunk
                self.last_data = time.monotonic()
                break
            if time.monotonic() - self.last_data > self.idle_seconds:
                return b""
            if self.is_over() and self._next_chunk_missing_for_good():
                return b""
            time.sleep(self.poll_seconds)
        if size < 0 or size >= len(self.buffer):
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.received += len(data)
        return data

    def _next_chunk_missing_for_good(self) -> bool:
        # An end arriving just before the last chunk's file: look once more.
        return not (self.directory / f"{self.seq:08d}.webm").exists()


def open_chunks(reader: ChunkReader) -> InputContainer:
    return av.open(
        reader,
        "r",
        format="webm",
        options={"probesize": "32768", "analyzeduration": "0"},
    )


# --- RTMP ----------------------------------------------------------------------------------


class RtmpServer:
    """Accept publishers on one port; each valid one is handed to ``on_publisher`` (which must
    return quickly: it starts its own thread) with the key and the open input container."""

    PLACEHOLDER = "torg"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        on_publisher: Callable[[str, InputContainer], bool],
        accept_timeout: float = 1.0,
    ) -> None:
        self.host = host
        self.port = port
        self.on_publisher = on_publisher
        self.accept_timeout = accept_timeout
        self.stopping = threading.Event()
        self.refused = 0

    def url(self) -> str:
        return f"rtmp://{self.host}:{self.port}/live/{self.PLACEHOLDER}"

    def accept_one(self) -> None:
        """Wait up to ``accept_timeout`` for one publisher and deal with it."""
        with av.logging.Capture(local=True) as logs:
            try:
                source = av.open(
                    self.url(),
                    options={
                        "listen": "1",
                        "timeout": f"{max(1, round(self.accept_timeout))}",
                        "analyzeduration": "500000",
                        "probesize": "65536",
                    },
                )
            except (av.error.TimeoutError, av.error.OSError, av.error.FFmpegError) as error:
                if not isinstance(error, av.error.TimeoutError):
                    log.info("rtmp accept failed: %s", error)
                return
        key = None
        for _level, _name, message in logs:
            match = KEY_IN_LOG.search(message)
            if match:
                key = match.group(1).split("?", 1)[0]
        if not key or not self.on_publisher(key, source):
            self.refused += 1
            log.warning("rtmp publisher refused (unknown stream key)")
            source.close()

    def serve_forever(self) -> None:
        av.logging.set_level(av.logging.WARNING)
        while not self.stopping.is_set():
            self.accept_one()

    def stop(self) -> None:
        self.stopping.set()
