"""Transcoding benchmark (issue 6): Torg's PyAV pipeline against the FFmpeg command line, and the
home feed while a transcode runs.

    .venv/bin/python -m bench.transcode speed [--seconds 60] [--runs 3]
    .venv/bin/python -m bench.transcode feed --database-url sqlite:///var/bench-transcode/feed.sqlite3

``speed``: a clip (default 60 s, 1280x720, 30 fps, moving ``testsrc2`` picture and a 440 Hz tone,
generated with PyAV through libavfilter; nothing is downloaded) is transcoded, pinned to CPU 0:

- "Torg, full pipeline": ``torg.media.transcode.transcode`` — the function the media task runs
  (MP4 + HLS ladder + poster), in this process;
- "FFmpeg CLI, full pipeline": the ``imageio_ffmpeg`` binary (``taskset -c 0``) writing the same
  outputs with the same settings (libx264 preset, bitrate/maxrate/bufsize, GOP, no scene-cut
  keyframes, AAC 128 kb/s, HLS options, fast start, poster at 1 s), one decode for all outputs;
- "Torg, 720p MP4 alone" / "FFmpeg CLI, 720p MP4 alone": only the H.264/AAC MP4 at 720p, Torg's
  through its own ``_open_output`` (same stream settings) and the same decode loop.

Each round runs every case once, in turn (interleaved); the best of ``--runs`` rounds is reported
with its CPU time. Speed ratio = FFmpeg's time / Torg's time (1.0: as fast).

``feed``: ``torg.feed.selectors.home_feed`` for the dataset's typical person (make one with
``python -m bench.generate``), pinned to CPU 0, timed in alternating phases: idle, then while a
worker process transcodes the clip in a loop (``nice -n 10 taskset -c 1``, as ``make run`` starts
the worker at lower priority). Reports p50/p99 per phase and the ratio of p99s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench-transcode"
WIDTH, HEIGHT, FPS = 1280, 720, 30


# --- the clip ---------------------------------------------------------------------------------


def generate_clip(path: Path, *, seconds: float, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """Write an MP4 (H.264 + AAC stereo, like a camera's) of ``testsrc2`` and a sine tone, made
    with PyAV (libavfilter sources). Kept and reused when it already exists."""
    import av
    import av.filter

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    frames = round(seconds * FPS)
    samples_total = round(seconds * 48_000)

    graph = av.filter.Graph()
    src = graph.add("testsrc2", f"size={width}x{height}:rate={FPS}:duration={seconds:g}")
    fmt = graph.add("format", "yuv420p")
    sink = graph.add("buffersink")
    src.link_to(fmt)
    fmt.link_to(sink)
    graph.configure()

    agraph = av.filter.Graph()
    asrc = agraph.add("sine", f"frequency=440:sample_rate=48000:duration={seconds:g}")
    aconv = agraph.add("aformat", "sample_fmts=fltp:channel_layouts=stereo")
    asink = agraph.add("abuffersink")
    asrc.link_to(aconv)
    aconv.link_to(asink)
    agraph.configure()

    with av.open(str(partial), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.options = {"preset": "veryfast", "crf": "18"}
        audio = out.add_stream("aac", rate=48_000, layout="stereo")
        audio.bit_rate = 192_000
        written = 0
        while written < frames:
            try:
                frame = graph.pull()
                assert isinstance(frame, av.VideoFrame)
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            frame.pts = written
            frame.time_base = Fraction(1, FPS)
            out.mux(video.encode(frame))
            written += 1
        out.mux(video.encode(None))
        samples = 0
        while samples < samples_total:
            try:
                sound = agraph.pull()
                assert isinstance(sound, av.AudioFrame)
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            sound.pts = samples
            sound.time_base = Fraction(1, 48_000)
            samples += sound.samples
            out.mux(audio.encode(sound))
        out.mux(audio.encode(None))
    partial.rename(path)
    return path


# --- the four cases ---------------------------------------------------------------------------


def torg_full(source: Path, out_dir: Path) -> list[str]:
    """The media task's transcode (progress reported to a no-op, as the task reports to the DB)."""
    from torg.media.transcode import transcode

    return transcode(source, "mov", out_dir, progress=lambda percent: None).files


def torg_mp4_alone(source: Path, out_dir: Path) -> list[str]:
    """Only Torg's MP4 output (top step), with Torg's own stream settings and decode loop."""
    import av

    from torg.media import transcode as t
    from torg.media.detect import open_safely

    out_dir.mkdir(parents=True, exist_ok=True)
    with open_safely(source, "mov") as container:
        video_in = container.streams.video[0]
        video_in.thread_type = "AUTO"
        audio_in = container.streams.audio[0]
        time_base = t._fraction(video_in.time_base, Fraction(1, 90_000))
        rate = t._fraction(video_in.guessed_rate or video_in.average_rate, Fraction(30))
        step = t.plan_ladder(video_in.codec_context.width, video_in.codec_context.height)[-1]
        rate_hz = audio_in.codec_context.sample_rate
        output = t._open_output(
            out_dir / "video.mp4",
            "mp4",
            {"movflags": "+faststart"},
            step,
            rate,
            time_base,
            "stereo",
            rate_hz,
        )
        assert output.audio is not None
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate_hz)
        samples = 0
        first_pts: int | None = None
        for packet in container.demux(video_in, audio_in):
            for decoded in packet.decode():
                if isinstance(decoded, av.VideoFrame):
                    if first_pts is None:
                        first_pts = decoded.pts
                    pts = (decoded.pts or 0) - (first_pts or 0)
                    scaled = decoded.reformat(
                        width=step.width, height=step.height, format="yuv420p"
                    )
                    scaled.pts = pts
                    scaled.time_base = time_base
                    output.container.mux(output.video.encode(scaled))
                elif isinstance(decoded, av.AudioFrame):
                    for resampled in resampler.resample(decoded):
                        resampled.pts = samples
                        resampled.time_base = Fraction(1, rate_hz)
                        samples += resampled.samples
                        output.container.mux(output.audio.encode(resampled))
        output.container.mux(output.video.encode(None))
        output.container.mux(output.audio.encode(None))
        output.container.close()
    return sorted(p.name for p in out_dir.iterdir())


