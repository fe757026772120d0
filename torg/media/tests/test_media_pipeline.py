# ruff: noqa: F811  (fixtures come from media_fixtures)
from __future__ import annotations

from datetime import timedelta

import av
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from torg.media import actions
from torg.media.models import Video
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    make_video,
    run_on_commit,
    world,
)
from torg.posts import actions as post_actions

pytestmark = pytest.mark.django_db


def post_with_video(world, tmp_path, run_on_commit, name="clip.mp4", **options):
    post = post_actions.do_create_post(author=world["member"], group=world["secret"], body="Watch")
    source = make_video(tmp_path / name, **options)
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["member"], post=post, path=source, name=name
        )
    video.refresh_from_db()
    return post, video


def files_of(video):
    _dirs, files = default_storage.listdir(video.output_prefix.rstrip("/"))
    return sorted(files)


def test_tiny_mp4_is_transcoded_to_mp4_hls_and_poster(world, tmp_path, run_on_commit):
    post, video = post_with_video(world, tmp_path, run_on_commit)

    assert (video.state, video.progress, video.error, video.attempts) == ("ready", 100, "", 1)
    assert (video.width, video.height, video.duration, video.has_audio) == (320, 240, 1.0, True)
    assert video.renditions == ["240p"]
    assert files_of(video) == [
        "240p.m3u8",
        "240p_0000.ts",
        "master.m3u8",
        "poster.jpg",
        "video.mp4",
    ]
    master = default_storage.open(video.output_prefix + "master.m3u8").read().decode()
    assert "RESOLUTION=320x240" in master and "240p.m3u8" in master
    assert (
        "#EXT-X-ENDLIST" in default_storage.open(video.output_prefix + "240p.m3u8").read().decode()
    )
    # The attachment now holds the clean MP4 (the source is gone), fast start: moov before mdat.
    attachment = video.attachment
    attachment.refresh_from_db()
    assert (attachment.post_id, attachment.content_type) == (post.pk, "video/mp4")
    assert attachment.file.name == video.output_prefix + "video.mp4"
    data = attachment.file.open("rb").read()
    assert attachment.size == len(data)
    assert 0 < data.find(b"moov") < data.find(b"mdat")
    with av.open(attachment.file.path) as mp4:
        assert [s.codec_context.name for s in mp4.streams] == ["h264", "aac"]
    assert not (tmp_path / "clip.mp4").exists()  # ownership was taken


def test_phone_rotation_is_applied_to_the_pixels(world, tmp_path, run_on_commit):
    _post, video = post_with_video(world, tmp_path, run_on_commit, "phone.mov", rotation=90)

    assert (video.state, video.width, video.height) == ("ready", 240, 320)
    with av.open(default_storage.path(video.output_prefix + "video.mp4")) as mp4:
        frame = next(mp4.decode(video=0))
        assert (frame.width, frame.height, frame.rotation) == (240, 320, 0)
    with Image.open(default_storage.path(video.output_prefix + "poster.jpg")) as poster:
        assert poster.size == (240, 320)
        # Turned a quarter counter-clockwise (as the display matrix says): left half at the bottom.
        top, bottom = (
            poster.convert("RGB").getpixel((120, 20)),
            poster.convert("RGB").getpixel((120, 300)),
        )
        assert top[2] > 200 and top[0] < 60
        assert bottom[0] > 200 and bottom[2] < 60


def test_hls_ladder_follows_the_source(world, tmp_path, run_on_commit):
    _post, video = post_with_video(
        world,
        tmp_path,
        run_on_commit,
        "wide.webm",
        width=1280,
        height=720,
        container="webm",
        audio=False,
    )

    assert (video.state, video.width, video.height, video.has_audio) == ("ready", 1280, 720, False)
    assert video.renditions == ["360p", "720p"]
    master = default_storage.open(video.output_prefix + "master.m3u8").read().decode()
    assert "RESOLUTION=640x360" in master and "RESOLUTION=1280x720" in master
    assert 'CODECS="avc1.640028"' in master  # no audio track announced


