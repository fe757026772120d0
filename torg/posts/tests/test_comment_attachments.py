"""Files on comments: a deleted comment's files answer 404 to everyone, exactly like files that
never existed (as a deleted post's do), and come back when the comment is live again; the
comment form keeps its attachments when a submit fails, and takes alt text for pictures."""

# ruff: noqa: F811  (fixtures come from test_posts_fixtures)
from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from torg.accounts.models import User
from torg.groups.models import Membership
from torg.posts import actions as post_actions
from torg.posts import comment_actions
from torg.posts.attachments import do_upload_attachment
from torg.posts.models import Attachment, Comment
from torg.posts.tests.test_posts_fixtures import (  # noqa: F401
    add_member,
    make_user,
    png_upload,
    text_upload,
    world,
)

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _comment_with_files(world: dict[str, Any], group: str = "secret") -> tuple[Comment, list[str]]:
    """The member's comment with a picture and a text file, and the URLs of those files."""
    post = post_actions.do_create_post(author=world["admin"], group=world[group], body="Plan?")
    image = do_upload_attachment(uploader=world["member"], upload=png_upload())
    notes = do_upload_attachment(uploader=world["member"], upload=text_upload())
    comment = comment_actions.do_create_comment(
        actor=world["member"], post=post, body="Here", attachment_ids=[image.pk, notes.pk]
    )
    urls = [
        f"/posts/attachments/{image.pk}/",
        f"/posts/attachments/{image.pk}/thumbnail/",
        f"/posts/attachments/{notes.pk}/",
    ]
    return comment, urls


def _page(response: Any) -> str:
    """The page without its CSRF token (masked afresh for every response)."""
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _answers(client: Client, urls: list[str]) -> list[int]:
    return [client.get(url).status_code for url in urls]


def test_deleted_comments_files_look_nonexistent_to_everyone(world):
    comment, urls = _comment_with_files(world)
    readers = [client_for(world["member"]), client_for(world["admin"])]
    for reader in readers:
        assert _answers(reader, urls) == [200, 200, 200]

    comment_actions.do_delete_comment(actor=world["member"], comment=comment)

    # The author, the group's admin (who reads the post) and an outsider: each gets the page
    # a file that never existed gets.
    for reader in [*readers, client_for(world["outsider"])]:
        nonexistent = reader.get("/posts/attachments/99999999/")
        assert nonexistent.status_code == 404
        for url in urls:
            answer = reader.get(url)
            assert answer.status_code == 404, url
            assert _page(answer) == _page(nonexistent), url
    # The rows and files stay (nothing is destroyed by a soft delete).
    assert Attachment.objects.filter(comment=comment).count() == 2


def test_comment_deleted_by_a_moderator_takes_its_files_too(world, make_user):
    moderator = make_user("Mo Moderator")
    add_member(world["open"], moderator, Membership.Role.MODERATOR)
    comment, urls = _comment_with_files(world, group="open")
    assert _answers(client_for(world["outsider"]), urls) == [200, 200, 200]  # an open group

    comment_actions.do_delete_comment(actor=moderator, comment=comment)

    for user in ("outsider", "member", "admin"):
        assert _answers(client_for(world[user]), urls) == [404, 404, 404], user


def test_files_come_back_with_the_comment(world):
    """A deleted comment's files are kept: when it is live again, they are served again (the
    same rule as a post's files around delete and restore, below)."""
    comment, urls = _comment_with_files(world)
    member = client_for(world["member"])
    comment_actions.do_delete_comment(actor=world["member"], comment=comment)
    assert _answers(member, urls) == [404, 404, 404]
    Comment.objects.filter(pk=comment.pk).update(deleted_at=None)
    assert _answers(member, urls) == [200, 200, 200]


def test_deleted_and_restored_post_hides_then_shows_its_comments_files(world):
    comment, urls = _comment_with_files(world)
    admin, member = client_for(world["admin"]), client_for(world["member"])
    post_actions.do_delete_post(actor=world["admin"], post=comment.post)
    assert _answers(admin, urls) == _answers(member, urls) == [404, 404, 404]
    post_actions.do_restore_post(actor=world["admin"], post=comment.post)
    assert _answers(admin, urls) == _answers(member, urls) == [200, 200, 200]


def test_a_live_reply_keeps_its_files_under_a_deleted_parent(world):
    """Deleting a top-level comment hides its own files, not those of its replies."""
    parent, parent_urls = _comment_with_files(world)
    photo = do_upload_attachment(uploader=world["admin"], upload=png_upload("reply.png"))
    comment_actions.do_create_comment(
        actor=world["admin"],
        post=parent.post,
        body="And mine",
        parent_id=parent.pk,
        attachment_ids=[photo.pk],
    )
    comment_actions.do_delete_comment(actor=world["member"], comment=parent)
    member = client_for(world["member"])
    assert _answers(member, parent_urls) == [404, 404, 404]
    assert member.get(f"/posts/attachments/{photo.pk}/").status_code == 200


# --- the comment form ------------------------------------------------------------------------


