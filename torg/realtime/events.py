"""Realtime events: log one row in the caller's transaction, deliver it after commit.

Events carry a kind and ids, never content; the consumer re-checks access before delivering.
Channel groups: ``group-<id>`` (a group's members and, for open groups, employees),
``user-<id>`` (one person), ``post-<id>`` (everyone with the post open) and ``network``
(every employee: posts on profiles, which have no group).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Max, Q
from django.utils import timezone

from torg.core.events import send_event_on_commit
from torg.realtime.models import RealtimeEvent

if TYPE_CHECKING:
    from torg.posts.models import Comment, Post

# A reconnecting client gets what it missed within this window; older means "refresh".
WINDOW = timedelta(hours=1)
MAX_EVENTS = 10_000
PRUNE_EVERY = 100

NETWORK = "network"
PRUNED = "pruned"


def group_channel(group_id: int) -> str:
    return f"group-{group_id}"


def user_channel(user_id: int) -> str:
    return f"user-{user_id}"


def post_channel(post_id: int) -> str:
    return f"post-{post_id}"


def publish(channel: str, kind: str, ids: dict[str, int]) -> int:
    """Log the event in the current transaction and send it to ``channel`` after commit."""
    clean = {str(key): int(value) for key, value in ids.items()}
    event = RealtimeEvent.objects.create(channel=channel, kind=kind, payload=clean)
    if event.pk % PRUNE_EVERY == 0:
        prune(newest_id=event.pk)
    send_event_on_commit({"group": channel, "id": event.pk, "kind": kind, "ids": clean})
    return event.pk


def prune(*, newest_id: int | None = None) -> int:
    """Drop events older than the window or beyond the newest ``MAX_EVENTS``.

    One marker row (kind "pruned") keeps the highest id dropped, so a client resuming from
    before it gets a refresh hint instead of a silently incomplete replay.
    """
    cutoff = timezone.now() - WINDOW
    stale = RealtimeEvent.objects.filter(Q(created_at__lt=cutoff) | Q(kind=PRUNED))
    floors = [stale.aggregate(floor=Max("pk"))["floor"]]
    if newest_id is not None and newest_id > MAX_EVENTS:
        floors.append(newest_id - MAX_EVENTS)
    floor = max((f for f in floors if f is not None), default=None)
    if floor is None:
        return 0
    gone = RealtimeEvent.objects.filter(pk__lte=floor)
    dropped = gone.exclude(kind=PRUNED).count()
    gone.delete()
    RealtimeEvent.objects.create(
        pk=floor, channel="", kind=PRUNED, created_at=cutoff - timedelta(seconds=1)
    )
    return dropped


def resume_floor() -> int:
    """The highest event id no longer (reliably) in the log; 0 when nothing has left it."""
    cutoff = timezone.now() - WINDOW
    stale = RealtimeEvent.objects.filter(Q(created_at__lt=cutoff) | Q(kind=PRUNED))
    return stale.aggregate(floor=Max("pk"))["floor"] or 0


# --- hooks called by actions (inside their transaction) ---------------------------------------


def post_created(post: Post) -> None:
    ids = {"post": post.pk, "author": post.author_id}
    if post.group_id is not None:
        publish(group_channel(post.group_id), "post.created", {**ids, "group": post.group_id})
    else:
        publish(NETWORK, "post.created", ids)


def comment_created(comment: Comment) -> None:
    publish(
        post_channel(comment.post_id),
        "comment.created",
        {"post": comment.post_id, "comment": comment.pk},
    )


def reaction_changed(target: Post | Comment) -> None:
    """A reaction on a post or a comment was set, changed or removed."""
    from torg.posts.models import Comment

    if isinstance(target, Comment):
        ids = {"post": target.post_id, "comment": target.pk}
    else:
        ids = {"post": target.pk}
    publish(post_channel(ids["post"]), "reaction.changed", ids)


def notify_user(user_id: int, kind: str, ids: dict[str, int]) -> None:
    """Tell one person something happened (e.g. a new notification; ``ids["unread"]`` is
    the new unread count for the bell). ``ids`` holding "group" or "post" makes the consumer
    re-check the person may still see them before delivering."""
    publish(user_channel(user_id), kind, ids)


def membership_changed(user_id: int) -> None:
    """Someone joined or left groups: their open connections re-subscribe."""
    publish(user_channel(user_id), "membership.changed", {"user": user_id})
