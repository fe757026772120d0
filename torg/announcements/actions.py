"""Every write on announcements: ``check_*`` validates and checks access, ``do_*`` writes in one
transaction and sends notifications after the commit (through ``tasks``).

Decisions:
- Marking notifies the audience (see ``selectors``) once, with ``Kind.ANNOUNCEMENT``. Changing
  the "until" date or the reminder of an announcement does not notify again.
- The person who marks a post has read it: their acknowledgement is recorded at once.
- A reminder (``Kind.ANNOUNCEMENT_REMINDER``) goes once per announcement, at ``remind_at``, to
  the audience members who have not read it; none for an announcement past its "until".
- A closed poll is notified once (``PollClosedNotice``), to its author (``YOUR_POLL``) and its
  voters (``VOTED``), if it closed within the last ``POLL_CLOSED_WINDOW``: a first run (or a
  long outage) does not announce polls closed long ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from torg.announcements import selectors
from torg.announcements.access import can_announce
from torg.announcements.models import Acknowledgement, Announcement, PollClosedNotice
from torg.core.events import enqueue_on_commit
from torg.groups.access import as_person
from torg.notifications.delivery import Event, deliver
from torg.notifications.models import Notification
from torg.posts.access import can_see_post
from torg.posts.models import Poll, PollVote, Post

if TYPE_CHECKING:
    from torg.accounts.models import User

Kind = Notification.Kind
Reason = Notification.Reason

# The reminder delays offered in the form and the API ("none": no reminder).
REMINDERS: dict[str, timedelta | None] = {
    "none": None,
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
}
REMINDER_LABELS = {
    "none": gettext_lazy("No reminder"),
    "1d": gettext_lazy("After 1 day"),
    "3d": gettext_lazy("After 3 days"),
    "1w": gettext_lazy("After 1 week"),
}
MAX_UNTIL = timedelta(days=366)
POLL_CLOSED_WINDOW = timedelta(days=7)
BATCH = 200


def _require_person(actor: User) -> User:
    person = as_person(actor)
    if person is None:
        raise PermissionDenied(_("Sign in first."))
    return person


# --- mark / unmark -------------------------------------------------------------------------------


def check_mark_announcement(
    *, actor: User, post: Post, until: datetime | None, reminder: str, now: datetime
) -> timedelta | None:
    """Validate; returns the reminder delay."""
    person = _require_person(actor)
    if post.group_id is None:
        raise ValidationError(_("Only posts in groups can be announcements."))
    if post.deleted_at is not None:
        raise ValidationError(_("This post was deleted."))
    if not can_announce(person, post):
        raise PermissionDenied(_("Only group admins and communications staff can do that."))
    if reminder not in REMINDERS:
        raise ValidationError(
            _("Choose when to remind people: after 1 day, 3 days, 1 week, or never.")
        )
    if until is not None:
        if timezone.is_naive(until):
            raise ValidationError(_("Give the date with a time zone."))
        if until <= now:
            raise ValidationError(_("The end date must be in the future."))
        if until > now + MAX_UNTIL:
            raise ValidationError(_("The end date can be at most a year from now."))
    delay = REMINDERS[reminder]
    if delay is not None and until is not None and now + delay >= until:
        raise ValidationError(
            _("The reminder would come after the announcement ends. Choose an earlier reminder.")
        )
    return delay


def do_mark_announcement(
    *, actor: User, post: Post, until: datetime | None = None, reminder: str = "none"
) -> Announcement:
    """Mark ``post`` as an announcement (or change its end date and reminder)."""
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        delay = check_mark_announcement(
            actor=actor, post=post, until=until, reminder=reminder, now=now
        )
        announcement = Announcement.objects.filter(post=post).first()
        created = announcement is None
        if announcement is None:
            announcement = Announcement(post=post, announced_by=actor, announced_at=now)
        announcement.until = until
        base = announcement.announced_at
        announcement.remind_at = base + delay if delay is not None else None
        if (
            delay is not None
            and announcement.remind_at is not None
            and announcement.remind_at <= now
        ):
            # Shortening the delay of an old announcement: remind at the next run.
            announcement.remind_at = now
        announcement.save()
        Acknowledgement.objects.get_or_create(
            announcement=announcement, user=actor, defaults={"acknowledged_at": now}
        )
        if created:
            from torg.announcements import tasks

            enqueue_on_commit(tasks.announcement_made, announcement.pk)
    return announcement


def check_unmark_announcement(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if not can_announce(person, post):
        raise PermissionDenied(_("Only group admins and communications staff can do that."))


def do_unmark_announcement(*, actor: User, post: Post) -> bool:
    """Make ``post`` an ordinary post again (its read receipts go). True if it was one."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        check_unmark_announcement(actor=actor, post=post)
        deleted, _rows = Announcement.objects.filter(post=post).delete()
    return deleted > 0


