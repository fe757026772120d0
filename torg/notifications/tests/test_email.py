"""Instant e-mail through a real SMTP server: who gets what, in which language, and unsubscribe."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from django.core import signing
from django.test import Client
from django.utils import timezone

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.notifications import actions, emails
from torg.notifications.delivery import Event, deliver
from torg.notifications.email_settings import (
    ALWAYS_EMAILED,
    CHOOSABLE_KINDS,
    UNSUBSCRIBE_SALT,
    EmailChoices,
    do_set_email_preferences,
    preference_for,
    unsubscribe_token,
)
from torg.notifications.models import EmailPreference, Mute, Notification, NotificationEmail
from torg.notifications.tests.conftest import World
from torg.notifications.tests.smtp_server import Inbox, Received, free_port, smtp
from torg.posts.actions import do_create_post
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Post
from torg.posts.reaction_actions import do_react

__all__ = ["smtp"]
Committed = Callable[[], AbstractContextManager[Any]]
Kind = Notification.Kind
BASE = "http://localhost:8000"


def mention(person: User) -> str:
    return f"@[{person.name}](user:{person.pk})"


def post(committed: Committed, author: User, group: Any, body: str = "Hello") -> Post:
    with committed():
        return do_create_post(author=author, group=group, body=body)


def set_kinds(person: User, kinds: list[str], **other: Any) -> EmailPreference:
    values: dict[str, Any] = {
        "immediate_kinds": kinds,
        "digest": "weekly",
        "quiet_start": None,
        "quiet_end": None,
        "unsubscribed": False,
        **other,
    }
    return do_set_email_preferences(actor=person, choices=EmailChoices(**values))


def unsubscribe_path(message: Received) -> str:
    header = message.header("List-Unsubscribe")
    match = re.fullmatch(rf"<{re.escape(BASE)}(/notifications/unsubscribe/[^/>]+/)>", header)
    assert match is not None, header
    return match.group(1)


def test_a_mention_emails_exactly_the_people_who_want_it(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    set_kinds(world.per, [Kind.REPLY])  # Per does not want mentions by e-mail
    item = post(
        committed, world.kari, world.open, f"Lunch? {mention(world.ola)} {mention(world.per)}"
    )
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.header("To") == world.ola.email
    assert message.subject == "Kari mentioned you"
    assert message.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert message.header("Auto-Submitted") == "auto-generated"
    notification = Notification.objects.get(recipient=world.ola, post=item)
    text, html = message.text, message.html
    assert "Kari mentioned you · Open group" in text
    assert "“Lunch? @Ola @Per”" in text
    assert f"{BASE}/notifications/{notification.pk}/" in text
    assert "Why you got this: You were mentioned." in text
    assert f'href="{BASE}/notifications/{notification.pk}/"' in html
    assert f'href="{BASE}/notifications/settings/?post={item.pk}#mute"' in html
    assert "<strong>Kari mentioned you</strong>" in html
    path = unsubscribe_path(message)
    assert f'href="{BASE}{path}"' in html
    # The mail was recorded as sent for the notification row.
    state = NotificationEmail.objects.get(notification=notification)
    assert state.sent_at is not None and state.held_since is None


def test_norwegian_person_gets_norwegian_mail(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    User.objects.filter(pk=world.ola.pk).update(language="nb")
    post(committed, world.kari, world.open, f"Hei {mention(world.ola)}")
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.subject == "Kari nevnte deg"
    assert "Hvorfor du fikk dette: Du ble nevnt." in message.text
    assert "Åpne i Torg" in message.html
    assert "Why you got this" not in message.text + message.html
    # The unsubscribe page speaks Norwegian too, even to someone not signed in.
    page = Client().get(unsubscribe_path(message))
    assert page.status_code == 200
    assert "Meld av" in page.content.decode()


def test_one_click_unsubscribe_stops_further_mail(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    first = post(committed, world.kari, world.open, f"{mention(world.ola)} first")
    [message] = smtp.take()
    path = unsubscribe_path(message)
    # GET only asks; nothing changes.
    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stop sending instant e-mails about: Mention to" in html
    assert f'<form method="post" action="{path}">' in html
    assert Kind.MENTION in preference_for(world.ola).immediate_kinds
    # The mail client's POST: no session, no CSRF token, the RFC 8058 body.
    client = Client(enforce_csrf_checks=True)
    answer = client.post(path, data="List-Unsubscribe=One-Click", content_type="text/plain")
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.content.decode()
    kinds = preference_for(world.ola).immediate_kinds
    assert Kind.MENTION not in kinds and Kind.REPLY in kinds
    # Twice is fine.
    assert client.post(path).status_code == 200
    post(committed, world.kari, world.open, f"{mention(world.ola)} second")
    assert smtp.take() == []
    # Other kinds still arrive: a reply to Ola's post.
    assert first.author == world.kari
    mine = post(committed, world.ola, world.open, "Mine")
    with committed():
        do_create_comment(actor=world.per, post=mine, body="Answer")
    assert smtp.to() == [[world.ola.email]]
    assert smtp.take()[0].subject == "Per commented on your post"


def test_unsubscribe_from_all_and_the_bad_links(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    all_path = f"/notifications/unsubscribe/{unsubscribe_token(world.ola, 'all')}/"
    assert Client().post(all_path).status_code == 200
    assert preference_for(world.ola).unsubscribed is True
    post(committed, world.kari, world.open, f"{mention(world.ola)}")
    assert smtp.take() == []

    kari_token = unsubscribe_token(world.kari, "digest")
    tampered = kari_token[:-2] + ("AA" if not kari_token.endswith("AA") else "BB")
    foreign_category = signing.dumps({"u": world.kari.pk, "c": "kind:nope"}, salt=UNSUBSCRIBE_SALT)
    other_salt = signing.dumps({"u": world.kari.pk, "c": "all"}, salt="something else")
    nobody = signing.dumps({"u": 999999, "c": "all"}, salt=UNSUBSCRIBE_SALT)
    for token in (tampered, "garbage", foreign_category, other_salt, nobody):
        for method in ("get", "post"):
            answer = getattr(Client(), method)(f"/notifications/unsubscribe/{token}/")
            assert answer.status_code == 400, (token, method)
            assert "This unsubscribe link is not valid" in answer.content.decode()
    # Kari's link opened while signed in as Ola: someone else's link.
    ola = Client()
    ola.force_login(world.ola)
    kari_path = f"/notifications/unsubscribe/{kari_token}/"
    assert ola.get(kari_path).status_code == 400
    assert ola.post(kari_path).status_code == 400
    assert preference_for(world.kari).digest == "weekly"
    # Kari herself may use it (signed in or not).
    kari = Client()
    kari.force_login(world.kari)
    assert kari.post(kari_path).status_code == 200
    assert preference_for(world.kari).digest == "off"
    assert Client().put(kari_path).status_code == 405


def test_reactions_and_group_posts_only_when_chosen(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    actions.do_set_group_level(actor=world.ola, group=world.open, level="all")
    mine = post(committed, world.kari, world.open, "Plain post")
    with committed():
        do_react(actor=world.ola, target=mine, kind="like")
    # Kari got a reaction notification, Ola a group-post one; neither e-mails by default.
    assert Notification.objects.filter(kind=Kind.REACTION, recipient=world.kari).exists()
    assert Notification.objects.filter(kind=Kind.GROUP_POST, recipient=world.ola).exists()
    assert smtp.take() == []
    set_kinds(world.kari, [Kind.REACTION])
    set_kinds(world.ola, [Kind.GROUP_POST])
    second = post(committed, world.kari, world.open, "Second post")
    with committed():
        do_react(actor=world.per, target=second, kind="love")
    assert [(m.rcpt_tos, m.subject) for m in smtp.take()] == [
        ([world.ola.email], "Kari posted in Open group"),
        ([world.kari.email], "Per reacted to your post"),
    ]


def test_a_burst_of_comments_sends_one_email_per_window(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    mine = post(committed, world.kari, world.open, "Thoughts?")
    for person in (world.ola, world.per, world.admin):
        with committed():
            do_create_comment(actor=person, post=mine, body=f"From {person.name}")
    [message] = smtp.take()
    assert message.rcpt_tos == [world.kari.email]
    assert message.subject == "Ola commented on your post"
    notification = Notification.objects.get(recipient=world.kari, kind=Kind.REPLY)
    assert notification.actor_count == 3
    # Running the task again at once changes nothing; after the window one summary goes out.
    key = notification.aggregation_key
    assert emails.send_immediate(key, [world.kari.pk]) == []
    later = timezone.now() + emails.REPEAT_AFTER + timedelta(minutes=1)
    assert emails.send_immediate(key, [world.kari.pk], now=later) == [world.kari.pk]
    [summary] = smtp.take()
    assert summary.subject == "Ada Admin and 2 others commented on your post"
    # Once read, it is not e-mailed again.
    actions.do_mark_read(actor=world.kari, notification=notification)
    much_later = later + timedelta(hours=2)
    assert emails.send_immediate(key, [world.kari.pk], now=much_later) == []
    assert smtp.take() == []


def test_a_muted_group_sends_nothing_until_the_mute_ends(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    actions.do_mute(actor=world.ola, target_kind="group", target_id=world.open.pk, duration="1h")
    post(committed, world.kari, world.open, f"{mention(world.ola)} while muted")
    assert smtp.take() == []
    assert not Notification.objects.filter(recipient=world.ola).exists()
    # Muted people too (Per), while another group still e-mails.
    actions.do_mute(actor=world.ola, target_kind="person", target_id=world.per.pk, duration="8h")
    post(committed, world.per, world.closed, f"{mention(world.ola)} from Per")
    post(committed, world.kari, world.closed, f"{mention(world.ola)} from Kari")
    assert [(m.rcpt_tos, m.subject) for m in smtp.take()] == [
        ([world.ola.email], "Kari mentioned you")
    ]
    Mute.objects.filter(user=world.ola).update(until=timezone.now() - timedelta(seconds=1))
    post(committed, world.kari, world.open, f"{mention(world.ola)} after the mute")
    assert smtp.to() == [[world.ola.email]]


def test_a_removed_member_gets_no_more_mail_about_the_group(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    set_kinds(world.ola, [Kind.MENTION, Kind.GROUP_POST, Kind.FOLLOWED_COMMENT])
    actions.do_set_group_level(actor=world.ola, group=world.secret, level="all")
    before = post(committed, world.kari, world.secret, "Secret plans")
    assert [(m.rcpt_tos, m.subject) for m in smtp.take()] == [
        ([world.ola.email], "Kari posted in Secret group")
    ]
    with committed():
        do_create_comment(actor=world.ola, post=before, body="Count me in")
    assert [m.rcpt_tos for m in smtp.take()] == [[world.kari.email]]  # a reply to her post
    group_actions.do_remove_member(actor=world.admin, group=world.secret, user=world.ola)
    after = post(committed, world.kari, world.secret, f"New plans {mention(world.ola)}")
    with committed():
        do_create_comment(actor=world.per, post=before, body=f"Also {mention(world.ola)}")
    assert not Notification.objects.filter(recipient=world.ola, post=after).exists()
    # Ola follows the post she commented on, but hears nothing; Kari's reply row was e-mailed
    # minutes ago, so the new comment only updates it.
    assert smtp.take() == []
    # Even an older unread notification about the group is not e-mailed any more.
    old = Notification.objects.get(recipient=world.ola, post=before, kind=Kind.GROUP_POST)
    later = timezone.now() + timedelta(hours=1)
    assert emails.send_immediate(old.aggregation_key, [world.ola.pk], now=later) == []
    assert smtp.take() == []


def test_announcement_reminders_are_always_emailed_unless_all_is_off(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    assert set(ALWAYS_EMAILED) == {Kind.ANNOUNCEMENT_REMINDER}
    assert Kind.ANNOUNCEMENT_REMINDER not in CHOOSABLE_KINDS
    set_kinds(world.ola, [])
    news = post(committed, world.admin, world.open, "Read this")
    with committed():
        deliver(
            Event(Kind.ANNOUNCEMENT_REMINDER, f"reminder:p{news.pk}", world.admin.pk, post=news),
            {world.ola.pk: Notification.Reason.ANNOUNCED, world.outsider.pk: "announced"},
        )
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]  # Otto is no member: no reminder
    assert message.subject == "Reminder: an announcement in Open group is waiting for you"
    assert "kind:" not in message.header("List-Unsubscribe")
    set_kinds(world.ola, [], unsubscribed=True)
    with committed():
        deliver(
            Event(Kind.ANNOUNCEMENT_REMINDER, f"reminder2:p{news.pk}", world.admin.pk, post=news),
            {world.ola.pk: Notification.Reason.ANNOUNCED},
        )
    assert smtp.take() == []


def test_join_requests_email_the_groups_managers(
    world: World, committed: Committed, smtp: Inbox, make_user: Callable[..., User]
) -> None:
    newcomer = make_user("Nora")
    with committed():
        group_actions.do_join_group(actor=newcomer, group=world.closed, message="Hi")
    [message] = smtp.take()
    assert message.rcpt_tos == [world.admin.email]
    assert message.subject == "Nora asked to join Closed group"
    assert f"{BASE}/notifications/" in message.text


def test_settings_page_changes_email_preferences(world: World, smtp: Inbox) -> None:
    ola = Client()
    ola.force_login(world.ola)
    page = ola.get("/notifications/settings/").content.decode()
    assert 'id="email"' in page
    assert 'name="immediate_kinds" value="mention"' in page
    assert "Announcement reminders are always e-mailed" in page
    assert "In your time zone (Europe/Oslo)" in page
    answer = ola.post(
        "/notifications/settings/email/",
        {
            "immediate_kinds": ["reply", "reaction"],
            "digest": "daily",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/notifications/settings/#email"
    preference = preference_for(world.ola)
    assert preference.immediate_kinds == ["reply", "reaction", "announcement_reminder"]
    assert (preference.digest, str(preference.quiet_start), str(preference.quiet_end)) == (
        "daily",
        "22:00:00",
        "07:00:00",
    )
    assert preference.unsubscribed is False
    # Half quiet hours, or an unknown digest, are refused with a message and change nothing.
    bad = ola.post(
        "/notifications/settings/email/",
        {"immediate_kinds": ["mention"], "digest": "daily", "quiet_start": "22:00"},
        follow=True,
    )
    assert "Give both the start and the end of your quiet hours." in bad.content.decode()
    bad = ola.post("/notifications/settings/email/", {"digest": "hourly"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()
    assert preference_for(world.ola).immediate_kinds == [
        "reply",
        "reaction",
        "announcement_reminder",
    ]
    assert Client().post("/notifications/settings/email/", {"digest": "off"}).status_code == 302
    assert smtp.take() == []


def test_email_settings_api(world: World) -> None:
    url = "/api/v1/notifications/email-settings"
    assert Client().get(url).status_code == 401
    ola = Client()
    ola.force_login(world.ola)
    assert ola.get(url).json() == {
        "immediate_kinds": [
            "reply",
            "mention",
            "join_request",
            "request_approved",
            "invitation",
            "announcement",
            "live_reminder",
            "report_outcome",
            "moderation_warning",
            "group_review",
            "group_request",
            "group_decided",
        ],
        "always_emailed": ["announcement_reminder"],
        "digest": "weekly",
        "quiet_start": None,
        "quiet_end": None,
        "time_zone": "Europe/Oslo",
        "unsubscribed": False,
    }
    changed = ola.put(
        url,
        {
            "immediate_kinds": ["mention", "group_post"],
            "digest": "daily",
            "quiet_start": "21:30",
            "quiet_end": "06:45",
        },
        content_type="application/json",
    )
    assert changed.status_code == 200
    body = changed.json()
    assert body["immediate_kinds"] == ["mention", "group_post"]
    assert (body["digest"], body["quiet_start"], body["quiet_end"]) == (
        "daily",
        "21:30:00",
        "06:45:00",
    )
    refused = ola.put(
        url,
        {"immediate_kinds": ["announcement_reminder"], "digest": "daily"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Choose from the listed kinds."}
    same = ola.put(
        url,
        {"immediate_kinds": [], "digest": "off", "quiet_start": "08:00", "quiet_end": "08:00"},
        content_type="application/json",
    )
    assert same.status_code == 400
    assert "another time" in same.json()["detail"]
    assert ola.put(url, {"digest": "hourly"}, content_type="application/json").status_code == 422
    assert ola.get(url).json()["digest"] == "daily"


def test_a_failed_send_is_not_recorded_and_a_second_run_sends_it(
    world: World, committed: Committed, smtp: Inbox, settings: Any
) -> None:
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    post(committed, world.kari, world.open, f"{mention(world.ola)} are you there?")
    notification = Notification.objects.get(recipient=world.ola)
    assert NotificationEmail.objects.get(notification=notification).sent_at is None
    settings.MAILERS = working
    # The task runs again (a retry): the mail goes, once.
    assert emails.send_immediate(notification.aggregation_key, [world.ola.pk]) == [world.ola.pk]
    assert emails.send_immediate(notification.aggregation_key, [world.ola.pk]) == []
    assert [m.rcpt_tos for m in smtp.take()] == [[world.ola.email]]
