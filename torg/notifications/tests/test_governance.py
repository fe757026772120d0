"""Governance decisions reach the bell (and e-mail, as each person's preferences say):
report outcomes, moderation of one's writing, inactive groups, groups awaiting approval."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone, translation

from torg.accounts.models import User
from torg.governance import lifecycle, moderation
from torg.governance.models import KeywordAlert, Report
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.notifications import emails, selectors
from torg.notifications.models import (
    GOVERNANCE_KINDS,
    EmailPreference,
    Notification,
    NotificationEmail,
)
from torg.notifications.tests.conftest import World
from torg.notifications.tests.smtp_server import Inbox, smtp
from torg.notifications.tests.test_email import post, set_kinds
from torg.notifications.tests.test_quiet import quiet_now
from torg.posts import comment_actions
from torg.realtime.consumers import check_event
from torg.realtime.models import RealtimeEvent

__all__ = ["smtp"]
pytestmark = pytest.mark.django_db
Committed = Callable[[], AbstractContextManager[Any]]
Kind = Notification.Kind
BODY = "Buy cheap watches now"


def told() -> list[tuple[str, str]]:
    """(name, kind) of every governance notification."""
    return sorted(
        Notification.objects.filter(kind__in=GOVERNANCE_KINDS).values_list(
            "recipient__name", "kind"
        )
    )


def one(person: User, kind: str) -> Notification:
    return Notification.objects.select_related("group", "actor").get(recipient=person, kind=kind)


def reported(world: World, committed: Committed, group: Group | None = None) -> list[Report]:
    """Kari's post in ``group`` (open by default), reported by Ola and by Per."""
    item = post(committed, world.kari, group or world.open, BODY)
    return [
        moderation.do_report(actor=world.ola, kind="post", target_id=item.pk, reason="spam"),
        moderation.do_report(actor=world.per, kind="post", target_id=item.pk, reason="other"),
    ]


def api_notifications(person: User) -> list[dict[str, Any]]:
    client = Client()
    client.force_login(person)
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    return response.json()["notifications"]


# --- moderation ---------------------------------------------------------------------------------


def test_hiding_tells_each_reporter_and_the_author_and_nobody_else(
    world: World, committed: Committed
) -> None:
    first, _second = reported(world, committed)
    with committed():
        moderation.do_decide(actor=world.admin, report=first, outcome="hide", note="Spam.")
    assert told() == [
        ("Kari", Kind.MODERATION_WARNING),
        ("Ola", Kind.REPORT_OUTCOME),
        ("Per", Kind.REPORT_OUTCOME),
    ]
    outcome = one(world.ola, Kind.REPORT_OUTCOME)
    # Nothing of the hidden post is kept on the notification: no post, no text; nobody named.
    assert (outcome.post_id, outcome.comment_id, outcome.actor_id) == (None, None, None)
    assert outcome.group_id == world.open.pk
    assert outcome.reason == Notification.Reason.YOUR_REPORT
    assert outcome.data == {
        "outcome": "hidden",
        "target": "post",
        "report": first.pk,
        "note": "Spam.",
    }
    assert selectors.describe(outcome) == "Your report was reviewed: the post was hidden"
    assert selectors.detail(outcome) == "Spam."
    assert selectors.target_url(outcome) == "/governance/guidelines/"
    assert selectors.settings_url(outcome) == "/notifications/settings/#email"
    [row] = api_notifications(world.ola)
    assert row["text"] == "Your report was reviewed: the post was hidden"
    assert row["detail"] == "Spam."
    assert row["post_id"] is None and row["actor_id"] is None
    assert "watches" not in str(row)
    warning = one(world.kari, Kind.MODERATION_WARNING)
    assert selectors.describe(warning) == "A moderator hid your post"
    assert warning.reason == Notification.Reason.YOUR_WRITING
    assert (warning.actor_id, warning.post_id) == (None, None)
    # The list page shows it (with the note), for the reporter only.
    client = Client()
    client.force_login(world.ola)
    page = client.get("/notifications/").content.decode()
    assert "Your report was reviewed: the post was hidden" in page
    assert "Moderator's note: Spam." in page
    assert "watches" not in page


