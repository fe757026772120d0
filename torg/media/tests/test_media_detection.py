# ruff: noqa: F811  (fixtures come from media_fixtures)
"""The upload corpus: each file gets a clear refusal or safe handling, decided by content."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from torg.media.detect import check_gif_frames, sniff_container
from torg.media.models import Video
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    gif_bytes,
    make_user,
    run_on_commit,
    video_bytes,
    world,
)
from torg.posts.attachments import do_upload_attachment

pytestmark = pytest.mark.django_db


def upload(world, name, data, content_type="application/octet-stream"):
    return do_upload_attachment(
        uploader=world["member"], upload=SimpleUploadedFile(name, data, content_type)
    )


def test_html_named_jpg_is_a_file_that_only_downloads(world):
    attachment = upload(
        world, "cat.jpg", b"<html><script>alert(document.cookie)</script>", "image/jpeg"
    )
    assert attachment.kind == "file"
    response = client_for(world["member"]).get(f"/posts/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_svg_with_script_downloads_as_attachment(world):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    attachment = upload(world, "logo.svg", svg, "image/svg+xml")
    assert attachment.kind == "file"
    response = client_for(world["member"]).get(f"/posts/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="logo.svg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_polyglot_gif_html_is_reencoded_without_the_html(world):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(image, "GIF")
    polyglot = image.getvalue() + b"<script>alert(1)</script>"
    attachment = upload(world, "x.html", polyglot)
    assert (attachment.kind, attachment.content_type) == ("image", "image/png")
    assert b"<script>" not in attachment.file.open("rb").read()


def test_gif_frame_bomb_is_refused_without_decoding(world, settings):
    settings.GIF_MAX_FRAMES = 50
    bomb = gif_bytes(60)
    assert check_gif_frames(gif_bytes(3), max_frames=50, max_total_pixels=10**9) == 3
    with pytest.raises(ValidationError, match="too many frames: at most 50"):
        upload(world, "party.gif", bomb, "image/gif")
    assert upload(world, "ok.gif", gif_bytes(10), "image/gif").kind == "image"


def test_pixel_bomb_and_huge_dimensions_are_refused(world):
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG")  # 900 megapixels, tiny file
    with pytest.raises(ValidationError, match="too large"):
        upload(world, "bomb.png", out.getvalue(), "image/png")


def test_video_is_recognised_by_content_whatever_its_name(world, tmp_path, run_on_commit):
    with run_on_commit():
        attachment = upload(world, "notes.txt", video_bytes(tmp_path), "text/plain")
    assert (attachment.kind, attachment.content_type) == ("file", "video/mp4")
    video = Video.objects.get(attachment=attachment)
    assert video.state == "ready"
    webm = upload(world, "clip.bin", video_bytes(tmp_path, "c.webm", container="webm"))
    assert webm.content_type == "video/webm"


def test_truncated_or_fake_videos_are_plain_files(world, tmp_path):
    whole = video_bytes(tmp_path)
    truncated = upload(world, "cut.mp4", whole[:300], "video/mp4")
    fake = upload(world, "fake.mp4", b"\x00\x00\x00\x18ftypisom" + b"junk" * 50, "video/mp4")
    playlist = upload(world, "x.mp4", b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "video/mp4")
    for attachment in (truncated, fake, playlist):
        assert attachment.kind == "file"
        assert not Video.objects.filter(attachment=attachment).exists()
    assert sniff_container(b"#EXTM3U\nhttp://internal/") is None
    assert sniff_container(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") is None  # a photo


def test_quota_is_enforced_for_every_upload(world, settings):
    settings.MEDIA_QUOTA_BYTES = 1000
    upload(world, "a.txt", b"x" * 600)
    with pytest.raises(ValidationError, match="storage quota of 1000"):
        upload(world, "b.txt", b"x" * 500)
    # Someone else's uploads do not count against this person.
    do_upload_attachment(
        uploader=world["admin"], upload=SimpleUploadedFile("c.txt", b"x" * 900, "text/plain")
    )