def _htmx(client: Client, url: str, data: dict[str, Any]) -> str:
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_failed_submit_keeps_the_text_and_the_attachments(world):
    post = post_actions.do_create_post(author=world["admin"], group=world["open"], body="Q?")
    member = client_for(world["member"])
    image = do_upload_attachment(uploader=world["member"], upload=png_upload("site.png"))
    video_like = do_upload_attachment(uploader=world["member"], upload=text_upload("notes.txt"))
    other = do_upload_attachment(uploader=world["admin"], upload=text_upload("not-yours.txt"))

    html = _htmx(
        member,
        f"/posts/{post.pk}/comments/",
        {"body": "x" * 5001, "attachments": [image.pk, video_like.pk]},
    )
    assert "A comment can be at most 5000 characters" in html
    for kept in (image, video_like):
        assert f'name="attachments" value="{kept.pk}"' in html
    assert "site.png" in html and "notes.txt" in html
    assert Comment.objects.count() == 0

    # Someone else's upload is refused and not echoed back into the form.
    html = _htmx(member, f"/posts/{post.pk}/comments/", {"body": "Mine", "attachments": [other.pk]})
    assert "An attachment was not found" in html
    assert f'value="{other.pk}"' not in html and "not-yours.txt" not in html
    assert Comment.objects.count() == 0

    # Sent again, it goes through with both files.
    html = _htmx(
        member,
        f"/posts/{post.pk}/comments/",
        {"body": "Photo from the site", "attachments": [image.pk, video_like.pk]},
    )
    comment = Comment.objects.get()
    assert sorted(comment.attachments.values_list("pk", flat=True)) == sorted(
        [image.pk, video_like.pk]
    )
    assert 'class="comment-media"' in html
    # The fresh comment box has no attachments left in it.
    form = html[html.index('<form class="comment-form"') : html.index("</form>")]
    assert 'name="attachments"' not in form


def test_a_comment_may_be_only_a_photo_but_not_empty(world):
    post = post_actions.do_create_post(author=world["admin"], group=world["open"], body="Q?")
    member = client_for(world["member"])
    image = do_upload_attachment(uploader=world["member"], upload=png_upload("site.png"))

    html = _htmx(member, f"/posts/{post.pk}/comments/", {"body": "  ", "attachments": []})
    assert "Write a comment first." in html
    assert Comment.objects.count() == 0

    html = _htmx(member, f"/posts/{post.pk}/comments/", {"body": "  ", "attachments": [image.pk]})
    comment = Comment.objects.get()
    assert comment.body == "" and list(comment.attachments.all()) == [image]
    page = member.get(f"/posts/{post.pk}/").content.decode()
    shown = page[page.index(f'id="comment-{comment.pk}"') :]
    shown = shown[: shown.index("comment-actions")]
    assert "comment-media" in shown and 'class="comment-body"' not in shown

    # Its text can be removed again by editing; a comment without files cannot be emptied.
    comment_actions.do_edit_comment(actor=world["member"], comment=comment, body="With words")
    emptied = comment_actions.do_edit_comment(actor=world["member"], comment=comment, body=" ")
    assert emptied.body == ""
    words = comment_actions.do_create_comment(actor=world["member"], post=post, body="Words")
    with pytest.raises(ValidationError) as refused:
        comment_actions.do_edit_comment(actor=world["member"], comment=words, body=" ")
    assert refused.value.message_dict == {"body": ["Write a comment first."]}


def test_reply_form_offers_attach_and_takes_alt_text(world):
    post = post_actions.do_create_post(author=world["admin"], group=world["open"], body="Q?")
    top = comment_actions.do_create_comment(actor=world["admin"], post=post, body="Top")
    member = client_for(world["member"])
    form = member.get(f"/posts/comments/{top.pk}/reply/", HTTP_HX_REQUEST="true").content.decode()
    assert "data-attach-upload" in form and 'data-field="attachments"' in form
    image = do_upload_attachment(uploader=world["member"], upload=png_upload("crane.png"))
    _htmx(
        member,
        f"/posts/{post.pk}/comments/",
        {
            "body": "The crane",
            "parent": top.pk,
            "attachments": [image.pk],
            f"alt_{image.pk}": "A yellow crane over the harbour",
        },
    )
    reply = Comment.objects.get(parent=top)
    image.refresh_from_db()
    assert image.comment_id == reply.pk
    assert image.alt_text == "A yellow crane over the harbour"
    page = member.get(f"/posts/{post.pk}/comments/").content.decode()
    assert 'alt="A yellow crane over the harbour"' in page


def test_alt_text_for_someone_elses_upload_is_ignored(world):
    post = post_actions.do_create_post(author=world["admin"], group=world["open"], body="Q?")
    theirs = do_upload_attachment(uploader=world["admin"], upload=png_upload("theirs.png"))
    _htmx(
        client_for(world["member"]),
        f"/posts/{post.pk}/comments/",
        {"body": "Hi", "attachments": [theirs.pk], f"alt_{theirs.pk}": "changed by someone else"},
    )
    theirs.refresh_from_db()
    assert theirs.alt_text == ""
    assert theirs.comment_id is None and Comment.objects.count() == 0
