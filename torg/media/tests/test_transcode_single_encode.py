"""Each picture size is encoded once: the MP4 and the top HLS rendition share one H.264 encode,
and one AAC encode feeds every output (issue 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import pytest

from torg.media import transcode as transcode_module
from torg.media.tests.media_fixtures import make_video
from torg.media.transcode import transcode


@pytest.fixture
def encoder_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Counts the encoders transcode() creates (video: their sizes)."""
    calls: dict[str, list[Any]] = {"video": [], "audio": []}
    add_video = transcode_module._add_video_encoder
    add_audio = transcode_module._add_audio_encoder

    def counting_video(container: Any, step: Any, rate: Any, time_base: Any) -> Any:
        calls["video"].append((step.width, step.height))
        return add_video(container, step, rate, time_base)

    def counting_audio(container: Any, layout: str, rate: int) -> Any:
        calls["audio"].append(layout)
        return add_audio(container, layout, rate)

    monkeypatch.setattr(transcode_module, "_add_video_encoder", counting_video)
    monkeypatch.setattr(transcode_module, "_add_audio_encoder", counting_audio)
    return calls


def _video_track(path: Path, fmt: str | None = None) -> dict[str, Any]:
    """What a player sees of the picture: decoded frames, keyframes, size, first/last time."""
    with av.open(str(path), format=fmt) as container:
        stream = container.streams.video[0]
        times = []
        keyframes = 0
        for frame in container.decode(stream):
            times.append(float(frame.pts * frame.time_base))
            keyframes += frame.key_frame
        return {
            "frames": len(times),
            "keyframes": keyframes,
            "size": (stream.codec_context.width, stream.codec_context.height),
            "span": round(max(times) - min(times), 3),
        }


def _audio_packets(path: Path, fmt: str | None = None) -> list[int]:
    """The sizes of the AAC packets, in order."""
    with av.open(str(path), format=fmt) as container:
        stream = container.streams.audio[0]
        return [packet.size for packet in container.demux(stream) if packet.size]


def test_720p_source_runs_two_video_encodes_and_one_audio_encode(tmp_path, encoder_calls):
    source = make_video(tmp_path / "source.mp4", width=1280, height=720, seconds=5, rate=10)

    result = transcode(source, "mov", tmp_path / "out")

    assert [step.name for step in result.steps] == ["360p", "720p"]
    # 360p for its rendition, 720p once for both the MP4 and the 720p rendition.
    assert encoder_calls["video"] == [(1280, 720), (640, 360)]
    assert encoder_calls["audio"] == ["mono"]

    out = tmp_path / "out"
    mp4 = _video_track(out / "video.mp4")
    top = _video_track(out / "720p.m3u8", "hls")
    low = _video_track(out / "360p.m3u8", "hls")
    assert mp4 == {"frames": 50, "keyframes": 3, "size": (1280, 720), "span": 4.9}
    assert top == mp4
    assert low == {**mp4, "size": (640, 360)}
    # The same AAC packets in every output: 5 s of 48 kHz in frames of 1024 samples, plus the
    # encoder's priming frame (the TS packets carry a 7-byte ADTS header each).
    packets = _audio_packets(out / "video.mp4")
    assert len(packets) == -(-240_000 // 1024) + 1
    assert _audio_packets(out / "720p.m3u8", "hls") == [size + 7 for size in packets]
    assert _audio_packets(out / "360p.m3u8", "hls") == [size + 7 for size in packets]


def test_top_rendition_segments_each_start_with_a_keyframe_and_play_alone(tmp_path, encoder_calls):
    source = make_video(tmp_path / "source.mp4", width=1280, height=720, seconds=9, rate=10)

    transcode(source, "mov", tmp_path / "out")

    out = tmp_path / "out"
    playlist = (out / "720p.m3u8").read_text()
    segments = [line for line in playlist.splitlines() if line.endswith(".ts")]
    assert segments == ["720p_0000.ts", "720p_0001.ts", "720p_0002.ts"]
    assert "#EXTINF:4.000000," in playlist and "#EXTINF:1.000000," in playlist
    decoded = []
    for name in segments:
        # Opened on its own, as a player switching renditions mid-stream does: the copied
        # packets carry the parameter sets, and the first picture is a keyframe.
        with av.open(str(out / name), format="mpegts") as segment:
            frames = list(segment.decode(video=0))
        assert frames[0].key_frame
        assert (frames[0].width, frames[0].height) == (1280, 720)
        decoded.append(len(frames))
    assert decoded == [40, 40, 10]
    assert _video_track(out / "video.mp4")["frames"] == sum(decoded)


def test_small_source_has_one_step_and_one_encode(tmp_path, encoder_calls):
    source = make_video(tmp_path / "source.mp4", width=320, height=240, seconds=1, audio=False)

    result = transcode(source, "mov", tmp_path / "out")

    assert [step.name for step in result.steps] == ["240p"]
    assert encoder_calls == {"video": [(320, 240)], "audio": []}
    mp4 = _video_track(tmp_path / "out" / "video.mp4")
    assert mp4["frames"] == 25
    assert _video_track(tmp_path / "out" / "240p.m3u8", "hls") == mp4
    with av.open(str(tmp_path / "out" / "240p.m3u8"), format="hls") as hls:
        assert not hls.streams.audio
