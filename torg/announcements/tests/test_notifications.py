"""Exact recipients: the announcement itself, its reminder (once, to non-readers) and closed polls
(once, to the author and voters)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from torg.announcements import actions, tasks
from torg.announcements.models import Announcement, PollClosedNotice
from torg.announcements.tests.conftest import Committed, World, recipients
from torg.core import periodic
from torg.groups import actions as group_actions
from torg.notifications import actions as notification_actions
from torg.notifications.models import GroupNotificationLevel, Notification
from torg.posts import actions as post_actions
from torg.posts.models import Poll

Kind = Notification.Kind
Reason = Notification.Reason


def _due_now(post_id: int) -> None:
    """Move the reminder time to the past, as if the delay had passed."""
    Announcement.objects.filter(post_id=post_id).update(
        remind_at=timezone.now() - timedelta(seconds=1)
    )


def test_marking_notifies_every_member_but_the_author_and_the_announcer(
    world: World, committed: Committed
) -> None:
    post = world.post(world.closed, author=world.kari)
    with committed():
        actions.do_mark_announcement(actor=world.admin, post=post)
    assert recipients(Kind.ANNOUNCEMENT) == ["Mona Moderator", "Ola Hansen", "Per Berg"]
    rows = Notification.objects.filter(kind=Kind.ANNOUNCEMENT)
    assert {(n.reason, n.post_id, n.group_id, n.actor_id) for n in rows} == {
        (Reason.ANNOUNCED, post.pk, world.closed.pk, world.admin.pk)
    }


def test_level_off_does_not_silence_an_announcement_but_a_mute_does(
    world: World, committed: Committed
) -> None:
    post = world.post(world.open)
    notification_actions.do_set_group_level(
        actor=world.ola, group=world.open, level=GroupNotificationLevel.Level.OFF
    )
    notification_actions.do_mute(
        actor=world.per, target_kind="group", target_id=world.open.pk, duration="forever"
    )
    with committed():
        actions.do_mark_announcement(actor=world.admin, post=post)
    # Ola turned the group "off" (content kinds only) and still hears of the announcement;
    # Per muted the group explicitly and does not.
    assert recipients(Kind.ANNOUNCEMENT) == ["Kari Nordmann", "Mona Moderator", "Ola Hansen"]


def test_only_current_members_of_an_open_group_are_told(world: World, committed: Committed) -> None:
    post = world.post(world.open)
    group_actions.do_leave_group(actor=world.per, group=world.open)
    with committed():
        actions.do_mark_announcement(actor=world.comms, post=post)
    # Per left (and the outsider could read the open group, but is not a member).
    assert recipients(Kind.ANNOUNCEMENT) == ["Kari Nordmann", "Mona Moderator", "Ola Hansen"]


def test_changing_an_announcement_does_not_notify_again(world: World, committed: Committed) -> None:
    post = world.post(world.open)
    with committed():
        actions.do_mark_announcement(actor=world.admin, post=post)
    Notification.objects.update(read_at=timezone.now())
    with committed():
        actions.do_mark_announcement(actor=world.admin, post=post, reminder="3d")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert Notification.objects.count() == 4


def test_reminder_goes_once_to_those_who_have_not_read_it(
    world: World, committed: Committed
) -> None:
    post = world.post(world.closed)
    with committed():
        announcement = actions.do_mark_announcement(actor=world.admin, post=post, reminder="1d")
    assert announcement.remind_at == announcement.announced_at + timedelta(days=1)
    assert tasks.send_due_reminders.call() == []  # not due yet
    actions.do_acknowledge(actor=world.kari, announcement=announcement)
    _due_now(post.pk)
    group_actions.do_leave_group(actor=world.per, group=world.closed)

    told = tasks.send_due_reminders.call()

    assert told == sorted([world.moderator.pk, world.ola.pk])
    assert recipients(Kind.ANNOUNCEMENT_REMINDER) == ["Mona Moderator", "Ola Hansen"]
    reminder = Notification.objects.get(kind=Kind.ANNOUNCEMENT_REMINDER, recipient=world.ola)
    assert (reminder.reason, reminder.post_id) == (Reason.ANNOUNCED, post.pk)
    # Once: later runs (and running the action again) send nothing more.
    Notification.objects.update(read_at=timezone.now())
    assert tasks.send_due_reminders.call() == []
    assert actions.do_send_reminder(announcement.pk) == []
    assert Notification.objects.filter(kind=Kind.ANNOUNCEMENT_REMINDER).count() == 2
    assert Announcement.objects.get(pk=announcement.pk).reminded_at is not None


def test_no_reminder_when_none_was_chosen_or_after_the_end(world: World) -> None:
    quiet = world.post(world.open, body="No reminder")
    actions.do_mark_announcement(actor=world.admin, post=quiet)
    ended = world.post(world.open, body="Ended")
    actions.do_mark_announcement(
        actor=world.admin, post=ended, until=timezone.now() + timedelta(days=2), reminder="1d"
    )
    assert Announcement.objects.get(post=quiet).remind_at is None
    _due_now(ended.pk)
    Announcement.objects.filter(post=ended).update(until=timezone.now() - timedelta(minutes=1))

    assert tasks.send_due_reminders.call() == []
    assert not Notification.objects.filter(kind=Kind.ANNOUNCEMENT_REMINDER).exists()
    # The ended one was settled (claimed) and will not be reminded later either.
    assert Announcement.objects.get(post=ended).reminded_at is not None


def test_acknowledging_reads_the_announcement_notifications(
    world: World, committed: Committed
) -> None:
    post = world.post(world.open)
    with committed():
        announcement = actions.do_mark_announcement(actor=world.admin, post=post)
    actions.do_acknowledge(actor=world.ola, announcement=announcement)
    unread = Notification.objects.filter(kind=Kind.ANNOUNCEMENT, read_at__isnull=True)
    assert sorted(unread.values_list("recipient__name", flat=True)) == [
        "Kari Nordmann",
        "Mona Moderator",
        "Per Berg",
    ]


def test_the_periodic_jobs_are_registered() -> None:
    names = {job.name: job.every for job in periodic.registered()}
    assert names["torg.announcements.tasks.send_due_reminders"] == timedelta(minutes=5)
    assert names["torg.announcements.tasks.notify_closed_polls"] == timedelta(minutes=5)


# --- poll closed ---------------------------------------------------------------------------------


def _poll(world: World, author: object | None = None) -> tuple[object, Poll]:
    post = post_actions.do_create_post(
        author=author or world.kari,  # type: ignore[arg-type]
        group=world.open,
        body="Lunch?",
        poll=post_actions.PollSpec(
            options=["Pizza", "Sushi"], closes_at=timezone.now() + timedelta(hours=1)
        ),
    )
    poll = Poll.objects.get(post=post)
    return post, poll


def _vote(world: World, post: object, person: object, option: int) -> None:
    poll = Poll.objects.get(post=post)
    option_id = poll.options.order_by("position")[option].pk
    post_actions.do_vote_poll(actor=person, post=post, option_ids=[option_id])  # type: ignore[arg-type]


def test_a_closed_poll_notifies_its_author_and_voters_once(world: World) -> None:
    post, poll = _poll(world)
    _vote(world, post, world.ola, 0)
    _vote(world, post, world.per, 1)
    _vote(world, post, world.kari, 0)  # the author voted too: told as the author
    assert tasks.notify_closed_polls.call() == []  # still open
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    told = tasks.notify_closed_polls.call()

    assert told == sorted([world.kari.pk, world.ola.pk, world.per.pk])
    rows = Notification.objects.filter(kind=Kind.POLL_CLOSED)
    assert sorted((n.recipient.name, n.reason, n.post_id) for n in rows) == [
        ("Kari Nordmann", Reason.YOUR_POLL, post.pk),  # type: ignore[attr-defined]
        ("Ola Hansen", Reason.VOTED, post.pk),  # type: ignore[attr-defined]
        ("Per Berg", Reason.VOTED, post.pk),  # type: ignore[attr-defined]
    ]
    assert PollClosedNotice.objects.filter(poll=poll).count() == 1
    rows.update(read_at=timezone.now())
    assert tasks.notify_closed_polls.call() == []
    assert actions.do_notify_poll_closed(poll.pk) == []
    assert Notification.objects.filter(kind=Kind.POLL_CLOSED).count() == 3


def test_closed_poll_skips_voters_who_lost_access_and_old_or_deleted_polls(world: World) -> None:
    post, poll = _poll(world)
    _vote(world, post, world.ola, 0)
    _vote(world, post, world.per, 1)
    # A poll in the closed group: Per leaves it and can no longer see the post.
    closed_post = post_actions.do_create_post(
        author=world.kari,
        group=world.closed,
        body="Secret lunch?",
        poll=post_actions.PollSpec(options=["A", "B"]),
    )
    _vote(world, closed_post, world.per, 0)
    _vote(world, closed_post, world.ola, 1)
    group_actions.do_leave_group(actor=world.per, group=world.closed)
    _old_post, old_poll = _poll(world, author=world.ola)
    deleted_post, deleted_poll = _poll(world, author=world.per)
    post_actions.do_delete_post(actor=world.per, post=deleted_post)  # type: ignore[arg-type]
    now = timezone.now()
    Poll.objects.filter(pk__in=[poll.pk, deleted_poll.pk]).update(
        closes_at=now - timedelta(minutes=1)
    )
    Poll.objects.filter(post=closed_post).update(closes_at=now - timedelta(minutes=1))
    Poll.objects.filter(pk=old_poll.pk).update(closes_at=now - timedelta(days=8))

    tasks.notify_closed_polls.call()

    rows = Notification.objects.filter(kind=Kind.POLL_CLOSED)
    assert sorted((n.post_id, n.recipient.name) for n in rows) == sorted(
        [
            (post.pk, "Kari Nordmann"),  # type: ignore[attr-defined]
            (post.pk, "Ola Hansen"),  # type: ignore[attr-defined]
            (post.pk, "Per Berg"),  # type: ignore[attr-defined]
            (closed_post.pk, "Kari Nordmann"),
            (closed_post.pk, "Ola Hansen"),
        ]
    )
    assert not PollClosedNotice.objects.filter(poll=old_poll).exists()
