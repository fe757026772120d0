"""A secret group's broadcast looks exactly like a missing one: page, playlist, segments,
heartbeat. Access is checked again on every segment request."""

from __future__ import annotations

import re
from typing import Any

from torg.groups import actions as group_actions
from torg.live import actions, paths
from torg.live.tests.conftest import World, client_for


def without_tokens(html: bytes) -> bytes:
    # CSRF tokens are masked differently on every response.
    return re.sub(rb'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', b"", html)


def fake_segments(broadcast: Any) -> None:
    hls = paths.hls_dir(broadcast)
    hls.mkdir(parents=True)
    (hls / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg00000.ts\n")
    (hls / "seg00000.ts").write_bytes(b"\x47" * 188)


def test_outsider_gets_404_for_page_playlist_segment_and_heartbeat(world: World) -> None:
    secret = world.broadcast(group=world.secret, title="Board only")
    actions.do_start_broadcast(actor=world.admin, broadcast=secret, source="rtmp")
    fake_segments(secret)
    outsider = client_for(world.outsider)
    member = client_for(world.kari)
    urls = [
        f"/live/{secret.pk}/",
        f"/live/{secret.pk}/hls/index.m3u8",
        f"/live/{secret.pk}/hls/seg00000.ts",
    ]
    for url in urls:
        assert member.get(url).status_code == 200, url
        hidden = outsider.get(url)
        missing = outsider.get(url.replace(f"/{secret.pk}/", "/999999/"))
        assert hidden.status_code == missing.status_code == 404, url
        assert without_tokens(hidden.content) == without_tokens(missing.content)
    assert outsider.post(f"/live/{secret.pk}/heartbeat/", {"watching": "1"}).status_code == 404
    assert actions.viewer_count(secret) == 0
    # The outsider's group rail and feed do not mention it either.
    assert b"Board only" not in outsider.get("/").content


def test_leaving_the_group_stops_the_stream_at_the_next_segment(world: World) -> None:
    secret = world.broadcast(group=world.secret)
    actions.do_start_broadcast(actor=world.admin, broadcast=secret, source="rtmp")
    fake_segments(secret)
    member = client_for(world.kari)
    assert member.get(f"/live/{secret.pk}/hls/seg00000.ts").status_code == 200
    group_actions.do_remove_member(actor=world.admin, group=world.secret, user=world.kari)
    assert member.get(f"/live/{secret.pk}/hls/seg00000.ts").status_code == 404


def test_only_playlist_and_segment_names_are_served(world: World) -> None:
    broadcast = world.broadcast()
    fake_segments(broadcast)
    (paths.broadcast_dir(broadcast) / "recording.mp4").write_bytes(b"x")
    member = client_for(world.kari)
    for name in ["../recording.mp4", "..%2Frecording.mp4", ".writing", "seg0.ts", "index.m3u8x"]:
        assert member.get(f"/live/{broadcast.pk}/hls/{name}").status_code == 404, name
    response = member.get(f"/live/{broadcast.pk}/hls/seg00000.ts")
    assert response["Content-Type"] == "video/mp2t"


def test_members_cannot_run_a_broadcast(world: World) -> None:
    broadcast = world.broadcast()
    kari = client_for(world.kari)
    response = kari.post(f"/live/{broadcast.pk}/start/", {"source": "browser"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the group's admins can run this broadcast."}
    page = kari.get(f"/live/{broadcast.pk}/").content.decode()
    assert broadcast.stream_key not in page
    assert "Go live with camera" not in page
    admin_page = client_for(world.admin).get(f"/live/{broadcast.pk}/").content.decode()
    assert broadcast.stream_key in admin_page
    assert kari.get(f"/live/new/{world.open.slug}/").status_code == 404
