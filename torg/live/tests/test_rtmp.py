"""RTMP ingest end to end: ffmpeg (from the imageio-ffmpeg wheel) publishes a generated
stream to the ingest service; HLS segments appear; stopping attaches the recording."""

from __future__ import annotations

import time
from typing import Any

import av
import pytest

from torg.live import actions, paths
from torg.live.models import Broadcast
from torg.live.tests.conftest import World, client_for, publish_testsrc
from torg.media.models import Video

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition: Any, timeout: float = 20, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def rtmp_url(ingest: Any, key: str) -> str:
    return f"rtmp://127.0.0.1:{ingest.rtmp_port}/live/{key}"


def test_rtmp_publish_to_hls_then_stop_hands_recording_to_media(world: World, ingest: Any) -> None:
    broadcast = world.broadcast(title="Quarterly town hall")
    assert broadcast.state == Broadcast.State.SCHEDULED
    playlist = paths.playlist_path(broadcast)
    launched = time.time()
    publisher = publish_testsrc(rtmp_url(ingest, broadcast.stream_key), seconds=6)
    try:
        # Latency of the ingest: with -re, media time t leaves ffmpeg at (launch + t) or later,
        # so "listed at - (launch + segment end)" is an upper bound of each segment's delay.
        lags = []
        seen: set[str] = set()
        deadline = time.monotonic() + 20
        while len(seen) < 4 and time.monotonic() < deadline:
            if playlist.exists():
                text = playlist.read_text()
                end = 0.0
                for line in text.splitlines():
                    if line.startswith("#EXTINF:"):
                        end += float(line[8:].rstrip(","))
                    elif line.startswith("seg") and line not in seen:
                        seen.add(line)
                        lags.append(time.time() - (launched + end))
            time.sleep(0.05)
        assert len(seen) >= 4
        print(
            f"\nRTMP ingest: segment listed {sorted(lags)[len(lags) // 2]:.2f} s (median), "
            f"{max(lags):.2f} s (max) after its last frame was published"
        )
        assert max(lags) < 5
        broadcast.refresh_from_db()
        assert broadcast.state == Broadcast.State.LIVE
        assert broadcast.source == Broadcast.Source.RTMP
        assert broadcast.started_at is not None

        # The playlist is served (to a member) and the segments are real H.264/AAC.
        kari = client_for(world.kari)
        response = kari.get(f"/live/{broadcast.pk}/hls/index.m3u8")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.apple.mpegurl"
        text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
        assert paths.ENDLIST not in text
        first = paths.playlist_segments(playlist)[0]
        segment = kari.get(f"/live/{broadcast.pk}/hls/{first}")
        assert segment.status_code == 200
        with av.open(paths.hls_dir(broadcast) / first) as probe:
            assert probe.streams.video[0].codec_context.name == "h264"
            assert probe.streams.audio[0].codec_context.name == "aac"
    finally:
        actions.do_end_broadcast(actor=world.admin, broadcast=broadcast)
        publisher.wait(15)

    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.ENDED
    # The ingest notices the end, lets go of the playlist and hands the recording over.
    wait_for(
        lambda: Broadcast.objects.get(pk=broadcast.pk).recording == Broadcast.Recording.HANDED_OVER
    )
    assert paths.playlist_path(broadcast).read_text().rstrip().endswith(paths.ENDLIST)
    video = Video.objects.get(attachment__post=broadcast.post)
    assert video.attachment.uploader_id == world.admin.pk
    assert video.attachment.name.startswith("Quarterly town hall ")


def test_wrong_stream_key_is_refused(world: World, ingest: Any) -> None:
    broadcast = world.broadcast()
    publisher = publish_testsrc(rtmp_url(ingest, "not-the-key-" + "x" * 20), seconds=3)
    publisher.wait(20)
    assert publisher.returncode != 0  # ffmpeg is disconnected
    assert ingest.rtmp.refused >= 1
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SCHEDULED
    assert not paths.playlist_path(broadcast).exists()


def test_rotated_key_refuses_the_old_one(world: World, ingest: Any) -> None:
    broadcast = world.broadcast()
    old_key = broadcast.stream_key
    rotated = actions.do_rotate_stream_key(actor=world.admin, broadcast=broadcast)
    assert rotated.stream_key != old_key
    publisher = publish_testsrc(rtmp_url(ingest, old_key), seconds=3)
    publisher.wait(20)
    assert publisher.returncode != 0
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SCHEDULED
