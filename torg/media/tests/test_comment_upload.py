"""A comment's video: uploaded through the resumable API (as the comment box's "Attach" does) and
sent with the comment form; gone (404, like a video that never existed) once the comment is
deleted; managed by whoever may delete the comment."""

# ruff: noqa: F811  (fixtures come from media_fixtures)
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from torg.groups.models import Membership
from torg.media import actions
from torg.media.access import can_manage_video
from torg.media.models import Video, VideoCaption
from torg.media.tests.media_fixtures import (  # noqa: F401
    client_for,
    make_user,
    make_video,
    world,
)
from torg.posts import actions as post_actions
from torg.posts import comment_actions
from torg.posts.models import Comment, Post
from torg.posts.tests.test_posts_fixtures import add_member

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"


def _resumable_upload(client: Client, data: bytes, name: str) -> dict[str, Any]:
    """What upload.js does: start, send the chunks at their offsets, complete."""
    started = client.post(
        "/api/v1/media/uploads",
        json.dumps({"name": name, "size": len(data)}),
        content_type="application/json",
    )
    assert started.status_code == 201, started.content
    state = started.json()
    offset = 0
    while offset < len(data):
        chunk = data[offset : offset + state["chunk_size"]]
        sent = client.put(
            f"/api/v1/media/uploads/{state['token']}?offset={offset}",
            chunk,
            content_type="application/octet-stream",
        )
        assert sent.status_code == 200, sent.content
        offset = sent.json()["offset"]
    done = client.post(f"/api/v1/media/uploads/{state['token']}/complete")
    assert done.status_code == 201, done.content
    return done.json()


