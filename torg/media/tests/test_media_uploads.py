# ruff: noqa: F811  (fixtures come from media_fixtures)
"""Resumable uploads through the API: start, chunks with offsets, resume, complete."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from torg.media.models import ChunkedUpload, Video
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    run_on_commit,
    video_bytes,
    world,
)
from torg.posts import actions as post_actions

pytestmark = pytest.mark.django_db

UPLOADS = "/api/v1/media/uploads"


def start(client, name, size):
    return client.post(UPLOADS, {"name": name, "size": size}, content_type="application/json")


def put(client, token, offset, data):
    return client.put(
        f"/api/v1/media/uploads/{token}?offset={offset}",
        data,
        content_type="application/octet-stream",
    )


def test_interrupted_upload_resumes_from_the_server_offset(
    world, tmp_path, settings, run_on_commit
):
    settings.UPLOAD_CHUNK_BYTES = 1024
    data = video_bytes(tmp_path)
    member = client_for(world["member"])
    started = start(member, "holiday.mov", len(data))
    assert started.status_code == 201
    token = started.json()["token"]
    assert started.json() | {"token": ""} == {
        "token": "",
        "name": "holiday.mov",
        "size": len(data),
        "offset": 0,
        "chunk_size": 1024,
        "complete": False,
        "attachment_id": None,
    }
    assert put(member, token, 0, data[:1024]).json()["offset"] == 1024
    assert put(member, token, 1024, data[1024:2048]).json()["offset"] == 2048
    # The connection dropped after the server stored the next chunk, before the client heard:
    assert put(member, token, 2048, data[2048:3072]).json()["offset"] == 3072
    # ...so the client retries the same chunk and is told where the server is.
    again = put(member, token, 2048, data[2048:3072])
    assert again.status_code == 409
    assert again.json() == {"detail": "The upload continues at byte 3072.", "offset": 3072}
    # A reloaded page asks where to continue.
    status = member.get(f"/api/v1/media/uploads/{token}")
    assert (status.status_code, status.json()["offset"]) == (200, 3072)
    offset = 3072
    while offset < len(data):
        offset = put(member, token, offset, data[offset : offset + 1024]).json()["offset"]
    with run_on_commit():
        done = member.post(f"/api/v1/media/uploads/{token}/complete")
    assert done.status_code == 201
    body = done.json()
    assert body["attachment"]["content_type"] == "video/mp4"
    assert body["video"]["state"] == "processing"
    video = Video.objects.get(token=body["video"]["token"])
    assert video.state == "ready"  # the task ran after the commit
    # The chunks are gone, the whole file was joined in order.
    assert not default_storage.exists(f"uploads/{token}/000000")
    assert ChunkedUpload.objects.get(token=token).attachment_id == body["attachment"]["id"]
    # Completing twice answers the same attachment (now holding the transcoded MP4).
    again = member.post(f"/api/v1/media/uploads/{token}/complete").json()
    assert again["attachment"]["id"] == body["attachment"]["id"]
    assert again["video"]["state"] == "ready"
    # The attachment goes on a post like any upload; the card shows the player.
    post = post_actions.do_create_post(
        author=world["member"],
        group=world["open"],
        body="",
        attachment_ids=[body["attachment"]["id"]],
    )
    html = member.get(f"/posts/{post.pk}/").content.decode()
    assert f"/videos/{video.token}/files/master.m3u8" in html


def test_chunk_errors_are_clear(world, settings):
    settings.UPLOAD_CHUNK_BYTES = 10
    member = client_for(world["member"])
    token = start(member, "a.mp4", 15).json()["token"]
    assert put(member, token, 0, b"x" * 11).json() == {
        "detail": "A chunk can be at most 10\xa0bytes."
    }
    assert put(member, token, 0, b"").status_code == 400
    assert put(member, token, 0, b"x" * 10).status_code == 200
    assert put(member, token, 10, b"x" * 6).json() == {
        "detail": "The file is larger than announced."
    }
    early = member.post(f"/api/v1/media/uploads/{token}/complete")
    assert early.json() == {"detail": "The upload is not finished: 10 of 15 bytes arrived."}
    # Someone else's upload does not exist for you.
    other = client_for(world["outsider"])
    assert other.get(f"/api/v1/media/uploads/{token}").status_code == 404
    assert put(other, token, 10, b"x").status_code == 404
    assert other.post(f"/api/v1/media/uploads/{token}/complete").status_code == 404


def test_size_limit_and_quota_are_checked_when_starting(world, settings):
    settings.VIDEO_MAX_BYTES = 1000
    settings.MEDIA_QUOTA_BYTES = 1500
    member = client_for(world["member"])
    assert start(member, "big.mp4", 1001).json() == {
        "detail": "The file is too large: at most 1000\xa0bytes."
    }
    assert start(member, "empty.mp4", 0).json() == {"detail": "The file is empty."}
    assert start(member, "a.mp4", 1000).status_code == 201
    refused = start(member, "b.mp4", 600)
    assert refused.status_code == 400
    assert "storage quota of 1.5\xa0KB" in refused.json()["detail"]


def test_non_video_content_becomes_an_ordinary_attachment(world, settings):
    settings.UPLOAD_CHUNK_BYTES = 4096
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    member = client_for(world["member"])
    token = start(member, "movie.mp4", len(out.getvalue())).json()["token"]
    data = out.getvalue()
    for offset in range(0, len(data), 4096):
        put(member, token, offset, data[offset : offset + 4096])
    done = member.post(f"/api/v1/media/uploads/{token}/complete").json()
    assert (done["attachment"]["kind"], done["video"]) == ("image", None)

    settings.ATTACHMENT_MAX_BYTES = 10
    token = start(member, "big.txt", 20).json()["token"]
    put(member, token, 0, b"y" * 20)
    refused = member.post(f"/api/v1/media/uploads/{token}/complete")
    assert refused.status_code == 400
    assert "not a video Torg can play" in refused.json()["detail"]
