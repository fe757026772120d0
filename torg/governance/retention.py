"""Retention policies (per group or network-wide, N days) and legal holds.

``posts_due`` and ``messages_due`` are the single definition of what a run deletes: the preview
page counts them and ``do_apply_retention`` deletes exactly them. A group's own policy replaces
the network-wide one for that group; profile posts follow the network-wide policy; a group chat
follows its group's policy, other chats the network-wide one. A legal hold on a person keeps
everything they wrote; a hold on a group keeps everything in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.governance import audit
from torg.governance.models import LegalHold, RetentionPolicy, Role
from torg.governance.roles import has_role

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.chat.models import Message
    from torg.groups.models import Group
    from torg.posts.models import Post

BATCH_SIZE = 500
MAX_DAYS = 36500


def held_user_ids() -> list[int]:
    return list(LegalHold.objects.filter(user__isnull=False).values_list("user_id", flat=True))


def held_group_ids() -> list[int]:
    return list(LegalHold.objects.filter(group__isnull=False).values_list("group_id", flat=True))


def _age_filter(now: datetime, group_field: str) -> Q | None:
    policies = list(RetentionPolicy.objects.values_list("group_id", "days"))
    if not policies:
        return None
    query = Q(pk__in=[])
    own = [group_id for group_id, _days in policies if group_id is not None]
    for group_id, days in policies:
        cutoff = now - timedelta(days=days)
        if group_id is None:
            query |= Q(created_at__lt=cutoff) & ~Q(**{f"{group_field}__in": own})
        else:
            query |= Q(**{group_field: group_id}, created_at__lt=cutoff)
    return query


def posts_due(now: datetime | None = None) -> QuerySet[Post]:
    """Posts (deleted or not) a retention run at ``now`` deletes."""
    from torg.posts.models import Post

    query = _age_filter(now or timezone.now(), "group_id")
    if query is None:
        return Post.objects.none()
    return (
        Post.objects.filter(query)
        .exclude(author_id__in=held_user_ids())
        .exclude(group_id__in=held_group_ids())
    )


def messages_due(now: datetime | None = None) -> QuerySet[Message]:
    from torg.chat.models import Message

    query = _age_filter(now or timezone.now(), "conversation__group_id")
    if query is None:
        return Message.objects.none()
    due = (
        Message.objects.filter(query)
        .exclude(sender_id__in=held_user_ids())
        .exclude(conversation__group_id__in=held_group_ids())
    )
    # A thread's first message is kept while one of its replies is kept (deleting it would
    # delete the replies with it), so what the preview counts is exactly what is deleted.
    kept_reply = Message.objects.filter(parent=OuterRef("pk")).exclude(pk__in=due.values("pk"))
    return due.filter(~Exists(kept_reply))


@dataclass
class Preview:
    post_count: int
    message_count: int
    by_group: list[dict[str, Any]]
    oldest: list[Post]


def preview(now: datetime | None = None) -> Preview:
    now = now or timezone.now()
    posts = posts_due(now)
    by_group: list[dict[str, Any]] = [
        dict(row)
        for row in posts.values("group_id", "group__name")
        .annotate(count=Count("pk"))
        .order_by("group__name")
    ]
    return Preview(
        post_count=posts.count(),
        message_count=messages_due(now).count(),
        by_group=by_group,
        oldest=list(posts.select_related("author", "group").order_by("created_at")[:20]),
    )


def _delete_posts(ids: list[int]) -> None:
    from django.core.files.storage import default_storage

    from torg.posts.models import Attachment, Post

    files = [
        (a.file.name, a.thumbnail.name)
        for a in Attachment.objects.filter(Q(post_id__in=ids) | Q(comment__post_id__in=ids)).only(
            "file", "thumbnail"
        )
    ]
    with transaction.atomic():
        Post.objects.filter(pk__in=ids).delete()
    for names in files:
        for name in names:
            if name:
                default_storage.delete(name)


def do_apply_retention(*, now: datetime | None = None) -> int:
    """Delete what ``posts_due``/``messages_due`` name, in batches. Safe to run twice."""
    from torg.chat.models import Message

    now = now or timezone.now()
    posts = 0
    while ids := list(posts_due(now).values_list("pk", flat=True)[:BATCH_SIZE]):
        _delete_posts(ids)
        posts += len(ids)
    messages = 0
    while ids := list(messages_due(now).values_list("pk", flat=True)[:BATCH_SIZE]):
        with transaction.atomic():
            _total, by_model = Message.objects.filter(pk__in=ids).delete()
        messages += by_model.get(Message._meta.label, 0)
    if posts or messages:
        with transaction.atomic():
            audit.record(None, "retention.delete", summary="", posts=posts, messages=messages)
    return posts + messages


# --- managing policies and holds (network admins) --------------------------------------------


def _require_admin(actor: User) -> None:
    if not has_role(actor, Role.NETWORK_ADMIN):
        raise PermissionDenied(_("Only network admins can manage retention and legal holds."))


def check_set_policy(*, actor: User, group: Group | None, days: Any) -> int:
    _require_admin(actor)
    try:
        value = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": _("Enter a whole number of days.")}) from None
    if not 1 <= value <= MAX_DAYS:
        raise ValidationError({"days": _("Enter between 1 and 36500 days.")})
    return value


def do_set_policy(*, actor: User, group: Group | None, days: Any) -> RetentionPolicy:
    value = check_set_policy(actor=actor, group=group, days=days)
    with transaction.atomic():
        policy = RetentionPolicy.objects.select_for_update().filter(group=group).first()
        if policy is None:
            policy = RetentionPolicy.objects.create(group=group, days=value, created_by=actor)
        else:
            policy.days = value
            policy.save(update_fields=["days"])
        audit.record(
            actor,
            "retention.policy_set",
            target=policy,
            group_id=group.pk if group else None,
            days=value,
        )
    return policy


def do_remove_policy(*, actor: User, policy: RetentionPolicy) -> None:
    _require_admin(actor)
    with transaction.atomic():
        audit.record(actor, "retention.policy_remove", target=policy, group_id=policy.group_id)
        policy.delete()


def check_add_hold(*, actor: User, user: User | None, group: Group | None, reason: str) -> str:
    _require_admin(actor)
    if (user is None) == (group is None):
        raise ValidationError(_("Choose a person or a group."))
    cleaned = " ".join((reason or "").split())
    if not cleaned or len(cleaned) > 500:
        raise ValidationError({"reason": _("Give a reason of up to 500 characters.")})
    return cleaned


def do_add_hold(*, actor: User, user: User | None, group: Group | None, reason: str) -> LegalHold:
    cleaned = check_add_hold(actor=actor, user=user, group=group, reason=reason)
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                user=user, group=group, reason=cleaned, created_by=actor
            )
            audit.record(
                actor,
                "legal_hold.add",
                target=hold,
                group_id=group.pk if group else None,
                user_id=user.pk if user else None,
            )
    except IntegrityError as exc:
        raise ValidationError(_("Could not add the hold.")) from exc
    return hold


def do_remove_hold(*, actor: User, hold: LegalHold) -> None:
    _require_admin(actor)
    with transaction.atomic():
        audit.record(
            actor, "legal_hold.remove", target=hold, group_id=hold.group_id, user_id=hold.user_id
        )
        hold.delete()


def is_user_held(user: Any) -> bool:
    return LegalHold.objects.filter(user_id=getattr(user, "pk", user)).exists()
