"""The "What you missed" digest: when it goes, what is in it, and what never is."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from torg.accounts.models import User
from torg.feed.actions import do_record_seen
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.notifications import actions, digest
from torg.notifications.email_settings import preference_for, unsubscribe_token
from torg.notifications.models import EmailPreference, Notification
from torg.notifications.tests.conftest import World
from torg.notifications.tests.smtp_server import Inbox, Received, smtp
from torg.notifications.tests.test_email import mention, post, set_kinds
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Comment, Mention, Post
from torg.posts.reaction_actions import do_react

__all__ = ["smtp"]
Committed = Callable[[], AbstractContextManager[Any]]
OSLO = ZoneInfo("Europe/Oslo")
# A Monday morning in Oslo: the digest's "now" in these tests.
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=OSLO)
BASE = "http://localhost:8000"


def at(thing: Post | Comment, hours_before: float) -> None:
    """Move a post or comment back in time (relative to NOW)."""
    type(thing).objects.filter(pk=thing.pk).update(created_at=NOW - timedelta(hours=hours_before))


def comment(committed: Committed, author: User, on: Post, body: str) -> Comment:
    with committed():
        return do_create_comment(actor=author, post=on, body=body)


def post_ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(rf"{re.escape(BASE)}/posts/(\d+)/", text)]


def sections(message: Received) -> tuple[str, str]:
    top, _sep, mentions = message.text.partition("Mentions waiting for your answer")
    return top, mentions


def test_digest_holds_exactly_the_expected_posts_and_mentions(
    world: World, committed: Committed, smtp: Inbox, make_user: Callable[..., User]
) -> None:
    set_kinds(world.ola, [], digest="daily")
    EmailPreference.objects.filter(user=world.ola).update(last_digest_at=NOW - timedelta(days=1))
    board = group_actions.do_create_group(actor=world.admin, name="Board", privacy="secret")
    group_actions.do_add_member(group=board, user=world.per)
    left = group_actions.do_create_group(actor=world.admin, name="Left behind", privacy="closed")
    group_actions.do_add_member(group=left, user=world.ola)
    group_actions.do_add_member(group=left, user=world.kari)
    actions.do_set_group_level(actor=world.ola, group=world.secret, level="off")

    top = post(committed, world.kari, world.open, "Big news for everyone")
    quiet = post(committed, world.per, world.closed, "A quiet update")
    asked = post(committed, world.kari, world.closed, f"{mention(world.ola)} can you check?")
    seen = post(committed, world.kari, world.open, "Already seen")
    own = post(committed, world.ola, world.open, "Ola's own post")
    secret_board = post(committed, world.per, board, "Board minutes: layoffs")
    old = post(committed, world.kari, world.open, "Last week's news")
    gone = post(committed, world.kari, left, "After Ola left")
    silenced = post(committed, world.kari, world.secret, "In a group Ola turned off")
    for item, hours in (
        (top, 6),
        (quiet, 5),
        (asked, 4),
        (seen, 3),
        (own, 3),
        (secret_board, 2),
        (old, 30),
        (gone, 2),
        (silenced, 2),
    ):
        at(item, hours)
    group_actions.do_leave_group(actor=world.ola, group=left)
    with committed():
        do_react(actor=world.per, target=top, kind="like")
        do_react(actor=world.admin, target=top, kind="love")
        do_react(actor=world.admin, target=secret_board, kind="like")
        do_react(actor=world.per, target=secret_board, kind="love")
    at(comment(committed, world.per, top, "Great"), 5)
    at(comment(committed, world.per, quiet, f"{mention(world.ola)} thoughts?"), 3)
    at(comment(committed, world.ola, quiet, "Looks fine"), 2)  # answered
    unanswered = comment(committed, world.admin, top, f"{mention(world.ola)} please share")
    at(unanswered, 1)
    Mention.objects.create(post=secret_board, user=world.ola)  # even if one existed
    do_record_seen(viewer=world.ola, post_ids=[seen.pk])
    smtp.take()

    assert digest.send_digest(world.ola, now=NOW) is True
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.subject == "What you missed today in Torg"
    top_part, mention_part = sections(message)
    # top: 2 reactions + 2·2 comments = 6; quiet: 2·2 comments = 4; asked: 0.
    assert post_ids(top_part) == [top.pk, quiet.pk, asked.pk]
    assert post_ids(mention_part) == [top.pk, asked.pk]
    assert f"{BASE}/posts/{top.pk}/#comment-{unanswered.pk}" in mention_part
    assert "Ada Admin mentioned you in Open group: “@Ola please share”" in mention_part
    assert "Kari mentioned you in Closed group: “@Ola can you check?”" in mention_part
    unread = Notification.objects.filter(recipient=world.ola, read_at__isnull=True).count()
    assert unread == 3
    assert "You have 3 unread notifications." in mention_part
    for text in (message.text, message.html):
        assert "Board" not in text and "layoffs" not in text
        assert "Left behind" not in text and "Already seen" not in text
        assert "Last week" not in text and "Ola's own post" not in text
        assert "turned off" not in text
    assert post_ids(message.html) == [top.pk, quiet.pk, asked.pk, top.pk, asked.pk]
    assert "2 reactions, 2 comments" in message.text
    assert f"<{BASE}/notifications/unsubscribe/" in message.header("List-Unsubscribe")
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    # At most once a day.
    assert digest.send_digest(world.ola, now=NOW + timedelta(hours=3)) is False
    assert smtp.take() == []


def test_when_digests_are_due(make_user: Callable[..., User]) -> None:
    kari = make_user("Kari")
    kenji = make_user("Kenji", time_zone="Asia/Tokyo")
    daily = EmailPreference(user=kari, digest="daily")
    assert digest.is_due(kari, daily, NOW) is True
    assert digest.is_due(kari, daily, NOW.replace(hour=6, minute=59)) is False
    daily.last_digest_at = NOW
    assert digest.is_due(kari, daily, NOW.replace(hour=23)) is False
    assert digest.is_due(kari, daily, NOW + timedelta(hours=23)) is True  # Tuesday 07:00
    weekly = EmailPreference(user=kari, digest="weekly", last_digest_at=NOW)
    assert digest.is_due(kari, weekly, NOW + timedelta(days=6, hours=12)) is False
    assert digest.is_due(kari, weekly, NOW + timedelta(days=7)) is True
    quiet = EmailPreference(
        user=kari,
        digest="daily",
        quiet_start=datetime(2026, 1, 1, 6).time(),
        quiet_end=datetime(2026, 1, 1, 9).time(),
    )
    assert digest.is_due(kari, quiet, NOW) is False
    assert digest.is_due(kari, quiet, NOW.replace(hour=9)) is True
    assert digest.is_due(kari, EmailPreference(user=kari, digest="off"), NOW) is False
    assert digest.is_due(kari, EmailPreference(user=kari, unsubscribed=True), NOW) is False
    # Kenji's morning is in Tokyo.
    utc = ZoneInfo("UTC")
    tokyo = EmailPreference(user=kenji, digest="daily")
    assert digest.is_due(kenji, tokyo, datetime(2026, 11, 29, 21, 0, tzinfo=utc)) is False
    assert digest.is_due(kenji, tokyo, datetime(2026, 11, 29, 22, 5, tzinfo=utc)) is True


def test_send_digests_reaches_exactly_those_with_something_to_say(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    User.objects.filter(pk=world.ola.pk).update(language="nb")
    news = post(committed, world.kari, world.open, "Kantina er åpen")
    at(news, 2)
    # Per turns digests off with the link from a digest, Ada turns all e-mail off.
    per_link = f"/notifications/unsubscribe/{unsubscribe_token(world.per, 'digest')}/"
    assert Client().post(per_link).status_code == 200
    set_kinds(world.admin, [], unsubscribed=True)
    smtp.take()

    assert digest.send_digests(now=NOW) == [world.ola.pk]
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.subject == "Dette gikk du glipp av denne uken i Torg"
    assert "Populære innlegg i gruppene dine" in message.text
    assert post_ids(message.text) == [news.pk]
    assert preference_for(world.per).digest == "off"
    # Kari (the author) and Otto (no groups) had nothing to say, yet their turn is recorded.
    recorded = dict(EmailPreference.objects.values_list("user_id", "last_digest_at"))
    assert recorded[world.kari.pk] == NOW and recorded[world.outsider.pk] == NOW
    assert world.per.pk not in recorded or recorded[world.per.pk] is None
    # Nobody twice the same week; a week later there is nothing new to tell.
    assert digest.send_digests(now=NOW + timedelta(hours=2)) == []
    assert digest.send_digests(now=NOW + timedelta(days=7)) == []
    assert smtp.take() == []


def test_a_person_without_groups_gets_no_digest(
    world: World, smtp: Inbox, make_user: Callable[..., User]
) -> None:
    loner = make_user("Lone")
    assert not Group.objects.filter(memberships__user=loner).exists()
    assert digest.send_digest(loner, now=NOW) is False
    assert smtp.take() == []
    assert preference_for(loner).last_digest_at == NOW
