"""Every endpoint under /api/v1/announcements, with exact answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from torg.announcements import actions
from torg.announcements.models import Acknowledgement, Announcement
from torg.announcements.tests.conftest import Committed, World, client_for, recipients
from torg.notifications.models import Notification

BASE = "/api/v1/announcements"


def test_requires_sign_in(db: Any) -> None:
    assert Client().get("/api/v1/announcements/pending").status_code == 401


def test_mark_change_and_unmark(world: World, committed: Committed) -> None:
    post = world.post(world.open, author=world.kari)
    admin = client_for(world.admin)
    until = (timezone.now() + timedelta(days=10)).replace(microsecond=0)

    with committed():
        response = admin.post(
            f"/api/v1/announcements/posts/{post.pk}",
            {"until": until.isoformat(), "reminder": "1w"},
            content_type="application/json",
        )

    assert response.status_code == 200
    body = response.json()
    announcement = Announcement.objects.get(post=post)
    assert body == {
        "post_id": post.pk,
        "group": world.open.slug,
        "author": {"id": world.kari.pk, "name": "Kari Nordmann"},
        "excerpt": "Read this",
        "announced_at": body["announced_at"],
        "until": body["until"],
        "remind_at": body["remind_at"],
        "reminded": False,
        "acknowledged_at": body["acknowledged_at"],
    }
    assert announcement.until == until
    assert announcement.remind_at == announcement.announced_at + timedelta(weeks=1)
    assert body["acknowledged_at"] is not None  # the announcer has read it
    assert recipients(Notification.Kind.ANNOUNCEMENT) == [
        "Mona Moderator",
        "Ola Hansen",
        "Per Berg",
    ]

    changed = admin.post(
        f"/api/v1/announcements/posts/{post.pk}",
        {"until": None, "reminder": "none"},
        content_type="application/json",
    ).json()
    assert (changed["until"], changed["remind_at"]) == (None, None)

    assert admin.delete(f"/api/v1/announcements/posts/{post.pk}").status_code == 204
    assert not Announcement.objects.exists()
    assert admin.get(f"/api/v1/announcements/posts/{post.pk}").status_code == 404


def test_mark_refusals(world: World) -> None:
    post = world.post(world.open)
    kari = client_for(world.kari)
    refused = kari.post(
        f"/api/v1/announcements/posts/{post.pk}", {}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only group admins and communications staff can do that."}
    admin = client_for(world.admin)
    past = admin.post(
        f"/api/v1/announcements/posts/{post.pk}",
        {"until": "2001-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert past.status_code == 400
    assert past.json() == {"detail": "The end date must be in the future."}
    bad = admin.post(
        f"/api/v1/announcements/posts/{post.pk}",
        {"reminder": "2d"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert not Announcement.objects.exists()
    actions.do_mark_announcement(actor=world.admin, post=post)
    assert kari.delete(f"/api/v1/announcements/posts/{post.pk}").status_code == 403
    assert Announcement.objects.count() == 1


def test_pending_and_acknowledge(world: World) -> None:
    first = world.post(world.open, body="First *news*")
    second = world.post(world.closed, body="Second")
    actions.do_mark_announcement(actor=world.admin, post=first)
    actions.do_mark_announcement(actor=world.admin, post=second)
    ola = client_for(world.ola)

    pending = ola.get("/api/v1/announcements/pending").json()
    assert [(a["post_id"], a["excerpt"]) for a in pending] == [
        (second.pk, "Second"),
        (first.pk, "First news"),
    ]

    response = ola.post(f"/api/v1/announcements/posts/{second.pk}/acknowledge")
    assert response.status_code == 200
    stamp = Acknowledgement.objects.get(user=world.ola).acknowledged_at
    assert response.json()["post_id"] == second.pk
    assert response.json()["acknowledged_at"].startswith(stamp.strftime("%Y-%m-%dT%H:%M:%S"))
    assert [a["post_id"] for a in ola.get("/api/v1/announcements/pending").json()] == [first.pk]
    again = ola.post(f"/api/v1/announcements/posts/{second.pk}/acknowledge").json()
    assert again == response.json()
    mine = ola.get(f"/api/v1/announcements/posts/{second.pk}").json()
    assert mine["acknowledged_at"] == response.json()["acknowledged_at"]
    # A post that is no announcement: 404, like a missing one.
    plain = world.post(world.open)
    assert ola.post(f"/api/v1/announcements/posts/{plain.pk}/acknowledge").status_code == 404


def test_receipts_json_and_csv(world: World) -> None:
    post = world.post(world.open)
    announcement = actions.do_mark_announcement(actor=world.admin, post=post)
    actions.do_acknowledge(actor=world.per, announcement=announcement)
    admin = client_for(world.admin)

    everyone = admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts").json()
    assert (everyone["acknowledged"], everyone["audience"], everyone["pages"]) == (1, 4, 1)
    assert [
        (p["name"], p["department"], p["acknowledged_at"] is not None) for p in everyone["people"]
    ] == [
        ("Kari Nordmann", "Sales", False),
        ("Mona Moderator", "", False),
        ("Ola Hansen", "", False),
        ("Per Berg", "", True),
    ]
    read = admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts?status=read").json()
    assert [p["email"] for p in read["people"]] == ["per@example.com"]
    waiting = admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts?status=waiting").json()
    assert [p["name"] for p in waiting["people"]] == [
        "Kari Nordmann",
        "Mona Moderator",
        "Ola Hansen",
    ]
    assert admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts?status=x").status_code == 422
    assert admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts?page=0").status_code == 422

    csv = admin.get(f"/api/v1/announcements/posts/{post.pk}/receipts.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode().split("\r\n")
    assert lines[0] == "Name,E-mail,Department,Acknowledged at"
    assert lines[1] == "Kari Nordmann,kari@example.com,Sales,"
    assert lines[4].startswith("Per Berg,per@example.com,,20")
    assert len(lines) == 6 and lines[5] == ""
