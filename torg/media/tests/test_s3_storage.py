# ruff: noqa: F811  (fixtures come from media_fixtures)
"""Media on S3-compatible object storage (issue 6), end to end.

The S3 server is moto's server mode (``moto.server.ThreadedMotoServer``): a real HTTP S3
emulator started by a fixture on a free port of this machine — an emulator, not the internet.
Torg talks to it through django-storages and boto3 exactly as it would to AWS, MinIO or Ceph,
and the tests look into the bucket with their own boto3 client: exact keys under the configured
prefix, no public grants, nothing left behind after deletes.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from torg.chat import actions as chat_actions
from torg.governance import personal
from torg.groups import actions as group_actions
from torg.media import actions
from torg.media.models import Video
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    make_video,
    run_on_commit,
    video_bytes,
    world,
)
from torg.posts import actions as post_actions
from torg.posts.models import Attachment
from torg.posts.tests.test_posts_fixtures import png_upload

pytestmark = pytest.mark.django_db

PREFIX = "torg-media"
REGION = "us-east-1"
KEYS = {"aws_access_key_id": "torg-test", "aws_secret_access_key": "torg-test-secret"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 emulator on a free local port, for the whole test session (per xdist worker)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    client: Any
    name: str

    def objects(self) -> set[str]:
        found: set[str] = set()
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            found.update(entry["Key"] for entry in page.get("Contents", ()))
        return found

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def public_grants(self, key: str) -> list[dict[str, Any]]:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        return [
            grant
            for grant in grants
            if grant["Grantee"].get("URI") in {ALL_USERS, AUTHENTICATED_USERS}
        ]


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Bucket:
    """A fresh bucket, and Torg's default storage pointed at it (as TORG_S3_* would)."""
    name = f"torg-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "torg.media.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "location": PREFIX,
                "addressing_style": "path",
            },
        },
    }
    return Bucket(client=client, name=name)


@pytest.fixture
def s3_calls(bucket: Bucket) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every S3 operation Torg's storage makes (operation name and its parameters), seen with
    botocore's own event hooks on the storage's client."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_kwargs: Any) -> None:
        calls.append((model.name, dict(params)))

    events = default_storage.connection.meta.client.meta.events
    events.register("before-parameter-build.s3", record)
    try:
        yield calls
    finally:
        events.unregister("before-parameter-build.s3", record)


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def under(prefix: str, names: list[str]) -> set[str]:
    return {f"{PREFIX}/{prefix}{name}" for name in names}


# --- settings ----------------------------------------------------------------------------------


def test_torg_s3_variables_switch_the_default_storage():
    """The real settings module, imported in a fresh interpreter with TORG_S3_* set."""
    script = (
        "import json, torg.settings as s; print(json.dumps(s.STORAGES['default'], default=str))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("TORG_S3_")}
    configured = {
        "TORG_S3_BUCKET": "media",
        "TORG_S3_ENDPOINT_URL": "http://minio.internal:9000",
        "TORG_S3_REGION": "eu-north-1",
        "TORG_S3_ACCESS_KEY_ID": "key",
        "TORG_S3_SECRET_ACCESS_KEY": "secret",
        "TORG_S3_PREFIX": "/torg/",
    }
    cwd = Path(django_settings.BASE_DIR)

    def storages(env: dict[str, str]) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=cwd, capture_output=True, check=True
        )
        return dict(json.loads(out.stdout))

    assert storages(base) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storages(base | configured) == {
        "BACKEND": "torg.media.storage_s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": "media",
            "endpoint_url": "http://minio.internal:9000",
            "region_name": "eu-north-1",
            "access_key": "key",
            "secret_key": "secret",
            "location": "torg",
            "addressing_style": "path",
        },
    }


def test_the_storage_stays_private_whatever_the_options_say(bucket, settings):
    from torg.media.storage_s3 import PrivateS3Storage

    storage = PrivateS3Storage(
        **settings.STORAGES["default"]["OPTIONS"]
        | {
            "default_acl": "public-read",
            "object_parameters": {"ACL": "public-read", "CacheControl": "max-age=60"},
            "querystring_auth": False,
            "custom_domain": "cdn.example.com",
            "file_overwrite": True,
        }
    )
    name = storage.save("probe/x.txt", io.BytesIO(b"x"))
    assert bucket.public_grants(f"{PREFIX}/{name}") == []
    assert storage.object_parameters == {"CacheControl": "max-age=60"}
    # A URL, should anything ask, is signed and expires within five minutes.
    url = storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    # Saving the same name again never replaces the object.
    assert storage.save("probe/x.txt", io.BytesIO(b"y")) != "probe/x.txt"
    assert bucket.read(f"{PREFIX}/probe/x.txt") == b"x"


