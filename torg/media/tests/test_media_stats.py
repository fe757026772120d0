# ruff: noqa: F811  (fixtures come from media_fixtures)
"""View statistics, captions, and every media API operation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from torg.groups import actions as group_actions
from torg.media import actions, selectors
from torg.media.models import Video, VideoView
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    make_video,
    run_on_commit,
    world,
)
from torg.posts import actions as post_actions

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHei og velkommen\n"


@pytest.fixture
def video(world, tmp_path, run_on_commit):
    """A ready video by the member in the closed group (the admin administers the group)."""
    post = post_actions.do_create_post(author=world["member"], group=world["closed"], body="Demo")
    with run_on_commit():
        made = actions.do_attach_video_file(
            uploader=world["member"], post=post, path=make_video(tmp_path / "s.mp4"), name="s.mp4"
        )
    made.refresh_from_db()
    return made


def seed(video, world):
    rows = [
        (world["member"], "k1", 10.0, (1 << 20) - 1),  # watched it all (twice)
        (world["member"], "k2", 4.0, (1 << 10) - 1),  # the first half
        (world["admin"], "k3", 6.0, 0x1F | (0x1F << 15)),  # start, skipped to the end
        (world["guest"], "k4", 2.0, 0x3),  # under 3 seconds: not a view
    ]
    VideoView.objects.bulk_create(
        VideoView(video=video, viewer=viewer, key=key, watched_seconds=watched, buckets=buckets)
        for viewer, key, watched, buckets in rows
    )


def test_stats_math_is_exact(world, video):
    seed(video, world)
    stats = selectors.video_stats(video)
    assert (stats.views, stats.unique_viewers, stats.average_seconds) == (3, 2, 6.7)
    assert stats.completion_rate == pytest.approx(2 / 3)
    assert stats.retention == pytest.approx([1.0] * 5 + [2 / 3] * 5 + [1 / 3] * 5 + [2 / 3] * 5)
    assert stats.all_playbacks == 4


def test_stats_page_for_author_and_group_admin_only(world, video, make_user):
    seed(video, world)
    url = f"/videos/{video.token}/stats/"
    for person in ("member", "admin"):
        page = client_for(world[person]).get(url)
        assert page.status_code == 200, person
        html = page.content.decode()
        assert '<span class="stats-number" data-stat="views">3</span>' in html
        assert '<span class="stats-number" data-stat="completion">67 %</span>' in html
        assert '<polyline class="line" points="' in html
    viewer = make_user("Vera Viewer")
    group_actions.do_add_member(group=video.attachment.post.group, user=viewer)
    assert client_for(viewer).get(f"/videos/{video.token}/status/").status_code == 200
    assert client_for(viewer).get(url).status_code == 404
    assert client_for(world["outsider"]).get(url).status_code == 404
    api = client_for(viewer).get(f"/api/v1/media/videos/{video.token}/stats")
    assert api.status_code == 404
    data = client_for(world["admin"]).get(f"/api/v1/media/videos/{video.token}/stats").json()
    assert (data["views"], data["unique_viewers"], data["average_seconds"]) == (3, 2, 6.7)


def test_beacon_records_running_totals(world, video):
    member = client_for(world["member"])
    beacon = f"/api/v1/media/videos/{video.token}/views"
    first = member.post(
        beacon, {"key": "playback-1", "watched": "1.5", "position": "0.6", "buckets": "3"}
    )
    assert first.json() == {"watched_seconds": 1.5, "counted": False}
    second = member.post(
        beacon, {"key": "playback-1", "watched": "3.2", "position": "0.4", "buckets": "12"}
    )
    assert second.json() == {"watched_seconds": 3.2, "counted": True}
    # A late, smaller report does not lower anything; impossible values are clamped.
    member.post(
        beacon, {"key": "playback-1", "watched": "1", "position": "99", "buckets": str(1 << 30)}
    )
    view = VideoView.objects.get()
    assert (view.viewer_id, view.watched_seconds, view.max_position, view.buckets) == (
        world["member"].pk,
        3.2,
        1.0,
        15,
    )
    assert member.post(beacon, {"key": "x"}).json() == {"detail": "The playback key is not valid."}
    assert client_for(world["outsider"]).post(beacon, {"key": "playback-2"}).status_code == 404
    assert VideoView.objects.count() == 1


def test_captions_are_validated_and_served_as_tracks(world, video, make_user):
    member = client_for(world["member"])
    url = f"/api/v1/media/videos/{video.token}/captions"
    added = member.post(
        url, {"language": "nb", "label": "Norsk", "file": SimpleUploadedFile("nb.vtt", VTT)}
    )
    assert added.status_code == 201
    caption = added.json()
    assert (caption["language"], caption["label"]) == ("nb", "Norsk")
    track = member.get(caption["url"])
    assert track["Content-Type"] == "text/vtt; charset=utf-8"
    assert b"".join(track.streaming_content).startswith(b"WEBVTT")
    html = member.get(f"/posts/{video.attachment.post_id}/").content.decode()
    assert f'<track kind="captions" srclang="nb" label="Norsk" src="{caption["url"]}">' in html
    for bad, message in [
        (b"<script>alert(1)</script>", "must start with"),
        (b"WEBVTT\n\n1 --> 2\nx\n", "cue time is not valid"),
        (b"WEBVTT\n", "no cues"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n\xe6".encode("latin-1"), "UTF-8"),
    ]:
        refused = member.post(url, {"language": "en", "file": SimpleUploadedFile("x.vtt", bad)})
        assert refused.status_code == 400
        assert message in refused.json()["detail"]
    bad_language = member.post(url, {"language": "../x", "file": SimpleUploadedFile("x.vtt", VTT)})
    assert "language" in bad_language.json()["detail"]
    other = make_user("Otto Other")
    group_actions.do_add_member(group=video.attachment.post.group, user=other)
    assert (
        client_for(other)
        .post(url, {"language": "en", "file": SimpleUploadedFile("x.vtt", VTT)})
        .status_code
        == 404
    )
    # The form on the statistics page does the same.
    page = member.post(
        f"/videos/{video.token}/captions/",
        {"language": "en", "label": "English", "file": SimpleUploadedFile("en.vtt", VTT)},
        follow=True,
    )
    assert "Captions added." in page.content.decode()
    video.refresh_from_db()
    assert [t["language"] for t in video.tracks] == ["en", "nb"]
    # Leaving the group: the captions go with the video.
    group_actions.do_remove_member(
        actor=world["admin"], group=video.attachment.post.group, user=world["member"]
    )
    assert client_for(world["outsider"]).get(caption["url"]).status_code == 404


def test_video_status_api(world, video, tmp_path):
    data = client_for(world["member"]).get(f"/api/v1/media/videos/{video.token}").json()
    assert data["state"] == "ready"
    assert (data["width"], data["height"], data["duration"]) == (320, 240, 1.0)
    assert data["hls_url"] == f"/videos/{video.token}/files/master.m3u8"
    assert data["captions"] == []
    pending = actions.do_attach_video_file(
        uploader=world["member"], post=None, path=make_video(tmp_path / "u.mp4"), name="u.mp4"
    )
    mine = client_for(world["member"]).get(f"/api/v1/media/videos/{pending.token}").json()
    assert (mine["state"], mine["progress"], mine["hls_url"]) == ("processing", 0, None)
    # An unattached upload is its uploader's alone.
    assert (
        client_for(world["admin"]).get(f"/api/v1/media/videos/{pending.token}").status_code == 404
    )
    Video.objects.filter(pk=pending.pk).update(state="failed", error="damaged")
    failed = client_for(world["member"]).get(f"/api/v1/media/videos/{pending.token}").json()
    assert "could not be processed" in failed["error"]
