"""Transcoding with PyAV (FFmpeg in the wheel, no system binary): one decode of the source feeds
every output, and every picture size is encoded once: the work is one decode, one H.264 encode
per ladder step and one AAC encode.

The MP4 and the top HLS rendition have the same size and settings, so they share one encode: the
top step's packets are muxed into ``video.mp4`` and, unchanged, into that rendition's TS segments
(keyframes every two seconds make the segment cuts clean). The one AAC encode is muxed into every
output the same way.

Outputs, written to a local directory (the caller moves them into storage):
- ``video.mp4``: H.264/AAC, fast start (``movflags=+faststart``), the ladder's top size;
- ``<N>p.m3u8`` + ``<N>p_000.ts`` …: an HLS rendition per ladder step the source allows;
- ``master.m3u8``: the HLS master playlist;
- ``poster.jpg``: a frame a second in (or at a tenth of very short videos).

Rotation metadata (a phone's display matrix) is applied to the pixels with FFmpeg's transpose
filters, so outputs carry no rotation and every player shows them upright. Metadata (location,
device) is not copied.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter
from PIL import Image

from torg.media.detect import open_safely

# (short side, video bits per second). "720p" is the short side, so portrait phone videos get the
# same ladder as landscape ones.
LADDER = [(360, 800_000), (720, 2_800_000), (1080, 5_000_000)]
AUDIO_BITRATE = 128_000
SEGMENT_SECONDS = 4
POSTER_MAX_WIDTH = 1280
PRESET = "veryfast"


class TranscodeError(Exception):
    """The source cannot be turned into a video; ``str()`` is a message for the uploader."""


@dataclass(frozen=True)
class Step:
    width: int
    height: int
    bitrate: int

    @property
    def name(self) -> str:
        return f"{min(self.width, self.height)}p"


@dataclass
class Result:
    width: int
    height: int
    duration: float
    has_audio: bool
    steps: list[Step] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _fraction(value: Any, default: Fraction) -> Fraction:
    if not value:
        return default
    return Fraction(int(value.numerator), int(value.denominator))


def plan_ladder(width: int, height: int) -> list[Step]:
    """The HLS steps for a picture of ``width`` × ``height`` (as shown): never upscaled."""
    short = min(width, height)
    steps = []
    for target, bitrate in LADDER:
        if target > short:
            break
        scale = target / short
        steps.append(Step(_even(width * scale), _even(height * scale), bitrate))
    if not steps:  # smaller than 360p: one step at the source's own size
        steps.append(Step(_even(width), _even(height), LADDER[0][1]))
    return steps


def _transpose_filters(rotation: float) -> list[tuple[str, str]]:
    """FFmpeg filters that turn a frame with display rotation ``rotation`` (degrees,
    counter-clockwise, as PyAV reports it) upright."""
    turn = round(-rotation / 90) % 4  # clockwise quarter turns needed
    if turn == 1:
        return [("transpose", "clock")]
    if turn == 2:
        return [("hflip", ""), ("vflip", "")]
    if turn == 3:
        return [("transpose", "cclock")]
    return []


class _Upright:
    """Applies rotation to decoded frames (a filter graph, or nothing for upright sources)."""

    def __init__(self, stream: Any, rotation: float) -> None:
        self.graph: av.filter.Graph | None = None
        filters = _transpose_filters(rotation)
        if not filters:
            return
        graph = av.filter.Graph()
        node = graph.add_buffer(template=stream)
        for name, args in filters:
            nxt = graph.add(name, args) if args else graph.add(name)
            node.link_to(nxt)
            node = nxt
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        self.graph = graph

    def __call__(self, frame: av.VideoFrame) -> list[Any]:
        if self.graph is None:
            return [frame]
        self.graph.push(frame)
        out = []
        while True:
            try:
                out.append(self.graph.pull())
            except (av.error.BlockingIOError, av.error.EOFError):
                return out


@dataclass
class _Output:
    container: Any
    video: Any
    audio: Any | None
    step: Step


def _add_video_encoder(container: Any, step: Step, rate: Fraction, time_base: Fraction) -> Any:
    """An H.264 encoder stream for ``step``: the only place a video encoder is created (the
    tests count the calls to check that each picture size is encoded once)."""
    video = container.add_stream("libx264", rate=rate)
    video.width, video.height = step.width, step.height
    video.pix_fmt = "yuv420p"
    video.time_base = time_base
    video.codec_context.time_base = time_base
    video.bit_rate = step.bitrate
    # Keyframes every two seconds, none in between: HLS segments cut cleanly at any rendition.
    video.codec_context.gop_size = max(1, round(float(rate) * 2))
    video.codec_context.options = {
        "preset": PRESET,
        "maxrate": str(int(step.bitrate * 1.2)),
        "bufsize": str(step.bitrate * 2),
        "sc_threshold": "0",
    }
    return video


def _add_audio_encoder(container: Any, layout: str, rate: int) -> Any:
    """An AAC encoder stream (the only place one is created)."""
    audio = container.add_stream("aac", rate=rate, layout=layout)
    audio.bit_rate = AUDIO_BITRATE
    return audio


def _open_output(
    path: Path,
    fmt: str,
    options: dict[str, str],
    step: Step,
    rate: Fraction,
    time_base: Fraction,
    audio_layout: str | None,
    audio_rate: int,
) -> _Output:
    """An output with its own video (and audio) encoder."""
    container = av.open(str(path), mode="w", format=fmt, options=options)
    video = _add_video_encoder(container, step, rate, time_base)
    audio = None
    if audio_layout is not None:
        audio = _add_audio_encoder(container, audio_layout, audio_rate)
    return _Output(container, video, audio, step)


class _Fanout:
    """Muxes each encoded packet into its encoder's own output and, unchanged, into copy
    streams of other outputs (made with ``add_stream_from_template``: same codec parameters,
    no encoder). Muxing rescales a packet's timestamps to the target's time base in place, so
    each target gets the encoder's original timestamps back first."""

    def __init__(self, container: Any, stream: Any) -> None:
        self.stream = stream
        self.targets: list[tuple[Any, Any]] = [(container, stream)]

    def copy_into(self, container: Any) -> Any:
        copy = container.add_stream_from_template(self.stream)
        self.targets.append((container, copy))
        return copy

    def mux(self, packets: list[Any]) -> None:
        for packet in packets:
            pts, dts, duration, time_base = (
                packet.pts,
                packet.dts,
                packet.duration,
                packet.time_base,
            )
            for container, stream in self.targets:
                packet.time_base = time_base
                packet.pts, packet.dts, packet.duration = pts, dts, duration
                packet.stream = stream
                container.mux_one(packet)


