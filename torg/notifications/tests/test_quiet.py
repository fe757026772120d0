"""Quiet hours hold instant e-mail (the bell still collects) and release it afterwards."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.notifications import actions, emails
from torg.notifications.models import Notification, NotificationEmail
from torg.notifications.quiet import in_quiet_hours, is_quiet, zone_of
from torg.notifications.tests.conftest import World
from torg.notifications.tests.smtp_server import Inbox, smtp
from torg.notifications.tests.test_email import mention, post, set_kinds
from torg.posts.comment_actions import do_create_comment

__all__ = ["smtp"]
Committed = Callable[[], AbstractContextManager[Any]]
Kind = Notification.Kind


@pytest.mark.parametrize(
    ("start", "end", "local", "quiet"),
    [
        (time(22), time(7), time(23, 30), True),
        (time(22), time(7), time(6, 59), True),
        (time(22), time(7), time(7), False),
        (time(22), time(7), time(21, 59), False),
        (time(12), time(13), time(12, 30), True),
        (time(12), time(13), time(13), False),
        (time(8), time(8), time(8), False),
        (None, time(8), time(7), False),
    ],
)
def test_is_quiet(start: time | None, end: time | None, local: time, quiet: bool) -> None:
    assert is_quiet(start, end, local) is quiet


def test_quiet_hours_follow_the_persons_time_zone(make_user: Callable[..., User]) -> None:
    tokyo = make_user("Kenji", time_zone="Asia/Tokyo")
    oslo = make_user("Kari")  # no time zone: the site's (Europe/Oslo)
    assert str(zone_of(oslo)) == "Europe/Oslo"
    at = datetime(2026, 6, 1, 14, 0, tzinfo=ZoneInfo("UTC"))  # 23:00 Tokyo, 16:00 Oslo
    assert in_quiet_hours(tokyo, time(22), time(7), at) is True
    assert in_quiet_hours(oslo, time(22), time(7), at) is False


def quiet_now(person: User) -> tuple[datetime, datetime]:
    """Give ``person`` quiet hours around the real current time; returns (now, when they end)."""
    now = timezone.now()
    local = now.astimezone(zone_of(person))
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    set_kinds(person, [Kind.MENTION, Kind.REPLY], quiet_start=start, quiet_end=end)
    return now, now + timedelta(hours=1, minutes=1)


def test_quiet_hours_hold_mail_and_release_one_email_after(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    now, after = quiet_now(world.ola)
    mentioned = post(committed, world.kari, world.open, f"{mention(world.ola)} look")
    mine = post(committed, world.ola, world.open, "My post")
    with committed():
        do_create_comment(actor=world.per, post=mine, body="Answer")
    post(committed, world.kari, world.open, f"{mention(world.per)} too")  # Per: not quiet
    assert [m.rcpt_tos for m in smtp.take()] == [[world.per.email]]
    # The bell collected both for Ola; both e-mails are held.
    assert sorted(
        Notification.objects.filter(recipient=world.ola).values_list("kind", flat=True)
    ) == [Kind.MENTION, Kind.REPLY]
    assert set(
        NotificationEmail.objects.filter(held_since__isnull=False).values_list(
            "notification__kind", "recipient_id"
        )
    ) == {(Kind.MENTION, world.ola.pk), (Kind.REPLY, world.ola.pk)}
    # Still quiet: nothing goes.
    assert emails.release_held(now=now + timedelta(minutes=30)) == []
    assert smtp.take() == []
    assert emails.release_held(now=after) == [world.ola.pk]
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.subject == "2 notifications while you were away"
    assert "Kari mentioned you" in message.text and "Per commented on your post" in message.text
    assert "Kari mentioned you" in message.html and "Per commented on your post" in message.html
    assert "/notifications/unsubscribe/" in message.header("List-Unsubscribe")
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert not NotificationEmail.objects.filter(held_since__isnull=False).exists()
    # Released once only.
    assert emails.release_held(now=after + timedelta(minutes=5)) == []
    assert smtp.take() == []
    assert mentioned.pk != mine.pk


def test_held_mail_that_is_no_longer_relevant_is_dropped(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    now, after = quiet_now(world.ola)
    in_secret = post(committed, world.kari, world.secret, f"{mention(world.ola)} secret")
    read_it = post(committed, world.kari, world.open, f"{mention(world.ola)} read in the app")
    muted = post(committed, world.per, world.closed, f"{mention(world.ola)} from Per")
    assert NotificationEmail.objects.filter(held_since__isnull=False).count() == 3
    # Ola is removed from the secret group, reads one in the app, mutes Per.
    group_actions.do_remove_member(actor=world.admin, group=world.secret, user=world.ola)
    actions.do_mark_read(
        actor=world.ola, notification=Notification.objects.get(recipient=world.ola, post=read_it)
    )
    actions.do_mute(actor=world.ola, target_kind="person", target_id=world.per.pk, duration="1w")
    assert emails.release_held(now=after) == []
    assert smtp.take() == []
    assert not NotificationEmail.objects.filter(held_since__isnull=False).exists()
    assert NotificationEmail.objects.filter(sent_at__isnull=False).count() == 0
    assert {in_secret.pk, muted.pk} == set(
        Notification.objects.filter(recipient=world.ola, read_at__isnull=True).values_list(
            "post_id", flat=True
        )
    )
    assert now < after


def test_one_held_notification_is_released_as_the_usual_email(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    _now, after = quiet_now(world.ola)
    post(committed, world.kari, world.open, f"{mention(world.ola)} alone")
    assert smtp.take() == []
    # Activity outside quiet hours sends at once and clears the hold (checked with explicit now).
    notification = Notification.objects.get(recipient=world.ola)
    assert emails.send_immediate(notification.aggregation_key, [world.ola.pk], now=after) == [
        world.ola.pk
    ]
    [message] = smtp.take()
    assert message.subject == "Kari mentioned you"
    assert emails.release_held(now=after) == []
    assert smtp.take() == []
