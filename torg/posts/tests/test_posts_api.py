# ruff: noqa: F811  (fixtures are imported from test_posts_fixtures)
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from torg.posts import actions
from torg.posts.models import Poll, Post
from torg.posts.tests.test_posts_fixtures import make_user, png_upload, world  # noqa: F401

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(client: Client, method: str, url: str, body: dict[str, Any] | None = None):
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


def test_create_get_and_hidden_is_not_found(world):
    member = client_for(world["member"])
    response = api(member, "post", "/api/v1/posts", {"group": "secret-group", "body": "Hi #Team"})
    assert response.status_code == 201
    data = response.json()
    assert (data["group"], data["body"], data["author"]["name"], data["pinned"]) == (
        "secret-group",
        "Hi #Team",
        "Mia Member",
        False,
    )
    assert api(member, "get", f"/api/v1/posts/{data['id']}").json()["id"] == data["id"]
    outsider = client_for(world["outsider"])
    assert api(outsider, "get", f"/api/v1/posts/{data['id']}").json() == {"detail": "Not found"}
    assert api(outsider, "get", f"/api/v1/posts/{data['id']}").status_code == 404
    assert api(outsider, "get", "/api/v1/posts/999999").json() == {"detail": "Not found"}
    assert (
        api(outsider, "post", "/api/v1/posts", {"group": "secret-group", "body": "x"}).status_code
        == 404
    )
    refused = api(outsider, "post", "/api/v1/posts", {"group": "closed-group", "body": "x"})
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only members can post in this group."},
    )
    assert api(member, "post", "/api/v1/posts", {"body": ""}).status_code == 400
    assert api(member, "post", "/api/v1/posts", {"body": "x" * 10_001}).status_code == 422
    assert Client().get(f"/api/v1/posts/{data['id']}").status_code == 401


def test_patch_revisions_delete_restore(world):
    member = client_for(world["member"])
    post = api(member, "post", "/api/v1/posts", {"group": "open-group", "body": "One"}).json()
    edited = api(member, "patch", f"/api/v1/posts/{post['id']}", {"body": "Two"})
    assert (edited.status_code, edited.json()["body"]) == (200, "Two")
    assert edited.json()["edited_at"] is not None
    assert (
        api(
            client_for(world["admin"]), "patch", f"/api/v1/posts/{post['id']}", {"body": "x"}
        ).status_code
        == 403
    )
    revisions = api(member, "get", f"/api/v1/posts/{post['id']}/revisions").json()
    assert [r["body"] for r in revisions] == ["One"]
    assert (
        api(client_for(world["outsider"]), "delete", f"/api/v1/posts/{post['id']}").status_code
        == 403
    )
    assert api(member, "delete", f"/api/v1/posts/{post['id']}").status_code == 204
    assert api(member, "get", f"/api/v1/posts/{post['id']}").status_code == 404
    assert api(member, "post", f"/api/v1/posts/{post['id']}/restore").status_code == 404
    admin = client_for(world["admin"])
    restored = api(admin, "post", f"/api/v1/posts/{post['id']}/restore")
    assert (restored.status_code, restored.json()["body"]) == (200, "Two")


def test_pin_and_unpin(world):
    member = client_for(world["member"])
    post = api(member, "post", "/api/v1/posts", {"group": "open-group", "body": "Pin me"}).json()
    assert api(member, "post", f"/api/v1/posts/{post['id']}/pin").status_code == 403
    admin = client_for(world["admin"])
    assert api(admin, "post", f"/api/v1/posts/{post['id']}/pin").json()["pinned"] is True
    assert api(admin, "delete", f"/api/v1/posts/{post['id']}/pin").json()["pinned"] is False


def test_share(world):
    member = client_for(world["member"])
    secret = api(member, "post", "/api/v1/posts", {"group": "secret-group", "body": "Hush"}).json()
    refused = api(member, "post", f"/api/v1/posts/{secret['id']}/share", {"group": "open-group"})
    assert refused.status_code == 403
    inside = api(member, "post", f"/api/v1/posts/{secret['id']}/share", {"group": "secret-group"})
    assert (inside.status_code, inside.json()["shared_post_id"]) == (201, secret["id"])
    assert inside.json()["shared_post_available"] is True
    assert Post.objects.get(pk=secret["id"]).share_count == 1


def test_poll_votes(world):
    member = client_for(world["member"])
    closes = (timezone.now() + timedelta(days=1)).isoformat()
    post = api(
        member,
        "post",
        "/api/v1/posts",
        {
            "group": "open-group",
            "body": "Vote",
            "poll": {"question": "Tea?", "options": ["Yes", "No"], "closes_at": closes},
        },
    ).json()
    options = post["poll"]["options"]
    assert [(o["text"], o["vote_count"], o["mine"]) for o in options] == [
        ("Yes", None, False),
        ("No", None, False),
    ]
    voted = api(
        member, "post", f"/api/v1/posts/{post['id']}/poll/votes", {"option_ids": [options[0]["id"]]}
    )
    assert [(o["vote_count"], o["mine"]) for o in voted.json()["poll"]["options"]] == [
        (1, True),
        (0, False),
    ]
    both = api(
        member,
        "post",
        f"/api/v1/posts/{post['id']}/poll/votes",
        {"option_ids": [o["id"] for o in options]},
    )
    assert (both.status_code, both.json()) == (400, {"detail": "Choose one option."})
    Poll.objects.update(closes_at=timezone.now() - timedelta(minutes=1))
    closed = api(
        member, "post", f"/api/v1/posts/{post['id']}/poll/votes", {"option_ids": [options[1]["id"]]}
    )
    assert (closed.status_code, closed.json()) == (400, {"detail": "This poll is closed."})
    past = api(
        member,
        "post",
        "/api/v1/posts",
        {"body": "x", "poll": {"options": ["a", "b"], "closes_at": "2000-01-01T00:00:00Z"}},
    )
    assert (past.status_code, past.json()) == (
        400,
        {"detail": "The closing time must be in the future."},
    )


def test_attachment_upload_and_post(world):
    member = client_for(world["member"])
    response = member.post("/api/v1/posts/attachments", {"file": png_upload(), "alt_text": "Red"})
    assert response.status_code == 201
    attachment = response.json()
    assert (attachment["kind"], attachment["alt_text"], attachment["width"]) == (
        "image",
        "Red",
        800,
    )
    post = api(
        member,
        "post",
        "/api/v1/posts",
        {"group": "open-group", "body": "", "attachment_ids": [attachment["id"]]},
    )
    assert post.status_code == 201
    assert [a["id"] for a in post.json()["attachments"]] == [attachment["id"]]
    again = api(member, "post", "/api/v1/posts", {"body": "", "attachment_ids": [attachment["id"]]})
    assert again.status_code == 400
    assert member.post("/api/v1/posts/attachments", {}).status_code == 422


def test_actions_shared_with_pages(world):
    post = actions.do_create_post(author=world["member"], group=world["open"], body="Hi")
    data = api(client_for(world["outsider"]), "get", f"/api/v1/posts/{post.pk}").json()
    assert (data["group"], data["body_html"]) == ("open-group", "<p>Hi</p>\n")
