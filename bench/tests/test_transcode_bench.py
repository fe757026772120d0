"""Smoke test of the transcoding benchmark (bench/transcode.py) with a 2-second clip."""

from __future__ import annotations

from pathlib import Path

import av

from bench import transcode as bench
from torg.media import transcode as torg_transcode


def test_generated_clip_is_720p30_with_sound(tmp_path: Path) -> None:
    clip = bench.generate_clip(tmp_path / "clip.mp4", seconds=2)
    with av.open(str(clip)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
        assert video.average_rate == 30
        assert sum(1 for _ in container.decode(video=0)) == 60
    with av.open(str(clip)) as container:
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48_000, 2)
        assert 1.9 <= (container.duration or 0) / 1_000_000 <= 2.2


def test_ffmpeg_command_uses_torgs_settings(tmp_path: Path) -> None:
    full = bench.ffmpeg_command(tmp_path / "in.mp4", tmp_path / "out", full=True)
    assert full[:3] == ["taskset", "-c", "0"]
    text = " ".join(full)
    assert text.count("-c:v libx264 -preset " + torg_transcode.PRESET) == 3  # MP4 + 360p + 720p
    assert text.count("-g 60 -sc_threshold 0") == 3
    assert "-b:v 2800000 -maxrate 3360000 -bufsize 5600000" in text
    assert "-vf scale=640:360 " in text and "-b:v 800000 " in text
    assert text.count(f"-b:a {torg_transcode.AUDIO_BITRATE}") == 3
    assert f"-hls_time {torg_transcode.SEGMENT_SECONDS}" in text
    alone = bench.ffmpeg_command(tmp_path / "in.mp4", tmp_path / "out", full=False)
    assert "hls" not in alone and alone[-1].endswith("video.mp4")


def test_speed_harness_runs_every_case_and_reports(tmp_path: Path) -> None:
    timings = bench.run_speed(2, 1, tmp_path)
    assert list(timings) == [
        "Torg, full pipeline",
        "FFmpeg CLI, full pipeline",
        "Torg, 720p MP4 alone",
        "FFmpeg CLI, 720p MP4 alone",
    ]
    full_names = {"video.mp4", "360p.m3u8", "720p.m3u8", "poster.jpg"}
    assert full_names <= set(timings["Torg, full pipeline"].files)
    assert full_names <= set(timings["FFmpeg CLI, full pipeline"].files)
    assert timings["Torg, 720p MP4 alone"].files == ["video.mp4"]
    assert timings["FFmpeg CLI, 720p MP4 alone"].files == ["video.mp4"]
    for timing in timings.values():
        assert len(timing.wall) == 1 and timing.wall[0] > 0 and timing.cpu[0] > 0
    # Both MP4s are 720p H.264/AAC of the clip's length.
    for name in timings:
        with av.open(str(tmp_path / "out" / bench.slug(name) / "video.mp4")) as container:
            video = container.streams.video[0]
            assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
            assert container.streams.audio[0].codec_context.name == "aac"
            assert 1.9 <= (container.duration or 0) / 1_000_000 <= 2.2
    lines = "\n".join(bench.report_speed(timings, 2))
    assert "full pipeline: Torg/FFmpeg speed ratio" in lines
    assert "720p MP4 alone: Torg/FFmpeg speed ratio" in lines


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert bench.percentile(values, 99) == 99.0
    assert bench.percentile(values, 50) == 50.0
    assert bench.percentile([5.0], 99) == 5.0