# --- images and files in posts -----------------------------------------------------------------


def test_image_upload_thumbnail_and_secret_download_through_s3(world, bucket, s3_calls):
    admin, member = client_for(world["admin"]), client_for(world["member"])
    uploaded = admin.post("/posts/attachments/", {"file": png_upload(width=1600, height=1200)})
    assert uploaded.status_code == 201
    image = uploaded.json()
    attachment = Attachment.objects.get(pk=image["id"])
    keys = {f"{PREFIX}/{attachment.file.name}", f"{PREFIX}/{attachment.thumbnail.name}"}
    assert attachment.file.name.startswith("attachments/")
    assert attachment.thumbnail.name.startswith("thumbnails/")
    assert bucket.objects() == keys
    assert all(bucket.public_grants(key) == [] for key in keys)
    post_actions.do_create_post(
        author=world["admin"], group=world["secret"], body="", attachment_ids=[attachment.pk]
    )
    # The thumbnail is served by Torg from the bucket.
    thumb = member.get(image["thumbnail_url"])
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/png")
    served = body_of(thumb)
    assert served == bucket.read(f"{PREFIX}/{attachment.thumbnail.name}")
    with Image.open(io.BytesIO(served)) as small:
        assert max(small.size) < 1600
    # A range of the full image: one ranged GET, not the whole object.
    stored = bucket.read(f"{PREFIX}/{attachment.file.name}")
    s3_calls.clear()
    part = member.get(image["url"], headers={"Range": "bytes=8-23"})
    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 8-23/{len(stored)}")
    assert body_of(part) == stored[8:24]
    gets = [params for name, params in s3_calls if name == "GetObject"]
    assert gets == [
        {"Bucket": bucket.name, "Key": f"{PREFIX}/{attachment.file.name}", "Range": "bytes=8-23"}
    ]
    # Leaving the secret group: the next request, range or not, is a plain 404.
    group_actions.do_leave_group(actor=world["member"], group=world["secret"])
    for url in (image["url"], image["thumbnail_url"]):
        assert member.get(url, headers={"Range": "bytes=0-"}).status_code == 404
        assert client_for(world["outsider"]).get(url).status_code == 404
    assert admin.get(image["url"]).status_code == 200


def test_file_download_is_an_octet_stream_with_ranges(world, bucket):
    member = client_for(world["member"])
    data = bytes(range(256)) * 40
    uploaded = member.post(
        "/posts/attachments/", {"file": SimpleUploadedFile("data.bin", data, "text/plain")}
    ).json()
    whole = member.get(uploaded["url"])
    assert (whole["Content-Type"], whole["Content-Disposition"], whole["Content-Length"]) == (
        "application/octet-stream",
        'attachment; filename="data.bin"',
        str(len(data)),
    )
    assert body_of(whole) == data
    assert body_of(member.get(uploaded["url"], headers={"Range": "bytes=-100"})) == data[-100:]
    beyond = member.get(uploaded["url"], headers={"Range": f"bytes={len(data)}-"})
    assert (beyond.status_code, beyond["Content-Range"]) == (416, f"bytes */{len(data)}")
    # The object vanished from the bucket (an operator's mistake): 404, not a 500.
    name = Attachment.objects.get(pk=uploaded["id"]).file.name
    bucket.client.delete_object(Bucket=bucket.name, Key=f"{PREFIX}/{name}")
    assert member.get(uploaded["url"]).status_code == 404


# --- video -------------------------------------------------------------------------------------


