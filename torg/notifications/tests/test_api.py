"""Every endpoint under /api/v1/notifications, with exact answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.test import Client

from torg.accounts.models import User
from torg.notifications import actions
from torg.notifications.models import GroupNotificationLevel, Mute, Notification, PostFollow
from torg.notifications.tests.conftest import World
from torg.posts.actions import do_create_post
from torg.posts.reaction_actions import do_react

Committed = Callable[[], AbstractContextManager[Any]]
BASE = "/api/v1/notifications"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reacted_post(world: World, committed: Committed) -> Any:
    with committed():
        post = do_create_post(author=world.kari, group=world.open, body="Hi")
        do_react(actor=world.ola, target=post, kind="like")
        do_react(actor=world.per, target=post, kind="love")
    return post


def test_requires_sign_in(db: Any) -> None:
    assert Client().get("/api/v1/notifications/").status_code == 401
    assert Client().get("/api/v1/notifications/unread-count").status_code == 401


def test_list_count_and_read(world: World, committed: Committed) -> None:
    post = reacted_post(world, committed)
    kari = client_for(world.kari)
    assert kari.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    body = kari.get("/api/v1/notifications/").json()
    assert body["next_before"] is None
    [item] = body["notifications"]
    assert item["kind"] == "reaction"
    assert item["text"] == "Per and 1 other reacted to your post"
    assert item["reason"] == "your_post"
    assert item["url"] == f"/posts/{post.pk}/"
    assert (item["actor_id"], item["actor_count"]) == (world.per.pk, 2)
    assert item["recent_actor_ids"] == [world.per.pk, world.ola.pk]
    # Someone else's notification is not found, exactly like a nonexistent one.
    other = client_for(world.ola)
    assert other.post(f"/api/v1/notifications/{item['id']}/read").status_code == 404
    assert other.post("/api/v1/notifications/999999/read").status_code == 404
    answer = kari.post(f"/api/v1/notifications/{item['id']}/read")
    assert answer.status_code == 200 and answer.json()["read_at"] is not None
    assert kari.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_read_all_and_paging(world: World, committed: Committed) -> None:
    for n in range(3):
        Notification.objects.create(
            recipient=world.kari,
            kind="mention",
            reason="mentioned",
            actor=world.ola,
            aggregation_key=f"mention:test{n}",
            created_at=f"2026-01-0{n + 1}T10:00:00Z",
            updated_at=f"2026-01-0{n + 1}T10:00:00Z",
        )
    kari = client_for(world.kari)
    first = kari.get("/api/v1/notifications/?limit=2").json()
    assert len(first["notifications"]) == 2
    rest = kari.get(f"/api/v1/notifications/?limit=2&before={first['next_before']}").json()
    assert [n["updated_at"][:10] for n in rest["notifications"]] == ["2026-01-01"]
    assert kari.get("/api/v1/notifications/?before=abc").status_code == 422
    assert kari.get("/api/v1/notifications/?before=999999").status_code == 400
    assert kari.post("/api/v1/notifications/read-all").json() == {"marked": 3}
    assert kari.post("/api/v1/notifications/read-all").json() == {"marked": 0}


def test_group_levels_and_preset(world: World) -> None:
    ola = client_for(world.ola)
    levels = ola.get("/api/v1/notifications/group-levels").json()
    assert [(row["group_name"], row["level"], row["is_default"]) for row in levels] == [
        ("Closed group", "mentions", True),
        ("Open group", "mentions", True),
        ("Secret group", "mentions", True),
    ]
    answer = ola.put(
        f"/api/v1/notifications/group-levels/{world.open.pk}",
        data=json.dumps({"level": "all"}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["level"] == "all"
    bad = ola.put(
        f"/api/v1/notifications/group-levels/{world.open.pk}",
        data=json.dumps({"level": "loud"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    outsider = client_for(world.outsider)
    hidden = outsider.put(
        f"/api/v1/notifications/group-levels/{world.secret.pk}",
        data=json.dumps({"level": "all"}),
        content_type="application/json",
    )
    assert hidden.status_code == 404
    assert GroupNotificationLevel.objects.get(user=world.ola).level == "all"
    preset = ola.post("/api/v1/notifications/preset/mentions-only").json()
    assert {row["level"] for row in preset} == {"mentions"}
    assert GroupNotificationLevel.objects.filter(user=world.ola, level="mentions").count() == 3


def test_mutes_crud(world: World) -> None:
    ola = client_for(world.ola)
    created = ola.post(
        "/api/v1/notifications/mutes",
        data=json.dumps({"target_kind": "person", "target_id": world.kari.pk, "duration": "8h"}),
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["target_kind"], body["target_id"], body["label"]) == (
        "person",
        world.kari.pk,
        "Kari",
    )
    assert body["until"] is not None
    listed = ola.get("/api/v1/notifications/mutes").json()
    assert [row["id"] for row in listed] == [body["id"]]
    secret = client_for(world.outsider).post(
        "/api/v1/notifications/mutes",
        data=json.dumps({"target_kind": "group", "target_id": world.secret.pk, "duration": "1h"}),
        content_type="application/json",
    )
    assert secret.status_code == 404
    myself = ola.post(
        "/api/v1/notifications/mutes",
        data=json.dumps({"target_kind": "person", "target_id": world.ola.pk, "duration": "1h"}),
        content_type="application/json",
    )
    assert myself.status_code == 400
    assert (
        client_for(world.kari).delete(f"/api/v1/notifications/mutes/{body['id']}").status_code
        == 404
    )
    assert ola.delete(f"/api/v1/notifications/mutes/{body['id']}").status_code == 204
    assert Mute.objects.count() == 0


def test_post_follow(world: World, committed: Committed) -> None:
    with committed():
        post = do_create_post(author=world.kari, group=world.secret, body="Psst")
    kari = client_for(world.kari)
    assert kari.get(f"/api/v1/notifications/posts/{post.pk}/follow").json() == {
        "post_id": post.pk,
        "following": True,
    }
    assert kari.delete(f"/api/v1/notifications/posts/{post.pk}/follow").json()["following"] is False
    assert PostFollow.objects.get(user=world.kari, post=post).following is False
    ola = client_for(world.ola)
    assert ola.put(f"/api/v1/notifications/posts/{post.pk}/follow").json()["following"] is True
    outsider = client_for(world.outsider)
    assert outsider.put(f"/api/v1/notifications/posts/{post.pk}/follow").status_code == 404
    assert outsider.get(f"/api/v1/notifications/posts/{post.pk}/follow").status_code == 404
    assert sorted(
        PostFollow.objects.filter(following=True).values_list("user__name", flat=True)
    ) == ["Ola"]
    actions.do_set_post_follow(actor=world.kari, post=post, following=True)
    assert kari.get(f"/api/v1/notifications/posts/{post.pk}/follow").json()["following"] is True