def test_corrupt_file_ends_in_a_clear_error_on_the_post(world, tmp_path, run_on_commit):
    good = make_video(tmp_path / "whole.mp4").read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(good[:40] + bytes(range(256)) * 8)
    post = post_actions.do_create_post(author=world["member"], group=world["secret"], body="Hm")
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["member"], post=post, path=broken, name="broken.mp4"
        )
    video.refresh_from_db()
    assert video.state == "failed"
    html = client_for(world["member"]).get(f"/posts/{post.pk}/").content.decode()
    assert "could not be processed" in html or "not a video Torg can play" in html
    assert 'role="alert"' in html


def test_stuck_video_is_reenqueued_then_given_up(world, tmp_path, run_on_commit):
    post = post_actions.do_create_post(author=world["member"], group=world["secret"], body="x")
    source = make_video(tmp_path / "stuck.mp4")
    # Not running the after-commit work: the job was "lost" (a killed worker).
    video = actions.do_attach_video_file(
        uploader=world["member"], post=post, path=source, name="stuck.mp4"
    )
    Video.objects.filter(pk=video.pk).update(attempts=1, heartbeat_at=timezone.now())
    with run_on_commit():
        assert actions.do_requeue_stuck_videos() == (0, 0)  # still fresh
    Video.objects.filter(pk=video.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with run_on_commit():
        assert actions.do_requeue_stuck_videos() == (1, 0)
    video.refresh_from_db()
    assert (video.state, video.attempts) == ("ready", 2)
    # Running the job again for a finished video changes nothing.
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    video.refresh_from_db()
    assert video.attempts == 2

    other = actions.do_attach_video_file(
        uploader=world["member"], post=post, path=make_video(tmp_path / "b.mp4"), name="b.mp4"
    )
    Video.objects.filter(pk=other.pk).update(
        attempts=3, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert actions.do_requeue_stuck_videos() == (0, 1)
    other.refresh_from_db()
    assert (other.state, other.error) == ("failed", "gave_up")
    assert "failed several times" in other.error_text


def test_post_shows_processing_until_ready(world, tmp_path):
    post = post_actions.do_create_post(author=world["member"], group=world["secret"], body="x")
    video = actions.do_attach_video_file(
        uploader=world["member"], post=post, path=make_video(tmp_path / "p.mp4"), name="p.mp4"
    )
    member = client_for(world["member"])
    html = member.get(f"/posts/{post.pk}/").content.decode()
    assert "Processing the video" in html and f"/videos/{video.token}/status/" in html
    assert "<video" not in html
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    fragment = member.get(f"/videos/{video.token}/status/").content.decode()
    assert "<video" in fragment and f"/videos/{video.token}/files/master.m3u8" in fragment
    assert "Processing" not in fragment
    html = member.get(f"/posts/{post.pk}/").content.decode()
    assert f"/videos/{video.token}/files/poster.jpg" in html
    assert "post-file-name" not in html  # the video's file is the player, not a download row


def test_purges_remove_abandoned_uploads_and_orphaned_video_files(world, tmp_path, run_on_commit):
    from torg.media.models import ChunkedUpload

    _post, video = post_with_video(world, tmp_path, run_on_commit)
    kept = post_with_video(world, tmp_path, run_on_commit, "kept.mp4")[1]
    stale = actions.do_start_upload(uploader=world["member"], name="old.mp4", size=10)
    actions.do_append_chunk(uploader=world["member"], upload=stale, offset=0, data=b"x" * 5)
    ChunkedUpload.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(days=3))
    fresh = actions.do_start_upload(uploader=world["member"], name="new.mp4", size=10)
    assert actions.do_purge_abandoned_uploads() == 1
    assert list(ChunkedUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not default_storage.exists(f"uploads/{stale.token}/000000")

    prefix = video.output_prefix
    video.attachment.delete()  # as a purge of the post does: the row cascades, files stay
    assert default_storage.exists(prefix + "master.m3u8")
    assert actions.do_purge_orphaned_video_files() == 1
    assert not default_storage.exists(prefix + "master.m3u8")
    assert default_storage.exists(kept.output_prefix + "master.m3u8")
