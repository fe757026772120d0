"""The bell, the list grouped by day, mark read, and the settings page."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from torg.accounts.models import User
from torg.notifications.models import GroupNotificationLevel, Mute, Notification, PostFollow
from torg.notifications.selectors import grouped_by_day
from torg.notifications.tests.conftest import World
from torg.posts.actions import do_create_post
from torg.posts.comment_actions import do_create_comment

Committed = Callable[[], AbstractContextManager[Any]]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_grouped_by_day_and_open_marks_read(world: World, committed: Committed) -> None:
    with committed():
        post = do_create_post(author=world.kari, group=world.open, body="Hi")
        comment = do_create_comment(actor=world.ola, post=post, body="Hello")
    old = Notification.objects.create(
        recipient=world.kari,
        kind="invitation",
        reason="invited",
        group=world.closed,
        actor=world.admin,
        aggregation_key="invitation:old",
        created_at=timezone.now() - timedelta(days=1),
        updated_at=timezone.now() - timedelta(days=1),
    )
    kari = client_for(world.kari)
    page = kari.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Today") < html.index("Ola commented on your post")
    assert html.index("Yesterday") < html.index("Ada Admin invited you to Closed group")
    assert "You wrote this post." in html
    assert f'href="/notifications/settings/?post={post.pk}#mute"' in html
    # Every page carries the bell; its count arrives in its own request.
    assert 'id="notification-bell"' in html and 'hx-get="/notifications/bell/"' in html
    assert "Notifications, 2 unread" in kari.get("/notifications/bell/").content.decode()
    reply = Notification.objects.get(kind="reply")
    opened = kari.get(f"/notifications/{reply.pk}/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"
    assert Notification.objects.filter(read_at__isnull=True).get() == old
    assert client_for(world.ola).get(f"/notifications/{old.pk}/").status_code == 404
    assert kari.post(f"/notifications/{old.pk}/read/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_mark_all_read(world: World, committed: Committed) -> None:
    with committed():
        post = do_create_post(author=world.kari, group=world.open, body="Hi")
        do_create_comment(actor=world.ola, post=post, body="One")
        do_create_comment(actor=world.per, post=post, body="Two", parent_id=None)
    kari = client_for(world.kari)
    assert kari.post("/notifications/read-all/").status_code == 302
    assert Notification.objects.filter(recipient=world.kari, read_at__isnull=True).count() == 0
    assert "Notifications, 0 unread" in kari.get("/notifications/bell/").content.decode()


def test_day_labels(world: World) -> None:
    now = timezone.now()
    rows = [
        Notification(
            recipient=world.kari,
            kind="mention",
            reason="mentioned",
            actor=world.ola,
            actor_count=1,
            created_at=now - timedelta(days=days),
            updated_at=now - timedelta(days=days),
        )
        for days in (0, 1, 3)
    ]
    labels = [label for label, _rows in grouped_by_day(rows, now=now)]
    assert labels[:2] == ["Today", "Yesterday"]
    assert labels[2] != "Yesterday" and len(labels) == 3


def test_settings_page_levels_preset_mutes_follows(world: World, committed: Committed) -> None:
    with committed():
        post = do_create_post(author=world.kari, group=world.open, body="Hi")
    ola = client_for(world.ola)
    page = ola.get("/notifications/settings/")
    assert page.status_code == 200
    assert f'id="group-{world.secret.pk}"' in page.content.decode()
    assert (
        ola.post(f"/notifications/settings/groups/{world.open.pk}/", {"level": "all"}).status_code
        == 302
    )
    assert GroupNotificationLevel.objects.get(user=world.ola, group=world.open).level == "all"
    ola.post(f"/notifications/settings/groups/{world.open.pk}/", {"level": "noise"})
    assert GroupNotificationLevel.objects.get(user=world.ola, group=world.open).level == "all"
    assert (
        client_for(world.outsider)
        .post(f"/notifications/settings/groups/{world.secret.pk}/", {"level": "all"})
        .status_code
        == 404
    )
    ola.post("/notifications/settings/preset/")
    assert set(
        GroupNotificationLevel.objects.filter(user=world.ola).values_list("level", flat=True)
    ) == {"mentions"}
    assert (
        ola.post(
            "/notifications/mutes/", {"target_kind": "post", "target_id": post.pk, "duration": "1w"}
        ).status_code
        == 302
    )
    mute = Mute.objects.get(user=world.ola)
    assert (mute.target_kind, mute.target_id) == ("post", post.pk)
    assert "A post by Kari" in ola.get("/notifications/settings/").content.decode()
    ola.post("/notifications/mutes/", {"target_kind": "post", "target_id": "x", "duration": "1w"})
    assert Mute.objects.count() == 1
    assert client_for(world.kari).post(f"/notifications/mutes/{mute.pk}/delete/").status_code == 404
    assert ola.post(f"/notifications/mutes/{mute.pk}/delete/").status_code == 302
    assert Mute.objects.count() == 0
    prefilled = ola.get(f"/notifications/settings/?post={post.pk}").content.decode()
    assert "Mute A post by Kari" in prefilled
    assert ola.get("/notifications/settings/?post=abc&group=-1").status_code == 200


def test_follow_button(world: World, committed: Committed) -> None:
    with committed():
        post = do_create_post(author=world.kari, group=world.open, body="Hi")
    ola = client_for(world.ola)
    answer = ola.post(
        f"/notifications/posts/{post.pk}/follow/", {"following": "1"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and "Unfollow" in answer.content.decode()
    assert PostFollow.objects.get(user=world.ola, post=post).following is True
    ola.post(f"/notifications/posts/{post.pk}/follow/", {"following": "0"})
    assert PostFollow.objects.get(user=world.ola, post=post).following is False
    with committed():
        secret = do_create_post(author=world.kari, group=world.secret, body="Psst")
    assert (
        client_for(world.outsider).post(f"/notifications/posts/{secret.pk}/follow/").status_code
        == 404
    )
    assert (
        client_for(world.outsider).post("/notifications/posts/99999999/follow/").status_code == 404
    )


def test_bell_fragment_and_sign_in(world: World) -> None:
    assert Client().get("/notifications/").status_code == 302
    bell = client_for(world.kari).get("/notifications/bell/")
    assert bell.status_code == 200
    assert "Notifications, 0 unread" in bell.content.decode()
