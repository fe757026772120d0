"""Every write on live broadcasts: ``check_*`` validates and checks access, ``do_*`` writes in a
transaction and leaves side effects (tasks) for after the commit.

Decisions:
- A broadcast is a post in a group (its card, comments and reactions) plus a ``Broadcast`` row.
  Only the group's admins (and network admins) schedule and run broadcasts.
- States: scheduled → live → ended; ended is final. Going live early is allowed; a scheduled
  broadcast nobody started stays upcoming (the broadcaster deletes the post to cancel).
- One source per broadcast: the browser or RTMP, fixed by whichever starts it.
- A broadcaster who drops out (publisher hangs up, browser tab closed, network gone) has
  ``TORG_LIVE_RECONNECT_SECONDS`` to come back to the same broadcast; after that it ends.
- Reminder: when a scheduled broadcast starts within ``REMINDER_BEFORE``, the group's members
  whose notification level for the group is "all" or "highlights" (broadcasts are by admins,
  which is what "highlights" means) get a ``Kind.LIVE_REMINDER`` notification, once, with the
  reason of each person's level.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.core.events import enqueue_on_commit
from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.live import paths
from torg.live.access import may_broadcast_in, may_run
from torg.live.models import Broadcast, BroadcastViewer
from torg.notifications.delivery import Event, deliver
from torg.notifications.models import Notification
from torg.notifications.rules import Level, levels_for_members
from torg.posts import actions as post_actions

if TYPE_CHECKING:
    from torg.accounts.models import User

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
MAX_SCHEDULE_AHEAD = timedelta(days=366)
REMINDER_BEFORE = timedelta(minutes=15)
MAX_CHUNK_SEQ = 10_000_000
MAX_SESSION = 1000


def new_stream_key() -> str:
    return secrets.token_urlsafe(24)


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


def _require_runner(actor: User, broadcast: Broadcast) -> None:
    if not may_run(actor, broadcast):
        raise PermissionDenied(_("Only the group's admins can run this broadcast."))


# --- create / schedule --------------------------------------------------------------------------


def check_create_broadcast(
    *,
    actor: User,
    group: Group,
    title: str,
    description: str = "",
    scheduled_at: datetime | None = None,
) -> tuple[str, str]:
    person = _require_person(actor)
    if not may_broadcast_in(person, group):
        raise PermissionDenied(_("Only the group's admins can go live in this group."))
    if not isinstance(title, str) or not isinstance(description, str):
        raise ValidationError(_("The text is not valid."))
    title = title.strip()
    description = description.strip()
    if "\x00" in title or "\x00" in description:
        raise ValidationError(_("The text contains characters that are not allowed."))
    if not title:
        raise ValidationError(_("Give the broadcast a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            _("The title can be at most %(limit)d characters.") % {"limit": TITLE_MAX_LENGTH}
        )
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            _("The description can be at most %(limit)d characters.")
            % {"limit": DESCRIPTION_MAX_LENGTH}
        )
    if scheduled_at is not None:
        if timezone.is_naive(scheduled_at):
            raise ValidationError(_("The start time needs a time zone."))
        now = timezone.now()
        if scheduled_at <= now:
            raise ValidationError(_("The start time must be in the future."))
        if scheduled_at > now + MAX_SCHEDULE_AHEAD:
            raise ValidationError(_("The start time can be at most a year ahead."))
    return title, description


def do_create_broadcast(
    *,
    actor: User,
    group: Group,
    title: str,
    description: str = "",
    scheduled_at: datetime | None = None,
) -> Broadcast:
    """An upcoming broadcast (and its post) in ``group``; without a start time it can start now."""
    with transaction.atomic():
        title, description = check_create_broadcast(
            actor=actor,
            group=group,
            title=title,
            description=description,
            scheduled_at=scheduled_at,
        )
        body = f"{title}\n\n{description}" if description else title
        post = post_actions.do_create_post(author=actor, group=group, body=body)
        broadcast = Broadcast.objects.create(
            post=post,
            group=group,
            created_by=actor,
            title=title,
            stream_key=new_stream_key(),
            storage_token=secrets.token_hex(16),
            scheduled_at=scheduled_at,
            # Without a start time there is nothing to remind anyone of.
            reminded_at=None if scheduled_at is not None else timezone.now(),
        )
    return broadcast


# --- start, media, end ------------------------------------------------------------------------


def check_start_broadcast(*, actor: User, broadcast: Broadcast, source: str) -> None:
    person = _require_person(actor)
    _require_runner(person, broadcast)
    if source not in Broadcast.Source.values:
        raise ValidationError(_("Choose the browser or streaming software (RTMP)."))
    if broadcast.state == Broadcast.State.ENDED:
        raise ValidationError(_("This broadcast has ended."))
    if broadcast.state == Broadcast.State.LIVE and broadcast.source != source:
        raise ValidationError(
            _("This broadcast is already live from another source. Stop it there first.")
        )


def do_start_broadcast(*, actor: User, broadcast: Broadcast, source: str) -> Broadcast:
    """Go live (or, when live already, continue: the browser starts a new session)."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        check_start_broadcast(actor=actor, broadcast=broadcast, source=source)
        now = timezone.now()
        if broadcast.state == Broadcast.State.SCHEDULED:
            broadcast.state = Broadcast.State.LIVE
            broadcast.started_at = now
            broadcast.source = source
            # Nobody needs a reminder for something already on.
            broadcast.reminded_at = broadcast.reminded_at or now
        if source == Broadcast.Source.BROWSER:
            if broadcast.browser_session >= MAX_SESSION:
                raise ValidationError(_("Too many restarts. Schedule a new broadcast."))
            broadcast.browser_session += 1
        broadcast.last_media_at = now
        broadcast.save(
            update_fields=[
                "state",
                "started_at",
                "source",
                "reminded_at",
                "browser_session",
                "last_media_at",
            ]
        )
    return broadcast


