"""The comments and reactions REST API: every endpoint, and 404 for anything hidden."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from torg.accounts.models import User
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts.models import Comment, Post, Reaction
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import URLS, World

# Shared fixtures (pytest finds them as module attributes).
make_user = support.make_user
world = support.world

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

NOT_FOUND = {"detail": "Not found"}


def _client(user: User) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def _call(user: User, method: str, url: str, data: Any = None) -> tuple[int, Any]:
    client = _client(user)
    kwargs: dict[str, Any] = {}
    if data is not None:
        kwargs = {"data": json.dumps(data), "content_type": "application/json"}
    response = getattr(client, method)(url, **kwargs)
    body = response.json() if response.content else None
    return response.status_code, body


def test_comment_lifecycle(world: World) -> None:
    post = world.post_in("secret")
    status, created = _call(
        world.member, "post", f"/api/v1/posts/{post.pk}/comments", {"body": "Hi *all*"}
    )
    assert status == 201
    assert created["body_html"] == "<p>Hi <em>all</em></p>\n"
    assert created["author"] == {"id": world.member.pk, "name": "Mona Member"}
    status, reply = _call(
        world.owner,
        "post",
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "Yo", "parent_id": created["id"]},
    )
    assert (status, reply["parent_id"]) == (201, created["id"])
    status, page = _call(world.member, "get", f"/api/v1/posts/{post.pk}/comments")
    assert status == 200
    assert [(c["body"], [r["body"] for r in c["replies"]]) for c in page["items"]] == [
        ("Hi *all*", ["Yo"])
    ]
    assert page["earlier_before"] is None
    status, edited = _call(
        world.member, "patch", f"/api/v1/posts/comments/{created['id']}", {"body": "Hei"}
    )
    assert (status, edited["body"], edited["edited_at"] is not None) == (200, "Hei", True)
    status, _ = _call(
        world.owner, "patch", f"/api/v1/posts/comments/{created['id']}", {"body": "Hijack"}
    )
    assert status == 403
    status, body = _call(world.owner, "delete", f"/api/v1/posts/comments/{reply['id']}")
    assert (status, body) == (204, None)
    post.refresh_from_db()
    assert post.comment_count == 1


def test_validation_errors(world: World) -> None:
    post = world.post_in("open")
    assert _call(world.member, "post", f"/api/v1/posts/{post.pk}/comments", {"body": " "}) == (
        422,
        {"detail": "Write a comment first."},
    )
    status, _ = _call(
        world.member, "post", f"/api/v1/posts/{post.pk}/comments", {"body": "x" * 5001}
    )
    assert status == 422
    status, _ = _call(world.member, "get", f"/api/v1/posts/{post.pk}/comments?limit=0")
    assert status == 422
    status, _ = _call(world.member, "put", f"/api/v1/posts/{post.pk}/reaction", {"kind": "angry"})
    assert status == 422
    assert Comment.objects.count() == Reaction.objects.count() == 0


def test_paging_through_the_api(world: World) -> None:
    post = world.post_in("open")
    for i in range(5):
        ca.do_create_comment(actor=world.member, post=post, body=f"c{i}")
    _status, page = _call(world.member, "get", f"/api/v1/posts/{post.pk}/comments?limit=2")
    seen = [c["body"] for c in page["items"]]
    while page["earlier_before"]:
        _status, page = _call(
            world.member,
            "get",
            f"/api/v1/posts/{post.pk}/comments?limit=2&before={page['earlier_before']}",
        )
        seen = [c["body"] for c in page["items"]] + seen
    assert seen == ["c0", "c1", "c2", "c3", "c4"]


def test_reaction_endpoints(world: World) -> None:
    post = world.post_in("closed")
    comment = ca.do_create_comment(actor=world.owner, post=post, body="c")
    assert _call(world.member, "put", f"/api/v1/posts/{post.pk}/reaction", {"kind": "like"}) == (
        200,
        {"counts": {"like": 1}, "mine": "like"},
    )
    assert _call(world.member, "put", f"/api/v1/posts/{post.pk}/reaction", {"kind": "love"}) == (
        200,
        {"counts": {"love": 1}, "mine": "love"},
    )
    assert _call(world.owner, "get", f"/api/v1/posts/{post.pk}/reactions") == (
        200,
        {
            "items": [{"person": {"id": world.member.pk, "name": "Mona Member"}, "kind": "love"}],
            "next_after": None,
        },
    )
    assert _call(world.owner, "get", f"/api/v1/posts/{post.pk}/reactions?kind=like") == (
        200,
        {"items": [], "next_after": None},
    )
    assert _call(world.member, "delete", f"/api/v1/posts/{post.pk}/reaction") == (
        200,
        {"counts": {}, "mine": None},
    )
    assert _call(
        world.member, "put", f"/api/v1/posts/comments/{comment.pk}/reaction", {"kind": "haha"}
    ) == (
        200,
        {"counts": {"haha": 1}, "mine": "haha"},
    )
    status, page = _call(world.member, "get", f"/api/v1/posts/comments/{comment.pk}/reactions")
    assert (status, [i["kind"] for i in page["items"]]) == (200, ["haha"])
    assert _call(world.member, "delete", f"/api/v1/posts/comments/{comment.pk}/reaction") == (
        200,
        {"counts": {}, "mine": None},
    )
    post.refresh_from_db()
    comment.refresh_from_db()
    assert (post.reaction_count, comment.reaction_count) == (0, 0)


@pytest.mark.parametrize("privacy", ["closed", "secret"])
@pytest.mark.parametrize("who", ["outsider", "guest"])
def test_hidden_is_not_found_and_nothing_changes(world: World, privacy: str, who: str) -> None:
    post = world.post_in(privacy)
    comment = ca.do_create_comment(actor=world.member, post=post, body="inside")
    ra.do_react(actor=world.member, target=post, kind="like")
    person: User = getattr(world, who)
    calls = [
        ("get", f"/api/v1/posts/{post.pk}/comments", None),
        ("post", f"/api/v1/posts/{post.pk}/comments", {"body": "x"}),
        ("post", f"/api/v1/posts/{post.pk}/comments", {"body": "x", "parent_id": comment.pk}),
        ("patch", f"/api/v1/posts/comments/{comment.pk}", {"body": "x"}),
        ("delete", f"/api/v1/posts/comments/{comment.pk}", None),
        ("put", f"/api/v1/posts/{post.pk}/reaction", {"kind": "sad"}),
        ("delete", f"/api/v1/posts/{post.pk}/reaction", None),
        ("put", f"/api/v1/posts/comments/{comment.pk}/reaction", {"kind": "sad"}),
        ("delete", f"/api/v1/posts/comments/{comment.pk}/reaction", None),
        ("get", f"/api/v1/posts/{post.pk}/reactions", None),
        ("get", f"/api/v1/posts/comments/{comment.pk}/reactions", None),
    ]
    for method, url, data in calls:
        assert _call(person, method, url, data) == (404, NOT_FOUND), (method, url)
    # Nonexistent ids answer exactly the same.
    assert _call(person, "get", "/api/v1/posts/999999/comments") == (404, NOT_FOUND)
    assert _call(person, "patch", "/api/v1/posts/comments/999999", {"body": "x"}) == (
        404,
        NOT_FOUND,
    )
    comment.refresh_from_db()
    post.refresh_from_db()
    assert (comment.body, comment.deleted_at) == ("inside", None)
    assert (post.comment_count, post.reaction_count) == (1, 1)
    assert Comment.objects.count() == 1
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["like"]


def test_signed_out_is_refused(world: World) -> None:
    post = world.post_in("open")
    response = Client().get(f"/api/v1/posts/{post.pk}/comments")
    assert (response.status_code, response.json()) == (401, {"detail": "Authentication required"})


def test_deleted_post_is_not_found(world: World) -> None:
    post = world.post_in("open")
    Post.objects.filter(pk=post.pk).update(deleted_at=post.created_at)
    assert _call(world.owner, "get", f"/api/v1/posts/{post.pk}/comments") == (404, NOT_FOUND)
