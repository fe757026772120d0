"""Comment and reaction pages and htmx partials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from torg.accounts.models import User
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts.models import Comment, Reaction
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import URLS, World

# Shared fixtures (pytest finds them as module attributes).
make_user = support.make_user
world = support.world

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_htmx_comment_appends_and_clears_the_form(world: World) -> None:
    post = world.post_in("open")
    response = _client(world.member).post(f"/posts/{post.pk}/comments/", {"body": "First!"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-swap-oob="beforeend:#comments-{post.pk}-list"' in html
    assert "<p>First!</p>" in html
    assert f'id="comment-body-{post.pk}" name="body"' in html
    assert "First!</textarea>" not in html  # the form comes back empty
    assert Comment.objects.get().body == "First!"


def test_htmx_error_keeps_the_text_next_to_the_field(world: World) -> None:
    post = world.post_in("open")
    text = "x" * 5001
    response = _client(world.member).post(f"/posts/{post.pk}/comments/", {"body": text}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f">{text}</textarea>" in html
    assert f'<ul class="errorlist" id="comment-body-{post.pk}-error">' in html
    assert "at most 5000 characters (this one has 5001)" in html
    assert Comment.objects.count() == 0


def test_without_javascript_comment_redirects_and_error_is_400(world: World) -> None:
    post = world.post_in("open")
    client = _client(world.member)
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Plain", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    response = client.post(f"/posts/{post.pk}/comments/", {"body": ""})
    assert response.status_code == 400
    assert "Write a comment first." in response.content.decode()
    response = client.post(
        f"/posts/{post.pk}/comments/", {"body": "x", "next": "https://evil.example/"}
    )
    assert response["Location"].startswith(f"/posts/{post.pk}/comments/#comment-")


def test_reply_goes_under_its_top_level_parent(world: World) -> None:
    post = world.post_in("open")
    top = ca.do_create_comment(actor=world.member, post=post, body="Top")
    reply = ca.do_create_comment(actor=world.owner, post=post, body="R", parent_id=top.pk)
    client = _client(world.member)
    form = client.get(f"/posts/comments/{reply.pk}/reply/", **HTMX).content.decode()
    assert f'name="parent" value="{top.pk}"' in form
    assert "Reply to Olga Owner" in form
    response = client.post(
        f"/posts/{post.pk}/comments/", {"body": "Again", "parent": str(reply.pk)}, **HTMX
    )
    assert f'hx-swap-oob="beforeend:#comment-{top.pk}-replies"' in response.content.decode()
    replies = client.get(f"/posts/comments/{top.pk}/replies/", **HTMX).content.decode()
    assert replies.index("<p>R</p>") < replies.index("<p>Again</p>")


def test_earlier_comments_page(world: World) -> None:
    post = world.post_in("open")
    made = [ca.do_create_comment(actor=world.member, post=post, body=f"c{i}") for i in range(12)]
    base = made[0].created_at - timedelta(hours=1)
    for i, comment in enumerate(made):
        Comment.objects.filter(pk=comment.pk).update(created_at=base + timedelta(minutes=i))
    client = _client(world.owner)
    html = client.get(f"/posts/{post.pk}/comments/?before={made[10].pk}", **HTMX).content.decode()
    assert [f"<p>c{i}</p>" in html for i in range(12)] == [i < 10 for i in range(12)]
    assert "View earlier comments" not in html
    page = client.get(f"/posts/{post.pk}/comments/").content.decode()
    assert f"?before={made[2].pk}" in page and "<p>c1</p>" not in page
    assert client.get(f"/posts/{post.pk}/comments/?before=zzz").status_code == 404


def test_card_partial_uses_prefetched_attributes(world: World) -> None:
    post = world.post_in("open")
    comments = [ca.do_create_comment(actor=world.member, post=post, body=f"c{i}") for i in range(3)]
    ra.do_react(actor=world.owner, target=post, kind="love")
    post.refresh_from_db()
    post.prefetched_latest_comments = ca.latest_comments_for([post], n=2)[post.pk]  # type: ignore[attr-defined]
    request = RequestFactory().get("/")
    request.user = world.owner
    html = render_to_string("posts/_comments.html", {"post": post, "user": world.owner}, request)
    assert "<p>c0</p>" not in html and "<p>c1</p>" in html and "<p>c2</p>" in html
    assert f"?before={comments[1].pk}" in html
    assert "3 comments" in html
    summary = ra.reaction_summary_for([post], world.owner)[post.pk]
    bar = render_to_string(
        "posts/_reactions.html", {"target": post, "summary": summary, "is_comment": False}, request
    )
    assert 'value="love" class="reaction reaction-love" aria-pressed="true"' in bar
    assert 'value="like" class="reaction reaction-like" aria-pressed="false"' in bar
    assert "1 reaction</a>" in bar


def test_reaction_button_with_and_without_javascript(world: World) -> None:
    post = world.post_in("open")
    client = _client(world.member)
    response = client.post(f"/posts/{post.pk}/reaction/", {"kind": "wow", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    html = client.post(f"/posts/{post.pk}/reaction/", {"kind": "wow"}, **HTMX).content.decode()
    assert 'aria-pressed="true"' not in html  # pressed again: removed
    assert Reaction.objects.count() == 0
    comment = ca.do_create_comment(actor=world.owner, post=post, body="c")
    html = client.post(
        f"/posts/comments/{comment.pk}/reaction/", {"kind": "sad"}, **HTMX
    ).content.decode()
    assert 'value="sad" class="reaction reaction-sad" aria-pressed="true"' in html
    assert "1 reaction</a>" in html
    assert client.post(f"/posts/{post.pk}/reaction/", {"kind": "nope"}).status_code == 400
    who = client.get(f"/posts/comments/{comment.pk}/reactions/").content.decode()
    assert "Mona Member" in who and "Sad 1" in who


def test_edit_and_delete_partials(world: World) -> None:
    post = world.post_in("open")
    top = ca.do_create_comment(actor=world.member, post=post, body="Top")
    ca.do_create_comment(actor=world.owner, post=post, body="R", parent_id=top.pk)
    client = _client(world.member)
    form = client.get(f"/posts/comments/{top.pk}/edit/", **HTMX).content.decode()
    assert f'id="edit-body-{top.pk}"' in form and ">Top</textarea>" in form
    html = client.post(f"/posts/comments/{top.pk}/edit/", {"body": "Top!"}, **HTMX).content.decode()
    assert "<p>Top!</p>" in html and "edited" in html
    assert client.get(f"/posts/comments/{top.pk}/edit/").status_code == 200
    assert (
        _client(world.owner).post(f"/posts/comments/{top.pk}/edit/", {"body": "x"}).status_code
        == 403
    )
    html = client.post(f"/posts/comments/{top.pk}/delete/", **HTMX).content.decode()
    assert "Comment deleted" in html and "<p>R</p>" in html


@pytest.mark.parametrize("privacy", ["closed", "secret"])
def test_outsiders_get_404_everywhere(world: World, privacy: str) -> None:
    post = world.post_in(privacy)
    comment = ca.do_create_comment(actor=world.member, post=post, body="inside")
    for person in (world.outsider, world.guest):
        client = _client(person)
        for url in (
            f"/posts/{post.pk}/comments/",
            f"/posts/{post.pk}/reactions/",
            f"/posts/comments/{comment.pk}/",
            f"/posts/comments/{comment.pk}/replies/",
            f"/posts/comments/{comment.pk}/reply/",
            f"/posts/comments/{comment.pk}/edit/",
            f"/posts/comments/{comment.pk}/reactions/",
        ):
            assert client.get(url).status_code == 404, url
        for url, data in (
            (f"/posts/{post.pk}/comments/", {"body": "x"}),
            (f"/posts/{post.pk}/reaction/", {"kind": "like"}),
            (f"/posts/comments/{comment.pk}/reaction/", {"kind": "like"}),
            (f"/posts/comments/{comment.pk}/delete/", {}),
            (f"/posts/comments/{comment.pk}/edit/", {"body": "x"}),
        ):
            assert client.post(url, data).status_code == 404, url
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_at, Comment.objects.count()) == ("inside", None, 1)
    assert Reaction.objects.count() == 0