def _x264_args(width: int, height: int, bitrate: int, *, scale: bool) -> list[str]:
    from torg.media import transcode as t

    args = ["-map", "0:v:0", "-map", "0:a:0"]
    if scale:
        args += ["-vf", f"scale={width}:{height}"]
    return [
        *args,
        "-c:v",
        "libx264",
        "-preset",
        t.PRESET,
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        str(bitrate),
        "-maxrate",
        str(int(bitrate * 1.2)),
        "-bufsize",
        str(bitrate * 2),
        "-g",
        str(FPS * 2),
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
        "-b:a",
        str(t.AUDIO_BITRATE),
        "-ar",
        "48000",
        "-ac",
        "2",
    ]


def ffmpeg_command(source: Path, out_dir: Path, *, full: bool) -> list[str]:
    """The FFmpeg command line doing the same encoding(s) as Torg for a 720p source."""
    import imageio_ffmpeg

    from torg.media import transcode as t

    steps = t.plan_ladder(WIDTH, HEIGHT)
    top = steps[-1]
    cmd = ["taskset", "-c", "0", imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner"]
    cmd += ["-loglevel", "error", "-nostdin", "-y", "-i", str(source)]
    cmd += _x264_args(top.width, top.height, top.bitrate, scale=False)
    cmd += ["-movflags", "+faststart", str(out_dir / "video.mp4")]
    if not full:
        return cmd
    for step in steps:
        cmd += _x264_args(step.width, step.height, step.bitrate, scale=step != top)
        cmd += [
            "-f",
            "hls",
            "-hls_time",
            str(t.SEGMENT_SECONDS),
            "-hls_playlist_type",
            "vod",
            "-hls_list_size",
            "0",
            "-hls_flags",
            "independent_segments",
            "-hls_segment_filename",
            str(out_dir / f"{step.name}_%04d.ts"),
            str(out_dir / f"{step.name}.m3u8"),
        ]
    cmd += ["-map", "0:v:0", "-ss", "1", "-frames:v", "1", "-q:v", "3"]
    cmd += [str(out_dir / "poster.jpg")]
    return cmd


def ffmpeg_run(source: Path, out_dir: Path, *, full: bool) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(ffmpeg_command(source, out_dir, full=full), check=True)
    return sorted(p.name for p in out_dir.iterdir())


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def best_cpu(self) -> float:
        return self.cpu[self.wall.index(self.best)]


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(timing: Timing, fn: Callable[[Path, Path], list[str]], source: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    timing.files = fn(source, out)
    timing.wall.append(time.perf_counter() - wall0)
    timing.cpu.append(_cpu_seconds() - cpu0)


def slug(name: str) -> str:
    """The case's output directory: "Torg, full pipeline" -> "torg-full-pipeline"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs, {mem:.0f} GiB RAM, {platform.platform()}, "
        f"Python {sys.version.split()[0]}"
    )


def versions() -> str:
    import av
    import imageio_ffmpeg

    cli = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    lib = av.library_versions.get("libavcodec")
    return f"PyAV {av.__version__} (libavcodec {'.'.join(map(str, lib or ()))}); CLI: {cli}"


def run_speed(seconds: float, runs: int, work: Path, *, cases: str = "all") -> dict[str, Timing]:
    """Interleaved rounds of the cases; returns the timings by name."""
    source = generate_clip(work / f"clip-{seconds:g}s-{WIDTH}x{HEIGHT}p{FPS}.mp4", seconds=seconds)
    plan: list[tuple[Timing, Callable[[Path, Path], list[str]]]] = []
    if cases in ("all", "full"):
        plan += [
            (Timing("Torg, full pipeline"), torg_full),
            (Timing("FFmpeg CLI, full pipeline"), lambda s, o: ffmpeg_run(s, o, full=True)),
        ]
    if cases in ("all", "mp4"):
        plan += [
            (Timing("Torg, 720p MP4 alone"), torg_mp4_alone),
            (Timing("FFmpeg CLI, 720p MP4 alone"), lambda s, o: ffmpeg_run(s, o, full=False)),
        ]
    for round_number in range(runs):
        # Alternate the order, so neither side always runs first after a pause.
        order = plan if round_number % 2 == 0 else plan[::-1]
        for timing, fn in order:
            timed(timing, fn, source, work / "out" / slug(timing.name))
            print(
                f"  round {round_number + 1}: {timing.name}: {timing.wall[-1]:.2f} s "
                f"(CPU {timing.cpu[-1]:.2f} s, load {load()})",
                flush=True,
            )
    return {timing.name: timing for timing, _ in plan}


def report_speed(timings: dict[str, Timing], seconds: float) -> list[str]:
    lines = [
        "| case | best s | CPU s | × real time | files |",
        "|---|---:|---:|---:|---|",
    ]
    for timing in timings.values():
        lines.append(
            f"| {timing.name} | {timing.best:.2f} | {timing.best_cpu:.2f} | "
            f"{seconds / timing.best:.2f} | {', '.join(f for f in timing.files if '_0' not in f)}"
            f"{' + segments' if any('_0' in f for f in timing.files) else ''} |"
        )
    for kind in ("full pipeline", "720p MP4 alone"):
        torg, cli = timings.get(f"Torg, {kind}"), timings.get(f"FFmpeg CLI, {kind}")
        if torg and cli:
            lines.append(
                f"\n{kind}: Torg/FFmpeg speed ratio {cli.best / torg.best:.3f} (target ≥ 0.9); "
                f"Torg {seconds / torg.best:.2f}× real time on one core (target ≥ 1)"
            )
    return lines


# --- the feed while a transcode runs ----------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # nearest rank
    return ordered[int(rank) - 1]


def worker_loop(source: Path, out: Path) -> None:
    """Transcode ``source`` again and again until killed (the busy worker of ``feed``)."""
    while True:
        shutil.rmtree(out, ignore_errors=True)
        torg_full(source, out)


def run_feed(
    url: str,
    source: Path,
    work: Path,
    *,
    iterations: int,
    rounds: int,
    warmup: int,
    worker_core: int,
) -> list[str]:
    from bench.feed import TYPICAL_EMAIL, setup_django

    setup_django(url)
    from torg.accounts.models import User
    from torg.feed.selectors import home_feed

    viewer = User.objects.get(email=TYPICAL_EMAIL)

    def call() -> float:
        start = time.perf_counter()
        page = home_feed(viewer, order="recent", limit=20)
        assert len(page.posts) == 20
        return (time.perf_counter() - start) * 1000

    for _ in range(warmup):
        call()
    idle: list[float] = []
    busy: list[float] = []
    loads = []
    for _ in range(rounds):
        loads.append(load())
        idle += [call() for _ in range(iterations)]
        worker = subprocess.Popen(
            [
                "nice",
                "-n",
                "10",
                "taskset",
                "-c",
                str(worker_core),
                sys.executable,
                "-m",
                "bench.transcode",
                "worker",
                "--source",
                str(source),
                "--out",
                str(work / "out" / "worker"),
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "torg.settings"},
        )
        try:
            time.sleep(3)  # imported and encoding
            assert worker.poll() is None, "the transcode worker stopped"
            loads.append(load())
            busy += [call() for _ in range(iterations)]
            assert worker.poll() is None, "the transcode worker stopped while measuring"
        finally:
            worker.kill()
            worker.wait()
    lines = [
        f"feed: home_feed(typical person, first page of 20), {iterations} calls per phase, "
        f"{rounds} rounds of idle then busy, web on CPU 0, worker `nice -n 10 taskset -c "
        f"{worker_core}` looping torg.media.transcode.transcode; loads {', '.join(loads)}",
        "| phase | calls | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in (("idle", idle), ("transcode running", busy)):
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 50):.2f} | "
            f"{percentile(values, 95):.2f} | {percentile(values, 99):.2f} |"
        )
    ratio = percentile(busy, 99) / percentile(idle, 99)
    lines.append(f"\np99 during / idle: {ratio:.3f} (target ≤ 1.25)")
    return lines


# --- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transcode", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("speed")
    speed.add_argument("--seconds", type=float, default=60)
    speed.add_argument("--runs", type=int, default=3, help="report the best of this many rounds")
    speed.add_argument("--cases", choices=["all", "full", "mp4"], default="all")
    speed.add_argument("--work", type=Path, default=WORK)
    feed = sub.add_parser("feed")
    feed.add_argument("--database-url", required=True)
    feed.add_argument("--seconds", type=float, default=60)
    feed.add_argument("--iterations", type=int, default=300)
    feed.add_argument("--rounds", type=int, default=2)
    feed.add_argument("--warmup", type=int, default=30)
    feed.add_argument("--work", type=Path, default=WORK)
    worker = sub.add_parser("worker")
    worker.add_argument("--source", type=Path, required=True)
    worker.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "worker":
        worker_loop(args.source, args.out)
        return 0
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}; load {load()}")
    print(f"machine: {machine()}")
    print(f"codecs: {versions()}")
    if args.command == "speed":
        os.sched_setaffinity(0, {0})  # one core; FFmpeg gets `taskset -c 0` too
        print(f"clip: {args.seconds:g} s, {WIDTH}x{HEIGHT} {FPS} fps; pinned to CPU 0\n")
        timings = run_speed(args.seconds, args.runs, args.work, cases=args.cases)
        print(f"\nbest of {args.runs} interleaved rounds; load now {load()}")
        print("\n".join(report_speed(timings, args.seconds)))
        return 0
    source = generate_clip(
        args.work / f"clip-{args.seconds:g}s-{WIDTH}x{HEIGHT}p{FPS}.mp4", seconds=args.seconds
    )
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[0]})  # the "web process" on one core, the worker on another
    lines = run_feed(
        args.database_url,
        source,
        args.work,
        iterations=args.iterations,
        rounds=args.rounds,
        warmup=args.warmup,
        worker_core=cores[-1],
    )
    print("\n".join(lines))
    print(f"load now {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