def transcode(
    source: Path,
    demuxer: str,
    out_dir: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Transcode ``source`` into ``out_dir``. Raises ``TranscodeError`` for unusable input."""
    try:
        return _transcode(source, demuxer, out_dir, progress)
    except TranscodeError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, ZeroDivisionError) as exc:
        raise TranscodeError("The video file is damaged or in a format Torg cannot read.") from exc


def _transcode(
    source: Path,
    demuxer: str,
    out_dir: Path,
    progress: Callable[[int], None] | None,
) -> Result:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open_safely(source, demuxer) as container:
        if not container.streams.video:
            raise TranscodeError("The file has no picture.")
        video_in = container.streams.video[0]
        video_in.thread_type = "AUTO"
        audio_in = container.streams.audio[0] if container.streams.audio else None
        time_base = _fraction(video_in.time_base, Fraction(1, 90_000))
        rate = _fraction(video_in.guessed_rate or video_in.average_rate, Fraction(30))
        if not 1 <= float(rate) <= 120:
            rate = Fraction(30)
        duration = (container.duration or 0) / 1_000_000
        audio_rate = 48_000
        audio_layout = None
        if audio_in is not None:
            audio_rate = audio_in.codec_context.sample_rate or 48_000
            if audio_rate not in (44_100, 48_000):
                audio_rate = 48_000
            channels = audio_in.codec_context.channels or 2
            audio_layout = "mono" if channels == 1 else "stereo"
        resampler = (
            av.AudioResampler(format="fltp", layout=audio_layout, rate=audio_rate)
            if audio_layout
            else None
        )

        containers: list[Any] = []  # every output file, the MP4 first
        video_encoders: list[tuple[_Fanout, Step]] = []  # one per ladder step
        audio_encoder: _Fanout | None = None  # one for all outputs
        upright: _Upright | None = None
        steps: list[Step] = []
        first_pts: int | None = None
        last_seconds = 0.0
        poster_at = None
        poster: Image.Image | None = None
        reported = -1
        audio_samples = 0
        frames_seen = 0

        def start(frame: av.VideoFrame) -> None:
            nonlocal upright, steps, poster_at, audio_encoder
            # Width and height as shown: a quarter turn swaps them.
            width, height = frame.width, frame.height
            if round((frame.rotation or 0) / 90) % 2:
                width, height = height, width
            upright = _Upright(video_in, frame.rotation or 0)
            steps = plan_ladder(width, height)
            poster_at = min(1.0, duration / 10) if duration else 0.0
            top = steps[-1]
            mp4 = _open_output(
                out_dir / "video.mp4",
                "mp4",
                {"movflags": "+faststart"},
                top,
                rate,
                time_base,
                audio_layout,
                audio_rate,
            )
            containers.append(mp4.container)
            # Opens the encoders, so their codec parameters (H.264 SPS/PPS, AAC config) exist
            # for the copy streams below.
            mp4.container.start_encoding()
            top_video = _Fanout(mp4.container, mp4.video)
            if mp4.audio is not None:
                audio_encoder = _Fanout(mp4.container, mp4.audio)
            for step in steps:
                container = av.open(
                    str(out_dir / f"{step.name}.m3u8"),
                    mode="w",
                    format="hls",
                    options={
                        "hls_time": str(SEGMENT_SECONDS),
                        "hls_playlist_type": "vod",
                        "hls_list_size": "0",
                        "hls_flags": "independent_segments",
                        "hls_segment_filename": str(out_dir / f"{step.name}_%04d.ts"),
                    },
                )
                containers.append(container)
                if step == top:  # the MP4's own packets: no second encode of this size
                    top_video.copy_into(container)
                    video_encoders.append((top_video, step))
                else:
                    encoder = _add_video_encoder(container, step, rate, time_base)
                    video_encoders.append((_Fanout(container, encoder), step))
                if audio_encoder is not None:
                    audio_encoder.copy_into(container)

        def encode_video(frame: av.VideoFrame | None) -> None:
            for encoder, step in video_encoders:
                if frame is None:
                    packets = encoder.stream.encode(None)
                else:
                    scaled = frame.reformat(width=step.width, height=step.height, format="yuv420p")
                    scaled.pts = frame.pts
                    scaled.time_base = time_base
                    packets = encoder.stream.encode(scaled)
                encoder.mux(packets)

        def encode_audio(frame: av.AudioFrame | None) -> None:
            if audio_encoder is not None:
                audio_encoder.mux(audio_encoder.stream.encode(frame))

        pending_audio: list[av.AudioFrame] = []
        streams = [video_in] + ([audio_in] if audio_in is not None else [])
        try:
            for packet in container.demux(*streams):
                for decoded in packet.decode():
                    if isinstance(decoded, av.VideoFrame):
                        if decoded.pts is None:
                            continue
                        if upright is None:
                            start(decoded)
                            for held in pending_audio:
                                encode_audio(held)
                            pending_audio.clear()
                        assert upright is not None
                        if first_pts is None:
                            first_pts = decoded.pts
                        for frame in upright(decoded):
                            frame.pts = (frame.pts if frame.pts is not None else 0) - first_pts
                            frame.time_base = time_base
                            seconds = float(frame.pts * time_base)
                            if seconds < last_seconds - 5:
                                continue  # timestamps jumped back: damaged; skip the frame
                            last_seconds = max(last_seconds, seconds)
                            if poster is None and poster_at is not None and seconds >= poster_at:
                                poster = frame.to_image()
                            encode_video(frame)
                            frames_seen += 1
                        if progress is not None and duration:
                            percent = min(99, int(100 * last_seconds / duration))
                            if percent != reported:
                                reported = percent
                                progress(percent)
                    elif isinstance(decoded, av.AudioFrame) and resampler is not None:
                        for resampled in resampler.resample(decoded):
                            resampled.pts = audio_samples
                            resampled.time_base = Fraction(1, audio_rate)
                            audio_samples += resampled.samples
                            if upright is None:
                                pending_audio.append(resampled)
                            else:
                                encode_audio(resampled)
        except av.error.InvalidDataError:
            # A damaged tail: keep what decoded (a truncated phone video still plays) unless
            # nothing did, which is handled below.
            pass
        if not containers or frames_seen == 0:
            for container_out in containers:
                container_out.close()
            raise TranscodeError("The video file has no pictures Torg can read.")
        if resampler is not None:
            for resampled in resampler.resample(None):
                resampled.pts = audio_samples
                resampled.time_base = Fraction(1, audio_rate)
                audio_samples += resampled.samples
                encode_audio(resampled)
        encode_video(None)
        encode_audio(None)
        for container_out in containers:
            container_out.close()
        if not duration or duration <= 0 or not math.isfinite(duration):
            duration = last_seconds + 1 / float(rate)

    top = steps[-1]
    if poster is None:  # a video shorter than the poster point: its last frame is fine
        with open_safely(out_dir / "video.mp4", "mov") as check:
            for frame in check.decode(video=0):
                poster = frame.to_image()
                break
    assert poster is not None
    if poster.width > POSTER_MAX_WIDTH:
        poster = poster.resize(
            (POSTER_MAX_WIDTH, max(1, round(poster.height * POSTER_MAX_WIDTH / poster.width)))
        )
    poster.convert("RGB").save(out_dir / "poster.jpg", "JPEG", quality=85)
    (out_dir / "master.m3u8").write_text(master_playlist(steps, has_audio=audio_layout is not None))
    files = sorted(p.name for p in out_dir.iterdir() if p.is_file())
    return Result(
        width=top.width,
        height=top.height,
        duration=round(duration, 3),
        has_audio=audio_layout is not None,
        steps=steps,
        files=files,
    )


def master_playlist(steps: list[Step], *, has_audio: bool) -> str:
    codecs = "avc1.640028,mp4a.40.2" if has_audio else "avc1.640028"
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for step in steps:
        bandwidth = step.bitrate + (AUDIO_BITRATE if has_audio else 0)
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={step.width}x{step.height},"
            f'CODECS="{codecs}"'
        )
        lines.append(f"{step.name}.m3u8")
    return "\n".join(lines) + "\n"
