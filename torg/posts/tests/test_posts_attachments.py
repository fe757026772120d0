# ruff: noqa: F811  (fixtures are imported from test_posts_fixtures)
from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from torg.groups import actions as group_actions
from torg.posts import actions
from torg.posts.attachments import do_upload_attachment
from torg.posts.tests.test_posts_fixtures import (  # noqa: F401
    make_user,
    png_bytes,
    png_upload,
    text_upload,
    world,
)

pytestmark = pytest.mark.django_db


def jpeg_with_exif_orientation() -> bytes:
    image = Image.new("RGB", (600, 300), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_image_is_upright_stripped_and_thumbnailed(world):
    upload = SimpleUploadedFile("holiday.jpg", jpeg_with_exif_orientation(), "image/jpeg")
    attachment = do_upload_attachment(uploader=world["member"], upload=upload)
    assert (attachment.kind, attachment.content_type, attachment.name) == (
        "image",
        "image/jpeg",
        "holiday.jpg",
    )
    assert (attachment.width, attachment.height) == (300, 600)
    with attachment.file.open("rb") as handle, Image.open(handle) as stored:
        assert stored.size == (300, 600)
        assert dict(stored.getexif()) == {}
    assert "holiday" not in attachment.file.name
    with attachment.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.size == (300, 600)  # narrower than 480: not enlarged
    wide = do_upload_attachment(uploader=world["member"], upload=png_upload(width=1200, height=600))
    with wide.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.size == (480, 240)


def test_content_sniffing_decides_kind(world):
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", "image/png")
    attachment = do_upload_attachment(uploader=world["member"], upload=fake)
    assert (attachment.kind, attachment.content_type) == ("file", "image/png")
    real = SimpleUploadedFile("report.txt", png_bytes(), "text/plain")
    assert do_upload_attachment(uploader=world["member"], upload=real).kind == "image"


def test_refuses_bombs_and_too_large(world, settings):
    out = io.BytesIO()
    Image.new("1", (20_001, 10)).save(out, "PNG")
    with pytest.raises(ValidationError, match="too large"):
        do_upload_attachment(
            uploader=world["member"], upload=SimpleUploadedFile("bomb.png", out.getvalue())
        )
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large: at most 10"):
        do_upload_attachment(uploader=world["member"], upload=text_upload(data=b"x" * 11))
    with pytest.raises(ValidationError, match="empty"):
        do_upload_attachment(uploader=world["member"], upload=text_upload(data=b""))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_upload_endpoint_and_download_headers(world):
    member = client_for(world["member"])
    response = member.post("/posts/attachments/", {"file": text_upload("plan.html", b"<b>x</b>")})
    assert response.status_code == 201
    data = response.json()
    assert (data["kind"], data["name"], data["content_type"], data["size"]) == (
        "file",
        "plan.html",
        "text/html",
        8,
    )
    download = member.get(data["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="plan.html"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-cache"
    assert b"".join(download.streaming_content) == b"<b>x</b>"
    # Not attached yet: only the uploader can fetch it.
    assert client_for(world["admin"]).get(data["url"]).status_code == 404
    image = member.post("/posts/attachments/", {"file": png_upload()}).json()
    shown = member.get(image["url"])
    assert (shown["Content-Type"], shown["Content-Disposition"]) == (
        "image/png",
        'inline; filename="photo.png"',
    )
    assert member.get(image["thumbnail_url"]).status_code == 200
    assert member.post("/posts/attachments/", {}).status_code == 400


def test_removed_member_loses_secret_files_at_once(world):
    attachment = do_upload_attachment(uploader=world["admin"], upload=png_upload())
    actions.do_create_post(
        author=world["admin"], group=world["secret"], body="", attachment_ids=[attachment.pk]
    )
    member = client_for(world["member"])
    url = f"/posts/attachments/{attachment.pk}/"
    assert member.get(url).status_code == 200
    assert client_for(world["outsider"]).get(url).status_code == 404
    assert client_for(world["guest"]).get(url).status_code == 404
    group_actions.do_remove_member(
        actor=world["admin"], group=world["secret"], user=world["member"]
    )
    assert member.get(url).status_code == 404
    assert member.get(f"/posts/attachments/{attachment.pk}/thumbnail/").status_code == 404
    assert member.get("/posts/attachments/99999999/").status_code == 404
