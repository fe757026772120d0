"""Every write on notifications and their settings: ``check_*`` then ``do_*``.

Mute durations: 1 hour, 8 hours, 1 week, or until the person unmutes (``until`` empty).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.groups.access import GroupNotFound, as_person, visible_groups
from torg.groups.models import Group, Membership
from torg.notifications.models import GroupNotificationLevel, Mute, Notification, PostFollow
from torg.people.access import access_person
from torg.posts.access import access_post

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.posts.models import Post

DURATIONS: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1),
    "8h": timedelta(hours=8),
    "1w": timedelta(weeks=1),
    "forever": None,
}
LEVELS: tuple[str, ...] = tuple(GroupNotificationLevel.Level.values)
TARGET_KINDS: tuple[str, ...] = tuple(Mute.TargetKind.values)


class NotificationNotFound(GroupNotFound):
    """Someone else's or a nonexistent notification: the same 404."""


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


# --- reading -----------------------------------------------------------------------------------


def access_notification(actor: User, notification_id: object) -> Notification:
    if isinstance(notification_id, bool) or not isinstance(notification_id, int):
        raise NotificationNotFound
    if not 0 < notification_id < 2**63:
        raise NotificationNotFound
    notification = Notification.objects.filter(pk=notification_id, recipient=actor).first()
    if notification is None:
        raise NotificationNotFound
    return notification


def do_mark_read(*, actor: User, notification: Notification) -> Notification:
    person = _require_person(actor)
    if notification.recipient_id != person.pk:
        raise NotificationNotFound
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def do_mark_all_read(*, actor: User) -> int:
    person = _require_person(actor)
    return Notification.objects.filter(recipient=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- group levels ------------------------------------------------------------------------------


def check_set_group_level(*, actor: User, group: Group, level: str) -> None:
    person = _require_person(actor)
    if not Membership.objects.filter(group=group, user=person).exists():
        raise GroupNotFound
    if level not in LEVELS:
        raise ValidationError({"level": _("Choose one of the levels.")})


def do_set_group_level(*, actor: User, group: Group, level: str) -> GroupNotificationLevel:
    check_set_group_level(actor=actor, group=group, level=level)
    row, _created = GroupNotificationLevel.objects.update_or_create(
        user=actor, group=group, defaults={"level": level}
    )
    return row


def do_apply_mentions_preset(*, actor: User) -> int:
    """ "Only replies to my posts and mentions": every group of mine at level "mentions"."""
    person = _require_person(actor)
    group_ids = list(Membership.objects.filter(user=person).values_list("group_id", flat=True))
    with transaction.atomic():
        GroupNotificationLevel.objects.filter(user=person).exclude(group_id__in=group_ids).delete()
        GroupNotificationLevel.objects.filter(user=person).update(
            level=GroupNotificationLevel.Level.MENTIONS
        )
        GroupNotificationLevel.objects.bulk_create(
            [
                GroupNotificationLevel(
                    user=person, group_id=gid, level=GroupNotificationLevel.Level.MENTIONS
                )
                for gid in group_ids
            ],
            ignore_conflicts=True,
        )
    return len(group_ids)


# --- mutes -------------------------------------------------------------------------------------


def check_mute(*, actor: User, target_kind: str, target_id: object, duration: str) -> int:
    """The id of a target the actor may see (else the target's 404)."""
    person = _require_person(actor)
    if target_kind not in TARGET_KINDS:
        raise ValidationError({"target_kind": _("Choose a group, a post or a person.")})
    if duration not in DURATIONS:
        raise ValidationError({"duration": _("Choose how long to mute.")})
    if target_kind == Mute.TargetKind.POST:
        return access_post(person, target_id).pk
    if target_kind == Mute.TargetKind.PERSON:
        other = access_person(person, target_id)
        if other.pk == person.pk:
            raise ValidationError({"target_id": _("You cannot mute yourself.")})
        return other.pk
    if isinstance(target_id, bool) or not isinstance(target_id, int) or not 0 < target_id < 2**63:
        raise GroupNotFound
    group = visible_groups(person).filter(pk=target_id).first()
    if group is None:
        raise GroupNotFound
    return group.pk


def do_mute(
    *,
    actor: User,
    target_kind: str,
    target_id: object,
    duration: str,
    now: datetime | None = None,
) -> Mute:
    """Mute (or re-mute with a new end) a group, a post or a person's activity."""
    pk = check_mute(actor=actor, target_kind=target_kind, target_id=target_id, duration=duration)
    length = DURATIONS[duration]
    until = None if length is None else (now or timezone.now()) + length
    mute, _created = Mute.objects.update_or_create(
        user=actor, target_kind=target_kind, target_id=pk, defaults={"until": until}
    )
    return mute


def access_mute(actor: User, mute_id: object) -> Mute:
    if isinstance(mute_id, bool) or not isinstance(mute_id, int) or not 0 < mute_id < 2**63:
        raise NotificationNotFound
    mute = Mute.objects.filter(pk=mute_id, user=actor).first()
    if mute is None:
        raise NotificationNotFound
    return mute


def do_unmute(*, actor: User, mute: Mute) -> None:
    person = _require_person(actor)
    Mute.objects.filter(pk=mute.pk, user=person).delete()


# --- following posts ---------------------------------------------------------------------------


def do_set_post_follow(*, actor: User, post: Post, following: bool) -> PostFollow:
    person = _require_person(actor)
    checked = access_post(person, post.pk)
    row, _created = PostFollow.objects.update_or_create(
        user=person, post=checked, defaults={"following": following}
    )
    return row