def test_video_is_transcoded_into_the_bucket_and_served_with_ranges(
    world, bucket, tmp_path, run_on_commit, s3_calls
):
    post = post_actions.do_create_post(
        author=world["admin"], group=world["secret"], body="Town hall"
    )
    source = make_video(tmp_path / "town-hall.mp4", seconds=1.0)
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["admin"], post=post, path=source, name="Town hall.mp4"
        )
    assert not source.exists()  # the local file was handed over to storage
    video.refresh_from_db()
    assert video.state == Video.State.READY
    prefix = video.output_prefix
    assert prefix.startswith(f"videos/{video.token}/1-")
    outputs = ["video.mp4", "poster.jpg", "master.m3u8", "240p.m3u8", "240p_0000.ts"]
    # Exactly the outputs under the prefix; the phone's original is gone from the bucket.
    assert bucket.objects() == under(prefix, outputs)
    assert all(bucket.public_grants(key) == [] for key in bucket.objects())
    assert video.attachment.file.name == prefix + "video.mp4"

    member = client_for(world["member"])
    url = f"/videos/{video.token}/files/video.mp4"
    mp4 = bucket.read(f"{PREFIX}/{prefix}video.mp4")
    whole = member.get(url)
    assert (whole.status_code, whole["Content-Length"]) == (200, str(len(mp4)))
    assert body_of(whole) == mp4
    s3_calls.clear()
    part = member.get(url, headers={"Range": "bytes=100-1123"})
    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 100-1123/{len(mp4)}")
    assert body_of(part) == mp4[100:1124]
    assert [p.get("Range") for name, p in s3_calls if name == "GetObject"] == ["bytes=100-1123"]
    playlist = body_of(member.get(f"/videos/{video.token}/files/master.m3u8"))
    assert b"240p.m3u8" in playlist
    segment = member.get(f"/videos/{video.token}/files/240p_0000.ts")
    assert body_of(segment) == bucket.read(f"{PREFIX}/{prefix}240p_0000.ts")
    # The attachment download (the clean MP4) and the segments: access re-checked every time.
    attachment_url = f"/posts/attachments/{video.attachment.pk}/"
    assert member.get(attachment_url, headers={"Range": "bytes=0-9"}).status_code == 206
    group_actions.do_leave_group(actor=world["member"], group=world["secret"])
    for name in outputs:
        gone = member.get(f"/videos/{video.token}/files/{name}", headers={"Range": "bytes=0-"})
        assert gone.status_code == 404, name
    assert member.get(attachment_url, headers={"Range": "bytes=0-9"}).status_code == 404

    # Captions go to the bucket too and are served the same way.
    caption = actions.do_add_caption(
        actor=world["admin"],
        video=video,
        language="nb",
        label="Norsk",
        data=b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHei\n",
    )
    assert f"{PREFIX}/{caption.file.name}" in bucket.objects()
    vtt = client_for(world["admin"]).get(f"/videos/{video.token}/captions/{caption.pk}.vtt")
    assert b"Hei" in body_of(vtt)


