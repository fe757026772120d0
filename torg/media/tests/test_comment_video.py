"""Videos on comments: the same pipeline as on posts (processing, player, clear error), the
comment's player does not start by itself, the comment API carries the video's state and URLs,
access follows the comment's post, and the comment pages keep their query counts."""

# ruff: noqa: F811  (fixtures come from media_fixtures)
from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.groups import actions as group_actions
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
from torg.posts import comment_actions
from torg.posts.selectors import post_detail

pytestmark = pytest.mark.django_db


def upload_video(world, tmp_path, name="clip.mp4", **options) -> Video:
    """The member's unattached video upload (its transcoding task is left to the test)."""
    return actions.do_attach_video_file(
        uploader=world["member"],
        post=None,
        path=make_video(tmp_path / name, **options),
        name=name,
    )


def comment_with_video(world, post, video, body="Look at this"):
    return comment_actions.do_create_comment(
        actor=world["member"], post=post, body=body, attachment_ids=[video.attachment_id]
    )


def secret_post(world):
    return post_actions.do_create_post(author=world["admin"], group=world["secret"], body="Q?")


def api(user, method: str, url: str, data: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {}
    if data is not None:
        kwargs = {"data": json.dumps(data), "content_type": "application/json"}
    response = getattr(client_for(user), method)(url, **kwargs)
    return response.status_code, (response.json() if response.content else None)


def test_comment_video_is_processed_then_plays_in_the_thread(world, tmp_path):
    post = secret_post(world)
    video = upload_video(world, tmp_path)
    comment = comment_with_video(world, post, video)
    admin = client_for(world["admin"])

    html = admin.get(f"/posts/{post.pk}/comments/").content.decode()
    assert "Processing the video" in html and f"/videos/{video.token}/status/" in html
    assert "<video" not in html

    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    for url in (f"/posts/{post.pk}/comments/", f"/posts/{post.pk}/"):
        html = admin.get(url).content.decode()
        assert html.count("<video") == 1, url
        assert 'id="comment-' in html
        player = html[html.index("<video") : html.index("</video>")]
        assert f"/videos/{video.token}/files/master.m3u8" in player
        assert f"/videos/{video.token}/files/poster.jpg" in player
        assert f'src="/videos/{video.token}/files/video.mp4"' in player
        # A comment's player waits for play, with sound, and loads nothing before.
        assert 'data-autoplay="off"' in player and 'preload="none"' in player
        assert " muted" not in player
        assert "post-file-name" not in html  # the video is the player, not a download row
    # The comment partial (realtime fetches it) and the polling fragment show the same player.
    fragment = admin.get(f"/posts/comments/{comment.pk}/", HTTP_HX_REQUEST="true")
    assert 'data-autoplay="off"' in fragment.content.decode()
    status = admin.get(f"/videos/{video.token}/status/").content.decode()
    assert "video-card-comment" in status and 'data-autoplay="off"' in status
    # Files play for readers of the post.
    response = admin.get(f"/videos/{video.token}/files/video.mp4", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206


def test_post_videos_still_autoplay_muted(world, tmp_path, run_on_commit):
    post = secret_post(world)
    with run_on_commit():
        video = actions.do_attach_video_file(
            uploader=world["admin"], post=post, path=make_video(tmp_path / "p.mp4"), name="p.mp4"
        )
    html = client_for(world["member"]).get(f"/posts/{post.pk}/").content.decode()
    player = html[html.index("<video") : html.index("</video>")]
    assert f"/videos/{video.token}/files/" in player
    assert " muted " in player and 'data-autoplay="off"' not in player
    # The post API carries the same video representation as the comment API.
    status, card = api(world["member"], "get", f"/api/v1/posts/{post.pk}")
    assert status == 200 and card["attachments"] == []
    assert [(v["token"], v["state"], v["mp4_url"]) for v in card["videos"]] == [
        (video.token, "ready", f"/videos/{video.token}/files/video.mp4")
    ]


def test_damaged_comment_video_ends_with_a_clear_message(world, tmp_path):
    post = secret_post(world)
    video = upload_video(world, tmp_path)
    comment_with_video(world, post, video)
    # The stored source gets damaged before the job runs: a valid start, then garbage.
    name = video.attachment.file.name
    good = default_storage.open(name).read()
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(good[:40] + bytes(range(256)) * 8)) == name

    assert actions.do_transcode_video(video_id=video.pk) == "failed"

    html = client_for(world["admin"]).get(f"/posts/{post.pk}/comments/").content.decode()
    assert "the file is damaged or in a format Torg cannot" in html
    assert "<video" not in html and "Processing the video" not in html
    _status, page = api(world["admin"], "get", f"/api/v1/posts/{post.pk}/comments")
    [shown] = page["items"][0]["videos"]
    assert shown["state"] == "failed" and "damaged" in shown["error"]
    assert shown["hls_url"] is None and shown["mp4_url"] is None


def test_comment_api_carries_the_video_state_and_urls(world, tmp_path):
    post = secret_post(world)
    video = upload_video(world, tmp_path)

    status, created = api(
        world["member"],
        "post",
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "Here", "attachment_ids": [video.attachment_id]},
    )
    assert status == 201
    assert created["attachments"] == []
    assert [(v["token"], v["state"], v["progress"], v["mp4_url"]) for v in created["videos"]] == [
        (video.token, "processing", 0, None)
    ]

    actions.do_transcode_video(video_id=video.pk)
    status, page = api(world["admin"], "get", f"/api/v1/posts/{post.pk}/comments")
    assert status == 200
    [item] = page["items"]
    assert item["attachments"] == []
    [shown] = item["videos"]
    files = f"/videos/{video.token}/files/"
    assert shown == {
        "token": video.token,
        "state": "ready",
        "progress": 100,
        "error": "",
        "width": 320,
        "height": 240,
        "duration": 1.0,
        "poster_url": files + "poster.jpg",
        "hls_url": files + "master.m3u8",
        "mp4_url": files + "video.mp4",
        "captions": [],
    }
    # The same representation as the media API's own.
    assert api(world["admin"], "get", f"/api/v1/media/videos/{video.token}")[1] == shown
    # Editing the text keeps the video.
    status, edited = api(
        world["member"], "patch", f"/api/v1/posts/comments/{item['id']}", {"body": "Here!"}
    )
    assert status == 200 and [v["token"] for v in edited["videos"]] == [video.token]


