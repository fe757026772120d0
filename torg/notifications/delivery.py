"""Turn one event (a post, comment, reaction, join request, invitation) into notifications.

Called by the tasks in ``tasks.py`` with ids, after the event's transaction committed. Each
function is safe to run twice: notifications are keyed by kind and target, and an actor already
counted on an unread notification is not counted again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from torg.accounts.models import User
from torg.groups.access import visible_groups
from torg.groups.models import Group, GroupInvitation, JoinRequest, Membership
from torg.notifications import emails, rules
from torg.notifications.models import GOVERNANCE_KINDS, RECENT_ACTORS, Notification, PostFollow
from torg.notifications.rules import Level, id_among, levels_for_members, muted_user_ids
from torg.posts.access import can_see_post
from torg.posts.models import Comment, Mention, Post, Reaction
from torg.realtime import events as realtime_events

Kind = Notification.Kind
Reason = Notification.Reason
# Kinds about a group's content: silenced by the group's level "off".
CONTENT_KINDS = {
    Kind.REPLY,
    Kind.MENTION,
    Kind.REACTION,
    Kind.GROUP_POST,
    Kind.FOLLOWED_COMMENT,
    Kind.LIVE_REMINDER,
}
# Kinds sent only to current members of the post's group (a removed member hears nothing more).
MEMBERS_ONLY_KINDS = {Kind.GROUP_POST, Kind.FOLLOWED_COMMENT, Kind.LIVE_REMINDER}
# Kinds for network admins about any group (secret ones included: they oversee every group on
# Group health), so the group's visibility to them is not checked.
OVERSIGHT_KINDS = {Kind.GROUP_REQUEST}


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    actor_id: int | None
    post: Post | None = None
    comment: Comment | None = None
    group: Group | None = None
    # Stored on the notification (``Notification.data``); replaced on each new event.
    data: dict[str, Any] = field(default_factory=dict)


def _allowed(event: Event, candidates: Mapping[int, str]) -> dict[int, str]:
    """Drop the actor, inactive people, silenced and muted people, and anyone who cannot see."""
    wanted = {uid: reason for uid, reason in candidates.items() if uid != event.actor_id}
    if not wanted:
        return {}
    active = set(
        User.objects.filter(id_among("pk", list(wanted)), is_active=True).values_list(
            "pk", flat=True
        )
    )
    wanted = {uid: reason for uid, reason in wanted.items() if uid in active}
    group = event.group if event.group is not None else (event.post.group if event.post else None)
    if group is not None and event.kind in CONTENT_KINDS:
        levels = levels_for_members(group, wanted)
        wanted = {uid: r for uid, r in wanted.items() if levels[uid] != Level.OFF}
    muted = muted_user_ids(
        wanted,
        now=timezone.now(),
        group_id=group.pk if group is not None else None,
        post_id=event.post.pk if event.post is not None else None,
        actor_id=event.actor_id,
    )
    wanted = {uid: r for uid, r in wanted.items() if uid not in muted}
    if (
        event.post is not None
        and event.post.group_id is not None
        and event.kind in MEMBERS_ONLY_KINDS
    ):
        members = set(
            Membership.objects.filter(
                id_among("user_id", list(wanted)), group_id=event.post.group_id
            ).values_list("user_id", flat=True)
        )
        wanted = {uid: r for uid, r in wanted.items() if uid in members}
    # A group post (the big fan-out: every member) needs no per-person check below, so it does
    # not load every recipient's row.
    needs_people = event.kind != Kind.GROUP_POST or event.post is None
    people = (
        {p.pk: p for p in User.objects.filter(id_among("pk", list(wanted)))} if needs_people else {}
    )
    if event.post is not None and event.kind != Kind.GROUP_POST:
        # Group posts go to members only (who see their group's content); everyone else is
        # checked through the posts access rules.
        wanted = {uid: r for uid, r in wanted.items() if can_see_post(people[uid], event.post)}
    elif event.post is None and group is not None and event.kind not in OVERSIGHT_KINDS:
        wanted = {
            uid: r
            for uid, r in wanted.items()
            if visible_groups(people[uid]).filter(pk=group.pk).exists()
        }
    return wanted


def deliver(event: Event, candidates: Mapping[int, str]) -> list[int]:
    """Create or update one notification per allowed recipient; returns their ids (sorted)."""
    if event.post is not None and event.post.deleted_at is not None:
        return []
    recipients = _allowed(event, candidates)
    if not recipients:
        return []
    now = timezone.now()
    group_id = event.group.pk if event.group is not None else None
    if group_id is None and event.post is not None:
        group_id = event.post.group_id
    with transaction.atomic():
        existing = {
            n.recipient_id: n
            for n in Notification.objects.select_for_update().filter(
                id_among("recipient_id", list(recipients)),
                aggregation_key=event.key,
                read_at__isnull=True,
            )
        }
        changed: list[Notification] = []
        for notification in existing.values():
            actors = list(notification.recent_actor_ids)
            if event.actor_id is not None and event.actor_id not in actors:
                notification.actor_count += 1
            if event.actor_id is not None:
                actors = [event.actor_id] + [a for a in actors if a != event.actor_id]
            notification.recent_actor_ids = actors[:RECENT_ACTORS]
            notification.actor_id = event.actor_id
            notification.comment = event.comment
            notification.reason = recipients[notification.recipient_id]
            notification.data = event.data
            notification.updated_at = now
            changed.append(notification)
        Notification.objects.bulk_update(
            changed,
            ["recent_actor_ids", "actor_count", "actor", "comment", "reason", "data", "updated_at"],
        )
        _insert_new(
            Notification(
                kind=event.kind,
                post=event.post,
                comment=event.comment,
                group_id=group_id,
                actor_id=event.actor_id,
                actor_count=1,
                recent_actor_ids=[event.actor_id] if event.actor_id is not None else [],
                data=event.data,
                aggregation_key=event.key,
                created_at=now,
                updated_at=now,
            ),
            [(uid, reason) for uid, reason in sorted(recipients.items()) if uid not in existing],
        )
        _tell_realtime(sorted(recipients), event)
        emails.notifications_delivered(event.key, sorted(recipients))
    return sorted(recipients)


def _insert_new(template: Notification, recipients: list[tuple[int, str]]) -> None:
    """Insert one notification per (recipient id, reason), each ``template`` otherwise; an
    unread one for the same target that appeared meanwhile is kept (ignore conflicts).

    On PostgreSQL one statement takes the two varying columns as arrays and every other
    column once: ``bulk_create`` would prepare all 13 values of each of 5,000 rows through
    their fields, about a quarter of a big group post's fan-out CPU.
    """
    if not recipients:
        return
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [
                Notification(
                    **{
                        column.attname: getattr(template, column.attname)
                        for column in Notification._meta.concrete_fields
                        if not column.primary_key
                    }
                    | {"recipient_id": uid, "reason": reason}
                )
                for uid, reason in recipients
            ],
            ignore_conflicts=True,
        )
        return
    quote = connection.ops.quote_name
    columns, values, params = [], [], []
    for column in Notification._meta.concrete_fields:
        if column.primary_key:
            continue
        columns.append(quote(str(column.column)))
        if column.attname == "recipient_id":
            values.append("r.recipient")
        elif column.attname == "reason":
            values.append("r.reason")
        else:
            values.append("%s")
            params.append(column.get_db_prep_save(getattr(template, column.attname), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Notification._meta.db_table)} ({', '.join(columns)})"  # noqa: S608 - table/column names from the model; values are parameters
            f" SELECT {', '.join(values)}"
            " FROM unnest(%s::bigint[], %s::varchar[]) AS r(recipient, reason)"
            " ON CONFLICT DO NOTHING",
            [*params, [uid for uid, _reason in recipients], [r for _uid, r in recipients]],
        )


def _tell_realtime(user_ids: list[int], event: Event) -> None:
    """Each recipient's open pages update the bell; the ids let the consumer re-check access."""
    counts = dict(
        Notification.objects.filter(id_among("recipient_id", user_ids), read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    target: dict[str, int] = {}
    if event.kind in GOVERNANCE_KINDS:
        # Governance notifications carry no target: who may hear of them was decided just now
        # (a network admin is told of a secret group awaiting approval, which the consumer's
        # group check would refuse); the event says only how many are unread.
        pass
    elif event.post is not None:
        target["post"] = event.post.pk
    elif event.group is not None:
        target["group"] = event.group.pk
    # One insert and one send after commit for all recipients (5,000 for a big group), not one
    # of each per person: see docs/benchmarks.md, "Realtime".
    realtime_events.publish_many(
        (
            realtime_events.user_channel(user_id),
            "notification.created",
            {**target, "unread": counts.get(user_id, 0)},
        )
        for user_id in user_ids
    )


def _follow(user_id: int, post_id: int) -> None:
    """Follow automatically, keeping an earlier explicit unfollow."""
    PostFollow.objects.get_or_create(user_id=user_id, post_id=post_id)


def _mentioned(post: Post, comment: Comment | None) -> list[int]:
    rows = Mention.objects.filter(post=post, comment__isnull=True) if comment is None else None
    if comment is not None:
        rows = Mention.objects.filter(comment=comment)
    assert rows is not None
    return list(rows.values_list("user_id", flat=True))


def notify_post_created(post_id: int) -> list[int]:
    post = Post.objects.select_related("group").filter(pk=post_id).first()
    if post is None or post.deleted_at is not None:
        return []
    _follow(post.author_id, post.pk)
    recipients = deliver(
        Event(Kind.MENTION, f"mention:p{post.pk}", post.author_id, post=post),
        dict.fromkeys(_mentioned(post, None), Reason.MENTIONED),
    )
    group = post.group
    if group is None:
        return recipients
    members = dict(Membership.objects.filter(group=group).values_list("user_id", "role"))
    levels = levels_for_members(group, members)
    author_is_admin = members.get(post.author_id) == Membership.Role.ADMIN
    readers: dict[int, str] = {}
    for user_id, level in levels.items():
        if user_id in recipients:
            continue
        if level == Level.ALL:
            readers[user_id] = Reason.GROUP_ALL
        elif level == Level.HIGHLIGHTS and author_is_admin:
            readers[user_id] = Reason.GROUP_HIGHLIGHTS
    return sorted(
        recipients
        + deliver(
            Event(Kind.GROUP_POST, f"group_post:p{post.pk}", post.author_id, post=post), readers
        )
    )


def notify_comment_created(comment_id: int) -> list[int]:
    comment = (
        Comment.objects.select_related("post", "post__group", "parent")
        .filter(pk=comment_id, deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        return []
    post = comment.post
    _follow(comment.author_id, post.pk)
    actor = comment.author_id
    done = set(
        deliver(
            Event(Kind.MENTION, f"mention:c{comment.pk}", actor, post=post, comment=comment),
            dict.fromkeys(_mentioned(post, comment), Reason.MENTIONED),
        )
    )
    follows = dict(PostFollow.objects.filter(post=post).values_list("user_id", "following"))
    parent = comment.parent
    if parent is not None and parent.author_id not in done:
        done |= set(
            deliver(
                Event(Kind.REPLY, f"reply:c{parent.pk}", actor, post=post, comment=comment),
                {parent.author_id: Reason.YOUR_COMMENT},
            )
        )
    if post.author_id not in done and follows.get(post.author_id, True):
        done |= set(
            deliver(
                Event(Kind.REPLY, f"reply:p{post.pk}", actor, post=post, comment=comment),
                {post.author_id: Reason.YOUR_POST},
            )
        )
    followers = {
        uid: Reason.FOLLOWING
        for uid, following in follows.items()
        if following and uid not in done and uid != post.author_id
    }
    done |= set(
        deliver(
            Event(
                Kind.FOLLOWED_COMMENT,
                f"followed_comment:p{post.pk}",
                actor,
                post=post,
                comment=comment,
            ),
            followers,
        )
    )
    return sorted(done)


def notify_reaction_created(reaction_id: int) -> list[int]:
    reaction = (
        Reaction.objects.select_related("post", "post__group")
        .filter(pk=reaction_id, post__isnull=False, comment__isnull=True)
        .first()
    )
    if reaction is None or reaction.post is None:
        return []
    post = reaction.post
    told = deliver(
        Event(Kind.REACTION, f"reaction:p{post.pk}", reaction.user_id, post=post),
        {post.author_id: Reason.YOUR_POST},
    )
    if post.group is not None and post.reaction_count >= rules.HIGHLIGHT_REACTIONS:
        told += _traction_highlight(post)
    return sorted(told)


def _traction_highlight(post: Post) -> list[int]:
    """A post gaining traction is a highlight: members at that level hear of it once."""
    assert post.group is not None
    members = Membership.objects.filter(group=post.group).values_list("user_id", flat=True)
    levels = levels_for_members(post.group, members)
    already = set(
        Notification.objects.filter(post=post, kind=Kind.GROUP_POST).values_list(
            "recipient_id", flat=True
        )
    )
    readers = {
        uid: Reason.GROUP_HIGHLIGHTS
        for uid, level in levels.items()
        if level == Level.HIGHLIGHTS and uid not in already
    }
    return deliver(
        Event(Kind.GROUP_POST, f"group_post:p{post.pk}", post.author_id, post=post), readers
    )


def notify_join_request(join_request_id: int) -> list[int]:
    request = (
        JoinRequest.objects.select_related("group")
        .filter(pk=join_request_id, status=JoinRequest.Status.PENDING)
        .first()
    )
    if request is None:
        return []
    managers = Membership.objects.filter(
        group=request.group, role__in=[Membership.Role.ADMIN, Membership.Role.MODERATOR]
    ).values_list("user_id", flat=True)
    return deliver(
        Event(
            Kind.JOIN_REQUEST,
            f"join_request:g{request.group_id}",
            request.user_id,
            group=request.group,
        ),
        dict.fromkeys(managers, Reason.GROUP_MODERATOR),
    )


def notify_request_approved(join_request_id: int) -> list[int]:
    request = (
        JoinRequest.objects.select_related("group")
        .filter(pk=join_request_id, status=JoinRequest.Status.APPROVED)
        .first()
    )
    if request is None:
        return []
    return deliver(
        Event(
            Kind.REQUEST_APPROVED,
            f"request_approved:g{request.group_id}",
            request.decided_by_id,
            group=request.group,
        ),
        {request.user_id: Reason.YOUR_REQUEST},
    )


def notify_invitation(invitation_id: int) -> list[int]:
    invitation = GroupInvitation.objects.select_related("group").filter(pk=invitation_id).first()
    if invitation is None:
        return []
    return deliver(
        Event(
            Kind.INVITATION,
            f"invitation:g{invitation.group_id}",
            invitation.invited_by_id,
            group=invitation.group,
        ),
        {invitation.user_id: Reason.INVITED},
    )
