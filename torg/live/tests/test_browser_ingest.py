"""Browser ingest: WebM chunks (made by PyAV like MediaRecorder's) POSTed by the broadcaster
become an H.264/AAC HLS playlist; ending the broadcast hands the recording to the media app."""

from __future__ import annotations

from typing import Any

import av
import pytest

from torg.live import actions, paths
from torg.live.models import Broadcast
from torg.live.tests.conftest import World, client_for, make_webm
from torg.live.tests.test_rtmp import wait_for
from torg.media.models import Video

pytestmark = pytest.mark.django_db(transaction=True)
CHUNK = 8 * 1024


def chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def test_browser_chunks_become_hls_and_the_recording_is_attached(world: World, ingest: Any) -> None:
    broadcast = world.broadcast(title="Browser town hall")
    admin = client_for(world.admin)
    started = admin.post(f"/live/{broadcast.pk}/start/", {"source": "browser"})
    assert started.status_code == 200
    session = started.json()["session"]
    assert session == 1
    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.source) == ("live", "browser")

    for seq, piece in enumerate(chunks(make_webm(4))):
        response = admin.post(
            f"/live/{broadcast.pk}/chunks/{session}/{seq}/",
            piece,
            content_type="application/octet-stream",
        )
        assert response.status_code == 200, response.content

    playlist = paths.playlist_path(broadcast)
    wait_for(lambda: len(paths.playlist_segments(playlist)) >= 3, timeout=40)
    first = paths.hls_dir(broadcast) / paths.playlist_segments(playlist)[0]
    with av.open(first) as probe:
        assert probe.streams.video[0].codec_context.name == "h264"
        assert probe.streams.audio[0].codec_context.name == "aac"

    stopped = admin.post(f"/live/{broadcast.pk}/stop/", HTTP_ACCEPT="application/json")
    assert stopped.status_code == 200
    assert stopped.json()["state"] == "ended"
    wait_for(
        lambda: Broadcast.objects.get(pk=broadcast.pk).recording == Broadcast.Recording.HANDED_OVER,
        timeout=40,
    )
    text = playlist.read_text()
    assert text.rstrip().endswith(paths.ENDLIST)
    # Every second of the four was ingested (segments of ~1 s).
    durations = [
        float(line.split(":")[1].rstrip(","))
        for line in text.splitlines()
        if line.startswith("#EXTINF")
    ]
    assert 3.5 <= sum(durations) <= 4.5
    assert Video.objects.filter(attachment__post=broadcast.post).count() == 1


def test_chunks_are_refused_from_non_admins_and_when_not_live(world: World) -> None:
    broadcast = world.broadcast()
    admin = client_for(world.admin)
    kari = client_for(world.kari)
    url = f"/live/{broadcast.pk}/chunks/1/0/"
    webm = make_webm(4)[:CHUNK]
    # Not live yet.
    response = admin.post(url, webm, content_type="application/octet-stream")
    assert response.status_code == 400
    assert "not live" in response.json()["detail"]
    actions.do_start_broadcast(actor=world.admin, broadcast=broadcast, source="browser")
    # A member who is not an admin.
    response = kari.post(url, webm, content_type="application/octet-stream")
    assert response.status_code == 403
    # An outsider of a secret group's broadcast gets the same 404 as a missing one.
    secret = world.broadcast(group=world.secret)
    actions.do_start_broadcast(actor=world.admin, broadcast=secret, source="browser")
    outsider = client_for(world.outsider)
    hidden = outsider.post(
        f"/live/{secret.pk}/chunks/1/0/", webm, content_type="application/octet-stream"
    )
    missing = outsider.post(
        "/live/999999/chunks/1/0/", webm, content_type="application/octet-stream"
    )
    assert hidden.status_code == missing.status_code == 404
    # Not WebM, a stale session, an empty body.
    assert (
        admin.post(url, b"GIF89a" + webm, content_type="application/octet-stream").status_code
        == 400
    )
    assert (
        admin.post(
            f"/live/{broadcast.pk}/chunks/7/0/", webm, content_type="application/octet-stream"
        ).status_code
        == 400
    )
    assert admin.post(url, b"", content_type="application/octet-stream").status_code == 400
    assert not paths.session_dir(broadcast, 1).exists()
    # The real one is kept.
    assert admin.post(url, webm, content_type="application/octet-stream").status_code == 200
    assert paths.chunk_path(broadcast, 1, 0).read_bytes() == webm
