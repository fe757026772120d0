# ruff: noqa: F811  (fixtures come from media_fixtures)
"""Video files: range requests, and access re-checked on every request."""

from __future__ import annotations

import re

import pytest

from torg.groups import actions as group_actions
from torg.media import actions
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    make_video,
    run_on_commit,
    world,
)
from torg.posts import actions as post_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_video(world, tmp_path, run_on_commit):
    post = post_actions.do_create_post(
        author=world["admin"], group=world["secret"], body="Town hall"
    )
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["admin"], post=post, path=make_video(tmp_path / "v.mp4"), name="v.mp4"
        )
    video.refresh_from_db()
    assert video.state == "ready"
    return video


def body_of(response):
    return b"".join(response.streaming_content)


def test_range_requests_and_headers(world, secret_video):
    member = client_for(world["member"])
    url = f"/videos/{secret_video.token}/files/video.mp4"
    whole = member.get(url)
    data = body_of(whole)
    assert (whole.status_code, whole["Content-Type"], whole["Accept-Ranges"]) == (
        200,
        "video/mp4",
        "bytes",
    )
    assert int(whole["Content-Length"]) == len(data) > 1000
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Cache-Control"] == "private, no-cache"
    part = member.get(url, headers={"Range": "bytes=100-199"})
    assert (part.status_code, part["Content-Range"], part["Content-Length"]) == (
        206,
        f"bytes 100-199/{len(data)}",
        "100",
    )
    assert body_of(part) == data[100:200]
    tail = member.get(url, headers={"Range": "bytes=-10"})
    assert body_of(tail) == data[-10:]
    open_ended = member.get(url, headers={"Range": f"bytes={len(data) - 5}-"})
    assert body_of(open_ended) == data[-5:]
    beyond = member.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert (beyond.status_code, beyond["Content-Range"]) == (416, f"bytes */{len(data)}")
    assert member.get(url, headers={"Range": "bytes=abc"}).status_code == 416
    playlist = member.get(f"/videos/{secret_video.token}/files/master.m3u8")
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert b"240p.m3u8" in body_of(playlist)
    segment = member.get(f"/videos/{secret_video.token}/files/240p_0000.ts")
    assert (segment.status_code, segment["Content-Type"]) == (200, "video/mp2t")
    assert (
        member.get(f"/videos/{secret_video.token}/files/poster.jpg")["Content-Type"] == "image/jpeg"
    )


def test_leaving_the_secret_group_stops_playback_at_once(world, secret_video):
    member = client_for(world["member"])
    url = f"/videos/{secret_video.token}/files/video.mp4"
    assert member.get(url, headers={"Range": "bytes=0-99"}).status_code == 206
    group_actions.do_leave_group(actor=world["member"], group=world["secret"])
    for path in ("video.mp4", "master.m3u8", "240p.m3u8", "240p_0000.ts", "poster.jpg"):
        gone = member.get(
            f"/videos/{secret_video.token}/files/{path}", headers={"Range": "bytes=100-"}
        )
        assert gone.status_code == 404, path
    assert member.get(f"/videos/{secret_video.token}/status/").status_code == 404
    assert member.get(f"/api/v1/media/videos/{secret_video.token}").status_code == 404


def test_outsiders_and_bad_names_get_the_same_404(world, secret_video):
    outsider = client_for(world["outsider"])
    hidden = outsider.get(f"/videos/{secret_video.token}/files/video.mp4")
    missing = outsider.get("/videos/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/files/video.mp4")
    assert hidden.status_code == missing.status_code == 404
    # Apart from the (masked, per response) CSRF token the pages are identical.
    assert unmasked(hidden.content) == unmasked(missing.content)
    member = client_for(world["member"])
    for name in ("../../settings.py", "source", "video.mp4.bak", "%2e%2e%2fx"):
        assert member.get(f"/videos/{secret_video.token}/files/{name}").status_code == 404
    # Not signed in: the sign-in page, nothing of the file.
    assert (
        client_for_anonymous().get(f"/videos/{secret_video.token}/files/video.mp4").status_code
        == 302
    )


def unmasked(html: bytes) -> bytes:
    return re.sub(rb"[A-Za-z0-9]{64}", b"", html)


def client_for_anonymous():
    from django.test import Client

    return Client()