def do_accept_publisher(*, stream_key: str) -> Broadcast | None:
    """The RTMP ingest asks whether a publisher with ``stream_key`` may go on: an upcoming
    broadcast goes live; a live RTMP broadcast continues (a reconnect). Anything else: None."""
    if not isinstance(stream_key, str) or not 16 <= len(stream_key) <= 64:
        return None
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update()
            .filter(stream_key=stream_key, post__deleted_at__isnull=True)
            .first()
        )
        if broadcast is None or broadcast.state == Broadcast.State.ENDED:
            return None
        if broadcast.state == Broadcast.State.LIVE and broadcast.source != Broadcast.Source.RTMP:
            return None
        now = timezone.now()
        if broadcast.state == Broadcast.State.SCHEDULED:
            broadcast.state = Broadcast.State.LIVE
            broadcast.source = Broadcast.Source.RTMP
            broadcast.started_at = now
            broadcast.reminded_at = broadcast.reminded_at or now
        broadcast.last_media_at = now
        broadcast.save(
            update_fields=["state", "source", "started_at", "reminded_at", "last_media_at"]
        )
    return broadcast


def do_note_media(*, broadcast_id: int) -> bool:
    """The ingest saw media for the broadcast: remember when. True while it is still live (and
    its post not deleted: deleting the post cuts the stream)."""
    updated = Broadcast.objects.filter(
        pk=broadcast_id, state=Broadcast.State.LIVE, post__deleted_at__isnull=True
    ).update(last_media_at=timezone.now())
    return updated == 1


def check_end_broadcast(*, actor: User, broadcast: Broadcast) -> None:
    person = _require_person(actor)
    _require_runner(person, broadcast)
    if broadcast.state == Broadcast.State.ENDED:
        raise ValidationError(_("This broadcast has already ended."))


def do_end_broadcast(*, actor: User | None, broadcast: Broadcast) -> Broadcast:
    """End the broadcast (``actor`` None: the ingest or the clean-up ended it). The recording
    is built and attached to the post after the commit."""
    from torg.live import tasks

    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if actor is not None:
            check_end_broadcast(actor=actor, broadcast=broadcast)
        elif broadcast.state == Broadcast.State.ENDED:
            return broadcast
        now = timezone.now()
        broadcast.state = Broadcast.State.ENDED
        broadcast.ended_at = now
        broadcast.started_at = broadcast.started_at or now
        broadcast.save(update_fields=["state", "ended_at", "started_at"])
        enqueue_on_commit(tasks.finalize_broadcast, broadcast.pk)
    return broadcast


def do_end_stale_broadcasts(*, now: datetime | None = None) -> list[int]:
    """End live broadcasts whose media stopped more than TORG_LIVE_RECONNECT_SECONDS ago, and
    retry recordings of ended broadcasts whose ingest has let go of them."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIVE_RECONNECT_SECONDS)
    stale = list(
        Broadcast.objects.filter(state=Broadcast.State.LIVE, last_media_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for broadcast in Broadcast.objects.filter(pk__in=stale):
        do_end_broadcast(actor=None, broadcast=broadcast)
    from torg.live import recording

    for broadcast in Broadcast.objects.filter(
        state=Broadcast.State.ENDED, recording=Broadcast.Recording.PENDING
    ).exclude(pk__in=stale):
        recording.finalize(broadcast.pk)
    return stale


# --- stream key -----------------------------------------------------------------------------


def check_rotate_stream_key(*, actor: User, broadcast: Broadcast) -> None:
    person = _require_person(actor)
    _require_runner(person, broadcast)
    if broadcast.state == Broadcast.State.ENDED:
        raise ValidationError(_("This broadcast has ended."))


def do_rotate_stream_key(*, actor: User, broadcast: Broadcast) -> Broadcast:
    """A new key; the old one is refused from now on (a publisher already in stays)."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        check_rotate_stream_key(actor=actor, broadcast=broadcast)
        broadcast.stream_key = new_stream_key()
        broadcast.save(update_fields=["stream_key"])
    return broadcast