def test_the_bell_updates_after_commit_only(
    world: World,
    committed: Committed,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    first, _second = reported(world, committed)
    before = RealtimeEvent.objects.filter(kind="notification.created").count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.do_decide(actor=world.admin, report=first, outcome="remove")
    # Inside the moderator's transaction nothing is told yet.
    assert told() == []
    assert RealtimeEvent.objects.filter(kind="notification.created").count() == before
    with committed():
        for callback in callbacks:
            callback()
    events = dict(
        RealtimeEvent.objects.filter(kind="notification.created")
        .order_by("id")
        .values_list("channel", "payload")[before:]
    )
    assert events == {
        f"user-{world.kari.pk}": {"unread": 1},
        f"user-{world.ola.pk}": {"unread": 1},
        f"user-{world.per.pk}": {"unread": 1},
    }
    # Each person's own connection delivers it; nobody else's.
    payload = events[f"user-{world.ola.pk}"]
    assert check_event(world.ola, f"user-{world.ola.pk}", "notification.created", payload) == {}
    assert check_event(world.per, f"user-{world.ola.pk}", "notification.created", payload) is None
    assert selectors.unread_count(world.ola) == 1


def test_dismissing_tells_the_reporters_only_and_links_to_the_post(
    world: World, committed: Committed
) -> None:
    first, _second = reported(world, committed)
    with committed():
        moderation.do_decide(actor=world.admin, report=first, outcome="dismiss")
    assert told() == [("Ola", Kind.REPORT_OUTCOME), ("Per", Kind.REPORT_OUTCOME)]
    outcome = one(world.per, Kind.REPORT_OUTCOME)
    assert selectors.describe(outcome) == (
        "Your report was reviewed and dismissed: no action was needed"
    )
    assert selectors.target_url(outcome) == f"/posts/{first.target_id}/"
    assert selectors.detail(outcome) == ""


def test_a_warning_about_a_comment_links_to_it(world: World, committed: Committed) -> None:
    item = post(committed, world.kari, world.open, "Lunch?")
    with committed():
        comment = comment_actions.do_create_comment(actor=world.per, post=item, body="Rude")
    report = moderation.do_report(
        actor=world.ola, kind="comment", target_id=comment.pk, reason="harassment"
    )
    with committed():
        moderation.do_decide(actor=world.admin, report=report, outcome="warn", note="Be kind.")
    assert told() == [("Ola", Kind.REPORT_OUTCOME), ("Per", Kind.MODERATION_WARNING)]
    warning = one(world.per, Kind.MODERATION_WARNING)
    assert selectors.describe(warning) == "A moderator warned you about your comment"
    assert selectors.target_url(warning) == f"/posts/{item.pk}/#comment-{comment.pk}"
    assert selectors.detail(warning) == "Be kind."
    assert selectors.describe(one(world.ola, Kind.REPORT_OUTCOME)) == (
        "Your report was reviewed: the author was warned"
    )


def test_people_removed_from_a_secret_group_hear_nothing_about_it(
    world: World,
    committed: Committed,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    first, _second = reported(world, committed, world.secret)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.do_decide(actor=world.admin, report=first, outcome="remove")
    # Before the notifications go out, Ola (a reporter) leaves the secret group.
    group_actions.do_remove_member(actor=world.admin, group=world.secret, user=world.ola)
    with committed():
        for callback in callbacks:
            callback()
    assert told() == [("Kari", Kind.MODERATION_WARNING), ("Per", Kind.REPORT_OUTCOME)]
    assert selectors.describe(one(world.kari, Kind.MODERATION_WARNING)) == (
        "A moderator removed your post"
    )
    assert api_notifications(world.ola) == []


def test_a_keyword_alert_has_no_reporter_to_tell(world: World, committed: Committed) -> None:
    KeywordAlert.objects.create(keyword="watches", created_by=world.admin)
    item = post(committed, world.kari, world.open, BODY)  # scanned after commit
    report = Report.objects.get(target_kind="post", target_id=item.pk, reporter__isnull=True)
    with committed():
        moderation.do_decide(actor=world.admin, report=report, outcome="remove")
    assert told() == [("Kari", Kind.MODERATION_WARNING)]


# --- group life cycle ---------------------------------------------------------------------------


def test_an_inactive_group_asks_its_current_admins_only(
    world: World,
    committed: Committed,
    smtp: Inbox,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    group_actions.do_change_role(
        actor=world.admin, group=world.open, user=world.per, role=Membership.Role.ADMIN
    )
    Group.objects.filter(pk=world.open.pk).update(created_at=timezone.now() - timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert lifecycle.do_flag_inactive_groups() == 1
    # Per is no longer in the group when the notifications go out.
    group_actions.do_remove_member(actor=world.admin, group=world.open, user=world.per)
    with committed():
        for callback in callbacks:
            callback()
    assert told() == [("Ada Admin", Kind.GROUP_REVIEW)]
    review = one(world.admin, Kind.GROUP_REVIEW)
    assert review.reason == Notification.Reason.GROUP_ADMIN
    assert selectors.describe(review) == (
        "Open group has had no activity for 180 days: keep it or archive it?"
    )
    assert selectors.target_url(review) == f"/governance/groups/{world.open.slug}/"
    [message] = smtp.take()
    assert message.rcpt_tos == [world.admin.email]
    assert message.subject == review_subject(review)
    assert f"/notifications/{review.pk}/" in message.text
    # Running the flagging again tells nobody again.
    with committed():
        assert lifecycle.do_flag_inactive_groups() == 0
    assert told() == [("Ada Admin", Kind.GROUP_REVIEW)]
    assert smtp.take() == []


def review_subject(notification: Notification) -> str:
    return selectors.describe(notification)


def test_a_group_awaiting_approval_tells_the_network_admins_then_its_creator(
    world: World, committed: Committed, settings: Any, make_user: Callable[..., User]
) -> None:
    settings.TORG_GROUP_APPROVAL = True
    nina = make_user("Nina Network", is_staff=True)
    nils = make_user("Nils Network", is_staff=True)
    make_user("Gone Network", is_staff=True, is_active=False)
    with committed():
        hidden = group_actions.do_create_group(actor=world.ola, name="Hush hush", privacy="secret")
    # Network admins hear of a secret group too (they approve it on Group health); Ola, who made
    # it, and the other people do not.
    assert told() == [("Nils Network", Kind.GROUP_REQUEST), ("Nina Network", Kind.GROUP_REQUEST)]
    request = one(nina, Kind.GROUP_REQUEST)
    assert selectors.describe(request) == "Ola created Hush hush: it awaits your approval"
    assert selectors.target_url(request) == "/governance/groups/"
    assert request.reason == Notification.Reason.NETWORK_ADMIN
    assert RealtimeEvent.objects.filter(
        kind="notification.created", channel=f"user-{nina.pk}", payload={"unread": 1}
    ).exists()
    with committed():
        lifecycle.do_approve_group(actor=nina, group=hidden)
    assert told() == [
        ("Nils Network", Kind.GROUP_REQUEST),
        ("Nina Network", Kind.GROUP_REQUEST),
        ("Ola", Kind.GROUP_DECIDED),
    ]
    decided = one(world.ola, Kind.GROUP_DECIDED)
    assert selectors.describe(decided) == "Your new group Hush hush was approved"
    assert selectors.target_url(decided) == f"/groups/{hidden.slug}/"
    # Nothing left to do for the other network admin: the request is marked read.
    assert selectors.unread_count(nils) == 0
    with committed():
        refused = group_actions.do_create_group(actor=world.kari, name="Second try")
    with committed():
        lifecycle.do_reject_group(actor=nils, group=refused)
    assert selectors.describe(one(world.kari, Kind.GROUP_DECIDED)) == (
        "Your new group Second try was not approved: it is archived"
    )
    # A network admin's own new group needs no approval and tells nobody.
    with committed():
        group_actions.do_create_group(actor=nina, name="Admin made")
    assert Notification.objects.filter(kind=Kind.GROUP_REQUEST).count() == 4


# --- e-mail -------------------------------------------------------------------------------------


def test_one_email_each_and_the_preferences_apply(
    world: World, committed: Committed, smtp: Inbox
) -> None:
    set_kinds(world.per, [Kind.MENTION])  # Per turned report outcomes off by e-mail
    first, _second = reported(world, committed)
    smtp.take()
    with committed():
        moderation.do_decide(actor=world.admin, report=first, outcome="remove", note="Ads.")
    messages = {tuple(m.rcpt_tos): m for m in smtp.take()}
    assert sorted(messages) == sorted([(world.ola.email,), (world.kari.email,)])
    outcome = messages[(world.ola.email,)]
    assert outcome.subject == "Your report was reviewed: the post was removed"
    assert "Ads." in outcome.text and "watches" not in outcome.text
    assert "/notifications/unsubscribe/" in outcome.header("List-Unsubscribe")
    assert messages[(world.kari.email,)].subject == "A moderator removed your post"
    # Per still has it in the bell.
    assert told() == [
        ("Kari", Kind.MODERATION_WARNING),
        ("Ola", Kind.REPORT_OUTCOME),
        ("Per", Kind.REPORT_OUTCOME),
    ]


def test_quiet_hours_hold_the_email(world: World, committed: Committed, smtp: Inbox) -> None:
    now, after = quiet_now(world.ola)
    set_kinds(
        world.ola,
        [Kind.REPORT_OUTCOME],
        quiet_start=EmailPreference.objects.get(user=world.ola).quiet_start,
        quiet_end=EmailPreference.objects.get(user=world.ola).quiet_end,
    )
    first, _second = reported(world, committed)
    smtp.take()
    with committed():
        moderation.do_decide(actor=world.admin, report=first, outcome="hide")
    assert sorted(tuple(m.rcpt_tos) for m in smtp.take()) == sorted(
        [(world.per.email,), (world.kari.email,)]
    )
    held = NotificationEmail.objects.get(held_since__isnull=False)
    assert (held.recipient_id, held.notification.kind) == (world.ola.pk, Kind.REPORT_OUTCOME)
    assert emails.release_held(now=now + timedelta(minutes=10)) == []
    assert emails.release_held(now=after) == [world.ola.pk]
    [message] = smtp.take()
    assert message.rcpt_tos == [world.ola.email]
    assert message.subject == "Your report was reviewed: the post was hidden"


def test_a_held_group_request_is_dropped_once_decided(
    world: World, committed: Committed, smtp: Inbox, settings: Any, make_user: Callable[..., User]
) -> None:
    settings.TORG_GROUP_APPROVAL = True
    nina = make_user("Nina Network", is_staff=True)
    _now, after = quiet_now(nina)
    preference = EmailPreference.objects.get(user=nina)
    set_kinds(
        nina,
        [Kind.GROUP_REQUEST],
        quiet_start=preference.quiet_start,
        quiet_end=preference.quiet_end,
    )
    with committed():
        group = group_actions.do_create_group(actor=world.ola, name="Waiting")
    assert smtp.take() == []
    assert NotificationEmail.objects.filter(recipient=nina, held_since__isnull=False).exists()
    lifecycle.do_approve_group(actor=make_user("Other Admin", is_staff=True), group=group)
    assert emails.release_held(now=after) == []
    assert smtp.take() == []


def test_norwegian(world: World, committed: Committed, smtp: Inbox) -> None:
    User.objects.filter(pk=world.ola.pk).update(language="nb")
    first, _second = reported(world, committed)
    smtp.take()
    with committed():
        moderation.do_decide(actor=world.admin, report=first, outcome="remove")
    [message] = [m for m in smtp.take() if m.rcpt_tos == [world.ola.email]]
    assert message.subject == "Rapporten din er vurdert: innlegget ble fjernet"
    with translation.override("nb"):
        assert selectors.describe(one(world.kari, Kind.MODERATION_WARNING)) == (
            "En moderator fjernet innlegget ditt"
        )
        assert str(Notification.Reason.YOUR_REPORT.label) == "Du rapporterte dette."
        assert str(Kind.GROUP_REVIEW.label) == "Inaktiv gruppe å beholde eller arkivere"


def test_stored_preferences_get_the_governance_kinds_by_migration(world: World) -> None:
    import importlib

    migration = importlib.import_module("torg.notifications.migrations.0005_governance_kinds")
    set_kinds(world.ola, [Kind.MENTION])
    set_kinds(world.per, [Kind.REPLY, Kind.REPORT_OUTCOME])
    migration.email_governance_kinds(django_apps, None)
    assert EmailPreference.objects.get(user=world.ola).immediate_kinds == [
        Kind.MENTION,
        Kind.ANNOUNCEMENT_REMINDER,
        *GOVERNANCE_KINDS,
    ]
    per = EmailPreference.objects.get(user=world.per).immediate_kinds
    assert sorted(per) == sorted([Kind.REPLY, Kind.ANNOUNCEMENT_REMINDER, *GOVERNANCE_KINDS])
    migration.forget_governance_kinds(django_apps, None)
    assert EmailPreference.objects.get(user=world.ola).immediate_kinds == [
        Kind.MENTION,
        Kind.ANNOUNCEMENT_REMINDER,
    ]
    assert not set(GOVERNANCE_KINDS) - set(EmailPreference().immediate_kinds)