def test_chunked_upload_assembles_into_the_bucket(world, bucket, tmp_path, settings, run_on_commit):
    settings.UPLOAD_CHUNK_BYTES = 4096
    data = video_bytes(tmp_path)
    member = client_for(world["member"])
    token = member.post(
        "/api/v1/media/uploads", {"name": "clip.mp4", "size": len(data)}, "application/json"
    ).json()["token"]
    offset = 0
    while offset < len(data):
        offset = member.put(
            f"/api/v1/media/uploads/{token}?offset={offset}",
            data[offset : offset + 4096],
            content_type="application/octet-stream",
        ).json()["offset"]
    chunks = sorted(k for k in bucket.objects() if k.startswith(f"{PREFIX}/uploads/{token}/"))
    assert len(chunks) == -(-len(data) // 4096)
    assert b"".join(bucket.read(k) for k in chunks) == data
    with run_on_commit():
        done = member.post(f"/api/v1/media/uploads/{token}/complete")
    assert done.status_code == 201
    video = Video.objects.get(token=done.json()["video"]["token"])
    assert video.state == Video.State.READY
    # Chunks removed, only the transcoded outputs remain.
    assert {k for k in bucket.objects() if "/uploads/" in k} == set()
    assert all(k.startswith(f"{PREFIX}/{video.output_prefix}") for k in bucket.objects())


# --- chat files --------------------------------------------------------------------------------


def test_chat_file_in_the_bucket_only_for_participants(make_user, bucket):
    ann, bo, eve = make_user(), make_user(), make_user()
    dm = chat_actions.do_start_direct(actor=ann, other_id=bo.pk)
    api = client_for(ann)
    stored = api.post(
        "/api/v1/chat/files", {"file": SimpleUploadedFile("minutes.txt", b"0123456789" * 10)}
    ).json()
    sent = api.post(
        f"/api/v1/chat/conversations/{dm.pk}/messages",
        {"client_id": "s3", "body": "", "files": [stored["id"]]},
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert [k.split("/")[1] for k in bucket.objects()] == ["chat"]
    part = client_for(bo).get(stored["url"], headers={"Range": "bytes=10-19"})
    assert (part.status_code, body_of(part)) == (206, b"0123456789")
    assert client_for(eve).get(stored["url"]).status_code == 404


# --- deletes, erasure, export, search ----------------------------------------------------------


def test_purging_a_deleted_post_removes_its_objects(world, bucket, tmp_path, run_on_commit):
    image = client_for(world["admin"]).post("/posts/attachments/", {"file": png_upload()}).json()
    post = post_actions.do_create_post(
        author=world["admin"], group=world["open"], body="x", attachment_ids=[image["id"]]
    )
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["admin"], post=post, path=make_video(tmp_path / "v.mp4"), name="v"
        )
    keep = post_actions.do_create_post(author=world["admin"], group=world["open"], body="kept")
    kept_file = client_for(world["admin"]).post("/posts/attachments/", {"file": png_upload()})
    post_actions.do_create_post(
        author=world["admin"],
        group=world["open"],
        body="kept too",
        attachment_ids=[kept_file.json()["id"]],
    )
    assert keep.pk
    kept_keys = {
        f"{PREFIX}/{name}"
        for a in Attachment.objects.filter(pk=kept_file.json()["id"])
        for name in (a.file.name, a.thumbnail.name)
    }
    assert len(bucket.objects()) == 2 + 5 + 2
    post_actions.do_delete_post(actor=world["admin"], post=post)
    assert post_actions.do_purge_deleted_posts(now=timezone.now() + timedelta(days=31)) == 1
    assert actions.do_purge_orphaned_video_files() == 1
    assert not Video.objects.filter(pk=video.pk).exists()
    assert bucket.objects() == kept_keys


def test_erasure_removes_the_persons_objects(
    world, bucket, make_user, django_capture_on_commit_callbacks
):
    network_admin = make_user("Nina Network", is_staff=True)
    person = make_user("Erin Erased")
    group_actions.do_add_member(group=world["open"], user=person)
    client = client_for(person)
    ids = [
        client.post("/posts/attachments/", {"file": upload}).json()["id"]
        for upload in (png_upload(), SimpleUploadedFile("n.txt", b"notes"))
    ]
    post_actions.do_create_post(author=person, group=world["open"], body="x", attachment_ids=ids)
    assert len(bucket.objects()) == 3  # image, its thumbnail, the text file
    with django_capture_on_commit_callbacks(execute=True):
        personal.do_erase_person(actor=network_admin, user=person, policy="remove")
    assert bucket.objects() == set()


def test_personal_export_contains_the_media_from_the_bucket(world, bucket, tmp_path, run_on_commit):
    person = world["member"]
    client = client_for(person)
    image = client.post("/posts/attachments/", {"file": png_upload()}).json()
    post = post_actions.do_create_post(
        author=person, group=world["open"], body="mine", attachment_ids=[image["id"]]
    )
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=person, post=post, path=make_video(tmp_path / "v.mp4"), name="v.mp4"
        )
    video.refresh_from_db()
    response = client.post("/governance/my-data/download/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    entries = {e["id"]: e for e in data["posts"][0]["attachments"]}
    image_file = Attachment.objects.get(pk=image["id"]).file.name
    assert archive.read(entries[image["id"]]["path"]) == bucket.read(f"{PREFIX}/{image_file}")
    mp4 = bucket.read(f"{PREFIX}/{video.output_prefix}video.mp4")
    assert archive.read(entries[video.attachment_id]["path"]) == mp4
    assert sorted(archive.namelist()) == sorted(
        ["data.json", entries[image["id"]]["path"], entries[video.attachment_id]["path"]]
    )


def test_search_reads_word_documents_from_the_bucket(world, bucket):
    from docx import Document

    from torg.search.extract import extract_text

    document = Document()
    document.add_paragraph("Kvartalsrapport for lageret i Trondheim")
    out = io.BytesIO()
    document.save(out)
    upload = SimpleUploadedFile(
        "rapport.docx",
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    uploaded = client_for(world["member"]).post("/posts/attachments/", {"file": upload}).json()
    attachment = Attachment.objects.get(pk=uploaded["id"])
    assert f"{PREFIX}/{attachment.file.name}" in bucket.objects()
    assert "Kvartalsrapport for lageret i Trondheim" in extract_text(attachment)