def test_comment_video_access_follows_the_post(world, tmp_path):
    post = secret_post(world)
    video = upload_video(world, tmp_path)
    comment = comment_with_video(world, post, video)
    actions.do_transcode_video(video_id=video.pk)
    outsider = client_for(world["outsider"])
    member = client_for(world["member"])
    urls = [
        f"/videos/{video.token}/files/video.mp4",
        f"/videos/{video.token}/files/master.m3u8",
        f"/videos/{video.token}/files/240p_0000.ts",
        f"/videos/{video.token}/status/",
        f"/api/v1/media/videos/{video.token}",
        f"/posts/attachments/{video.attachment_id}/",
    ]
    nonexistent = outsider.get("/videos/" + "x" * 32 + "/files/video.mp4")
    for url in urls:
        assert outsider.get(url).status_code == nonexistent.status_code == 404, url
    assert member.get(urls[2]).status_code == 200

    group_actions.do_leave_group(actor=world["member"], group=world["secret"])

    # The next segment is refused at once, like every other URL of the video.
    for url in urls:
        assert member.get(url).status_code == 404, url
    assert api(world["member"], "get", f"/api/v1/posts/{post.pk}/comments")[0] == 404
    assert comment.pk  # the comment and its video stay for those who still read the post
    assert client_for(world["admin"]).get(urls[2]).status_code == 200


def test_deleted_comment_shows_no_video(world, tmp_path):
    post = secret_post(world)
    video = upload_video(world, tmp_path)
    comment = comment_with_video(world, post, video)
    comment_actions.do_create_comment(
        actor=world["admin"], post=post, body="reply", parent_id=comment.pk
    )
    actions.do_transcode_video(video_id=video.pk)
    comment_actions.do_delete_comment(actor=world["member"], comment=comment)

    html = client_for(world["admin"]).get(f"/posts/{post.pk}/comments/").content.decode()
    assert "Comment deleted" in html and "<video" not in html
    _status, page = api(world["admin"], "get", f"/api/v1/posts/{post.pk}/comments")
    assert page["items"][0]["deleted"] is True and page["items"][0]["videos"] == []


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_comment_pages_query_counts(world, tmp_path, django_assert_num_queries):
    post = secret_post(world)
    for i in range(3):
        comment_actions.do_create_comment(actor=world["member"], post=post, body=f"plain {i}")
    admin = client_for(world["admin"])
    thread = f"/posts/{post.pk}/comments/"
    listing = f"/api/v1/posts/{post.pk}/comments"
    plain_thread, plain_api = _count(admin, thread), _count(admin, listing)

    # Comments without attachments: the media step costs no query.
    page = comment_actions.comments_page(world["admin"], post)
    with django_assert_num_queries(0):
        comment_actions.attach_comment_media(page.comments, world["admin"])
    assert [c.card_videos for c in page.comments] == [[], [], []]

    # Video comments (top level and a reply): one query for all of them...
    first = comment_with_video(world, post, upload_video(world, tmp_path, "a.mp4"))
    comment_actions.do_create_comment(
        actor=world["member"],
        post=post,
        body="reply",
        parent_id=first.pk,
        attachment_ids=[upload_video(world, tmp_path, "b.mp4").attachment_id],
    )
    with_two = (_count(admin, thread), _count(admin, listing))
    assert with_two == (plain_thread + 1, plain_api + 1)
    # ...however many there are.
    for name in ("c.mp4", "d.mp4", "e.mp4"):
        comment_with_video(world, post, upload_video(world, tmp_path, name))
    assert (_count(admin, thread), _count(admin, listing)) == with_two
    html = admin.get(thread).content.decode()
    assert html.count('class="video-card video-card-comment"') == 5


def test_post_card_query_count_is_unchanged_by_comment_videos(
    world, tmp_path, django_assert_num_queries
):
    post = secret_post(world)
    comment_actions.do_create_comment(actor=world["member"], post=post, body="plain")
    with CaptureQueriesContext(connection) as plain:
        post_detail(world["member"], post.pk)

    for name in ("a.mp4", "b.mp4"):  # the card shows the latest two comments: both videos
        comment_with_video(world, post, upload_video(world, tmp_path, name))
    with django_assert_num_queries(len(plain.captured_queries)):
        card = post_detail(world["member"], post.pk)
        latest = card.prefetched_latest_comments
        tokens = [[v.token for v in c.card_videos] for c in latest]
        names = [v.attachment.name for c in latest for v in c.card_videos]
    assert [len(t) for t in tokens] == [1, 1] and names == ["a.mp4", "b.mp4"]
    assert [c.card_can_manage_videos for c in latest] == [True, True]  # the author's
    assert card.card_videos == [] and card.card_files == []