# --- acknowledge ---------------------------------------------------------------------------------


def check_acknowledge(*, actor: User, announcement: Announcement) -> None:
    person = _require_person(actor)
    if not can_see_post(person, announcement.post):
        raise PermissionDenied(_("You cannot see this post."))


def do_acknowledge(*, actor: User, announcement: Announcement) -> Acknowledgement:
    """ "Mark as read": recorded once (the first time counts); also reads its notifications."""
    check_acknowledge(actor=actor, announcement=announcement)
    now = timezone.now()
    with transaction.atomic():
        acknowledgement, _created = Acknowledgement.objects.get_or_create(
            announcement=announcement, user=actor, defaults={"acknowledged_at": now}
        )
        Notification.objects.filter(
            recipient=actor,
            post_id=announcement.post_id,
            kind__in=[Kind.ANNOUNCEMENT, Kind.ANNOUNCEMENT_REMINDER],
            read_at__isnull=True,
        ).update(read_at=now)
    return acknowledgement


# --- notifications (called by tasks with ids; safe to run twice) ---------------------------------


def do_notify_announcement(announcement_id: int) -> list[int]:
    """Tell the audience about a new announcement; returns the recipients' ids."""
    announcement = (
        Announcement.objects.select_related("post", "post__group")
        .filter(pk=announcement_id)
        .first()
    )
    if announcement is None or not selectors.is_active(announcement):
        return []
    post = announcement.post
    waiting = selectors.audience_ids(announcement) - selectors.acknowledged_ids(announcement)
    return deliver(
        Event(
            Kind.ANNOUNCEMENT, f"announcement:p{post.pk}", announcement.announced_by_id, post=post
        ),
        dict.fromkeys(sorted(waiting), Reason.ANNOUNCED),
    )


def due_reminder_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Announcement.objects.filter(
            reminded_at__isnull=True, remind_at__isnull=False, remind_at__lte=now
        )
        .order_by("remind_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )


def do_send_reminder(announcement_id: int) -> list[int]:
    """Remind the audience members who have not read it, once; returns the recipients' ids."""
    now = timezone.now()
    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update()
            .filter(pk=announcement_id, reminded_at__isnull=True, remind_at__lte=now)
            .first()
        )
        if announcement is None:
            return []
        announcement.reminded_at = now
        announcement.save(update_fields=["reminded_at"])
        if not selectors.is_active(announcement, now):
            return []
        post = Post.objects.select_related("group").get(pk=announcement.post_id)
        announcement.post = post
        waiting = selectors.audience_ids(announcement) - selectors.acknowledged_ids(announcement)
        return deliver(
            Event(
                Kind.ANNOUNCEMENT_REMINDER,
                f"announcement_reminder:p{post.pk}",
                announcement.announced_by_id,
                post=post,
            ),
            dict.fromkeys(sorted(waiting), Reason.ANNOUNCED),
        )


def closed_poll_ids(now: datetime | None = None) -> list[int]:
    """Polls closed within the window whose closing has not been notified yet."""
    now = now or timezone.now()
    return list(
        Poll.objects.filter(
            closes_at__lte=now,
            closes_at__gt=now - POLL_CLOSED_WINDOW,
            post__deleted_at__isnull=True,
        )
        .exclude(pk__in=PollClosedNotice.objects.values("poll_id"))
        .order_by("closes_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )


def do_notify_poll_closed(poll_id: int) -> list[int]:
    """Tell a closed poll's author and voters, once; returns the recipients' ids."""
    now = timezone.now()
    with transaction.atomic():
        poll = (
            Poll.objects.select_related("post", "post__group")
            .filter(pk=poll_id, closes_at__lte=now)
            .first()
        )
        if poll is None:
            return []
        _notice, created = PollClosedNotice.objects.get_or_create(
            poll=poll, defaults={"notified_at": now}
        )
        if not created:
            return []
        candidates: dict[int, str] = dict.fromkeys(
            PollVote.objects.filter(poll=poll).values_list("user_id", flat=True).distinct(),
            Reason.VOTED,
        )
        candidates[poll.post.author_id] = Reason.YOUR_POLL
        return deliver(
            Event(Kind.POLL_CLOSED, f"poll_closed:p{poll.post_id}", None, post=poll.post),
            candidates,
        )