# --- browser chunks ---------------------------------------------------------------------------


def check_store_chunk(
    *, actor: User, broadcast: Broadcast, session: int, seq: int, data: bytes
) -> None:
    person = _require_person(actor)
    _require_runner(person, broadcast)
    if broadcast.state != Broadcast.State.LIVE or broadcast.source != Broadcast.Source.BROWSER:
        raise ValidationError(_("This broadcast is not live from the browser."))
    if session != broadcast.browser_session:
        raise ValidationError(_("This broadcast was restarted elsewhere. Reload the page."))
    if not 0 <= seq < MAX_CHUNK_SEQ:
        raise ValidationError(_("The chunk number is not valid."))
    if not data:
        raise ValidationError(_("The chunk is empty."))
    if len(data) > settings.LIVE_MAX_CHUNK_BYTES:
        raise ValidationError(_("The chunk is too large."))
    if seq == 0 and not data.startswith(b"\x1a\x45\xdf\xa3"):
        raise ValidationError(_("The stream must start with a WebM header."))


def do_store_chunk(
    *, actor: User, broadcast: Broadcast, session: int, seq: int, data: bytes
) -> None:
    """Keep one MediaRecorder chunk for the ingest. Sending a chunk again replaces it."""
    check_store_chunk(actor=actor, broadcast=broadcast, session=session, seq=seq, data=data)
    target = paths.chunk_path(broadcast, session, seq)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)  # the ingest never sees half a chunk
    Broadcast.objects.filter(pk=broadcast.pk).update(last_media_at=timezone.now())


# --- viewers ----------------------------------------------------------------------------------


def viewer_count(broadcast: Broadcast, *, now: datetime | None = None) -> int:
    if broadcast.state != Broadcast.State.LIVE:
        return 0
    since = (now or timezone.now()) - timedelta(seconds=settings.LIVE_VIEWER_WINDOW_SECONDS)
    return BroadcastViewer.objects.filter(broadcast=broadcast, last_seen_at__gte=since).count()


def do_record_viewer(*, viewer: User, broadcast: Broadcast) -> int:
    """The player's heartbeat: ``viewer`` is watching. Returns the live viewer count."""
    person = _require_person(viewer)
    if broadcast.state != Broadcast.State.LIVE:
        return 0
    now = timezone.now()
    with transaction.atomic():
        updated = BroadcastViewer.objects.filter(broadcast=broadcast, user=person).update(
            last_seen_at=now
        )
        if not updated:
            BroadcastViewer.objects.bulk_create(
                [
                    BroadcastViewer(
                        broadcast=broadcast, user=person, first_seen_at=now, last_seen_at=now
                    )
                ],
                ignore_conflicts=True,
            )
        count = viewer_count(broadcast, now=now)
        Broadcast.objects.filter(pk=broadcast.pk, peak_viewers__lt=count).update(peak_viewers=count)
    return count


# --- reminders --------------------------------------------------------------------------------


def reminder_recipients(broadcast: Broadcast) -> dict[int, str]:
    """Members who follow the group: level "all" or "highlights" ({user id: reason})."""
    member_ids = list(
        Membership.objects.filter(group=broadcast.group).values_list("user_id", flat=True)
    )
    levels = levels_for_members(broadcast.group, member_ids)
    reasons: dict[str, str] = {
        Level.ALL: Notification.Reason.GROUP_ALL,
        Level.HIGHLIGHTS: Notification.Reason.GROUP_HIGHLIGHTS,
    }
    return {uid: reasons[level] for uid, level in levels.items() if level in reasons}


def do_send_due_reminders(*, now: datetime | None = None) -> list[int]:
    """Remind followers of every broadcast starting within ``REMINDER_BEFORE``, once each.
    Returns the broadcasts reminded. Safe to run twice: each broadcast is claimed first."""
    now = now or timezone.now()
    due = list(
        Broadcast.objects.filter(
            state=Broadcast.State.SCHEDULED,
            reminded_at__isnull=True,
            scheduled_at__lte=now + REMINDER_BEFORE,
            post__deleted_at__isnull=True,
        )
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    reminded: list[int] = []
    for broadcast_id in due:
        claimed = Broadcast.objects.filter(pk=broadcast_id, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        broadcast = Broadcast.objects.select_related("post", "group").get(pk=broadcast_id)
        deliver(
            Event(
                Notification.Kind.LIVE_REMINDER,
                f"live_reminder:p{broadcast.post_id}",
                broadcast.created_by_id,
                post=broadcast.post,
                group=broadcast.group,
            ),
            reminder_recipients(broadcast),
        )
        reminded.append(broadcast_id)
    return reminded