def test_video_from_the_comment_box_is_processed_then_plays(world, tmp_path, settings, make_user):
    settings.UPLOAD_CHUNK_BYTES = 1024
    post = post_actions.do_create_post(author=world["admin"], group=world["secret"], body="Q?")
    top = comment_actions.do_create_comment(actor=world["admin"], post=post, body="Top")
    member = client_for(world["member"])
    data = make_video(tmp_path / "site.mp4").read_bytes()
    assert len(data) > 2 * 1024  # several chunks

    done = _resumable_upload(member, data, "site.mp4")
    assert done["video"]["state"] in ("processing", "ready")
    attachment_id = done["attachment"]["id"]

    # A reply from the reply form (htmx), carrying the upload as the comment form's field.
    answer = member.post(
        f"/posts/{post.pk}/comments/",
        {"body": "From the site", "parent": top.pk, "attachments": [attachment_id]},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    reply = Comment.objects.get(parent=top)
    video = Video.objects.get(attachment_id=attachment_id)
    assert video.attachment.comment_id == reply.pk
    assert video.attachment.size == len(data)
    html = answer.content.decode()
    assert f'hx-swap-oob="beforeend:#comment-{top.pk}-replies"' in html
    # The transcoding task runs after the commit (none in this test): "processing" is shown.
    assert video.state == "processing"
    assert "Processing the video" in html and f"/videos/{video.token}/status/" in html
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    page = client_for(world["admin"]).get(f"/posts/{post.pk}/comments/").content.decode()
    assert page.count("<video") == 1
    assert f"/videos/{video.token}/files/master.m3u8" in page
    # The group's admin manages the reply's video (statistics and captions) from the thread.
    assert f'href="/videos/{video.token}/stats/"' in page
    reader_page = client_for(world["member"]).get(f"/posts/{post.pk}/comments/").content.decode()
    assert f'href="/videos/{video.token}/stats/"' in reader_page  # the author's own
    other = make_user("Ola Reader")
    add_member(world["secret"], other)
    other_page = client_for(other).get(f"/posts/{post.pk}/comments/").content.decode()
    assert other_page.count("<video") == 1 and "/stats/" not in other_page


def _comment_video(world: dict[str, Any], tmp_path: Any, group: str = "secret") -> Video:
    post = post_actions.do_create_post(author=world["admin"], group=world[group], body="Q?")
    video = actions.do_attach_video_file(
        uploader=world["member"],
        post=None,
        path=make_video(tmp_path / "clip.mp4"),
        name="clip.mp4",
    )
    comment_actions.do_create_comment(
        actor=world["member"], post=post, body="Clip", attachment_ids=[video.attachment_id]
    )
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    video.refresh_from_db()
    return video


def test_deleted_comments_video_is_gone_for_everyone(world, tmp_path):
    video = _comment_video(world, tmp_path)
    caption = actions.do_add_caption(
        actor=world["member"], video=video, language="en", label="English", data=VTT
    )
    urls = [
        f"/videos/{video.token}/files/video.mp4",
        f"/videos/{video.token}/files/master.m3u8",
        f"/videos/{video.token}/files/240p_0000.ts",
        f"/videos/{video.token}/files/poster.jpg",
        f"/videos/{video.token}/captions/{caption.pk}.vtt",
        f"/videos/{video.token}/status/",
        f"/videos/{video.token}/stats/",
        f"/api/v1/media/videos/{video.token}",
        f"/api/v1/media/videos/{video.token}/stats",
        f"/posts/attachments/{video.attachment_id}/",
    ]
    author, admin = client_for(world["member"]), client_for(world["admin"])
    for client in (author, admin):
        assert [client.get(url).status_code for url in urls] == [200] * len(urls)

    comment = Comment.objects.get(pk=video.attachment.comment_id)
    comment_actions.do_delete_comment(actor=world["member"], comment=comment)

    never = "/videos/" + "x" * 32 + "/files/video.mp4"
    for client in (author, admin, client_for(world["outsider"])):
        assert client.get(never).status_code == 404
        assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    # Nor can captions be added to it any more.
    refused = author.post(
        f"/api/v1/media/videos/{video.token}/captions",
        {"language": "nb", "file": _vtt_file()},
    )
    assert refused.status_code == 404
    assert VideoCaption.objects.filter(video=video).count() == 1

    # Live again (the files were kept), it plays again.
    Comment.objects.filter(pk=comment.pk).update(deleted_at=None)
    assert admin.get(urls[2]).status_code == 200


def _vtt_file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("nb.vtt", VTT, content_type="text/vtt")


def test_who_manages_a_comments_video(world, tmp_path, make_user):
    """Whoever may delete the comment: its author, the group's admins and moderators, network
    admins; not other members, nor the post's author as such."""
    moderator, reader = make_user("Mo"), make_user("Rea")
    network_admin = make_user("Net", is_staff=True)
    add_member(world["secret"], moderator, Membership.Role.MODERATOR)
    add_member(world["secret"], reader)
    post_author = make_user("Pia")
    add_member(world["secret"], post_author)
    video = _comment_video(world, tmp_path)
    # The post is the admin's; move authorship to a plain member to tell the two rules apart.
    Post.objects.filter(pk=video.attachment.comment.post_id).update(author=post_author)
    video = Video.objects.select_related("attachment__comment__post").get(pk=video.pk)

    expected = {
        "member": True,  # the comment's author
        "admin": True,  # the group's admin
        "moderator": True,
        "network_admin": True,
        "reader": False,
        "post_author": False,
        "outsider": False,
    }
    people = {
        "member": world["member"],
        "admin": world["admin"],
        "moderator": moderator,
        "network_admin": network_admin,
        "reader": reader,
        "post_author": post_author,
        "outsider": world["outsider"],
    }
    comment = video.attachment.comment
    for name, person in people.items():
        assert can_manage_video(person, video) is expected[name], name
        assert comment_actions.can_delete_comment(person, comment) is expected[name], name

    # Through the API: the group's admin adds captions and reads the statistics; a member who
    # only reads the post gets the 404 a nonexistent video gets.
    added = client_for(world["admin"]).post(
        f"/api/v1/media/videos/{video.token}/captions",
        {"language": "nb", "label": "Norsk", "file": _vtt_file()},
    )
    assert added.status_code == 201, added.content
    assert client_for(moderator).get(f"/videos/{video.token}/stats/").status_code == 200
    for url in (f"/videos/{video.token}/stats/", f"/api/v1/media/videos/{video.token}/stats"):
        assert client_for(reader).get(url).status_code == 404
    refused = client_for(reader).post(
        f"/api/v1/media/videos/{video.token}/captions", {"language": "en", "file": _vtt_file()}
    )
    assert refused.status_code == 404
    assert VideoCaption.objects.filter(video=video).count() == 1


def test_post_video_management_is_unchanged(world, tmp_path, make_user):
    moderator = make_user("Mo")
    add_member(world["open"], moderator, Membership.Role.MODERATOR)
    post = post_actions.do_create_post(author=world["member"], group=world["open"], body="Clip")
    video = actions.do_attach_video_file(
        uploader=world["member"], post=post, path=make_video(tmp_path / "p.mp4"), name="p.mp4"
    )
    video = Video.objects.select_related("attachment__post").get(pk=video.pk)
    assert can_manage_video(world["member"], video) is True
    assert can_manage_video(world["admin"], video) is True
    assert can_manage_video(moderator, video) is False
    assert can_manage_video(world["outsider"], video) is False
