"""Group lifecycle: inactive groups are flagged, their admins keep or archive them; archived
groups are read-only (no posting, commenting or joining) and still found by search.

State lives in ``GroupLifecycle`` (one row per group, made when first needed), not in groups.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.governance import audit
from torg.governance.models import GroupLifecycle, Role
from torg.governance.roles import has_role
from torg.groups.models import Group, Membership
from torg.notifications import events as notification_events

if TYPE_CHECKING:
    from torg.accounts.models import User


def is_archived(group: Any) -> bool:
    """Whether ``group`` (a Group or its id) is archived."""
    group_id = getattr(group, "pk", group)
    return GroupLifecycle.objects.filter(group_id=group_id, archived_at__isnull=False).exists()


def check_not_archived(group: Any) -> None:
    """Raise ``ValidationError`` when ``group`` (a Group, its id or None) is archived or still
    waiting for approval: both are read-only."""
    if group is None:
        return
    group_id = getattr(group, "pk", group)
    state = (
        GroupLifecycle.objects.filter(group_id=group_id)
        .values_list("archived_at", "approval_pending")
        .first()
    )
    if state is None:
        return
    if state[0] is not None:
        raise ValidationError(_("This group is archived and read-only."))
    if state[1]:
        raise ValidationError(_("This group is waiting for a network admin's approval."))


def group_created(group: Group, actor: User) -> None:
    """Called by ``do_create_group``: with ``TORG_GROUP_APPROVAL`` a group made by someone
    other than a network admin waits (read-only) for approval."""
    audit.record(actor, "group.create", target=group, privacy=group.privacy)
    if getattr(settings, "TORG_GROUP_APPROVAL", False) and not has_role(actor, Role.NETWORK_ADMIN):
        GroupLifecycle.objects.update_or_create(group=group, defaults={"approval_pending": True})
        notification_events.group_requested(group.pk)


def pending_groups() -> QuerySet[Group]:
    return Group.objects.filter(lifecycle__approval_pending=True).order_by("created_at")


def check_decide_group(*, actor: User, group: Group) -> None:
    if not has_role(actor, Role.NETWORK_ADMIN):
        raise PermissionDenied(_("Only network admins can approve groups."))
    if not GroupLifecycle.objects.filter(group=group, approval_pending=True).exists():
        raise ValidationError(_("This group is not waiting for approval."))


def do_approve_group(*, actor: User, group: Group) -> None:
    check_decide_group(actor=actor, group=group)
    with transaction.atomic():
        GroupLifecycle.objects.filter(group=group).update(approval_pending=False)
        audit.record(actor, "group.approve", target=group)
        notification_events.group_decided(group.pk, approved=True, actor_id=actor.pk)


def do_reject_group(*, actor: User, group: Group) -> None:
    """A rejected group is archived (kept, read-only), not deleted."""
    check_decide_group(actor=actor, group=group)
    with transaction.atomic():
        GroupLifecycle.objects.filter(group=group).update(
            approval_pending=False, archived_at=timezone.now(), archived_by=actor
        )
        audit.record(actor, "group.reject", target=group)
        notification_events.group_decided(group.pk, approved=False, actor_id=actor.pk)


def inactive_days() -> int:
    return int(getattr(settings, "TORG_GROUP_INACTIVE_DAYS", 180))


def last_activity(group_ids: list[int]) -> dict[int, datetime]:
    """The latest post or comment in each group, or the group's creation, in two queries."""
    from torg.posts.models import Comment, Post

    result = dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "created_at"))
    for model, field in ((Post, "group_id"), (Comment, "post__group_id")):
        rows = (
            model.objects.filter(**{f"{field}__in": group_ids})
            .values(field)
            .annotate(latest=Max("created_at"))
            .values_list(field, "latest")
        )
        for group_id, latest in rows:
            if latest is not None and latest > result[group_id]:
                result[group_id] = latest
    return result


def _lifecycle(group: Group) -> GroupLifecycle:
    row, _created = GroupLifecycle.objects.select_for_update().get_or_create(group=group)
    return row


def do_flag_inactive_groups(*, now: datetime | None = None) -> int:
    """Flag groups without a post or comment for ``TORG_GROUP_INACTIVE_DAYS`` and ask their admins.

    Skips archived groups, groups already flagged and groups kept until a later date. Safe to
    run twice: a flagged group is not asked again.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=inactive_days())
    skip = GroupLifecycle.objects.filter(group=OuterRef("pk")).filter(
        Q(archived_at__isnull=False) | Q(flagged_at__isnull=False) | Q(keep_until__gt=now)
    )
    candidates = list(
        Group.objects.filter(created_at__lt=cutoff)
        .filter(~Exists(skip))
        .values_list("pk", flat=True)
    )
    flagged = 0
    for start in range(0, len(candidates), 500):
        batch = candidates[start : start + 500]
        latest = last_activity(batch)
        for group_id in batch:
            if latest[group_id] >= cutoff:
                continue
            with transaction.atomic():
                group = Group.objects.get(pk=group_id)
                row = _lifecycle(group)
                if row.flagged_at is not None or row.archived_at is not None:
                    continue
                row.flagged_at = now
                row.save(update_fields=["flagged_at"])
                audit.record(None, "group.flag_inactive", target=group)
                notification_events.group_flagged(group.pk)
            flagged += 1
    return flagged


def can_manage_lifecycle(user: User, group: Group) -> bool:
    if has_role(user, Role.NETWORK_ADMIN):
        return True
    return Membership.objects.filter(group=group, user=user, role=Membership.Role.ADMIN).exists()


def check_keep_group(*, actor: User, group: Group) -> None:
    if not can_manage_lifecycle(actor, group):
        raise PermissionDenied(_("Only group admins and network admins can do that."))
    if is_archived(group):
        raise ValidationError(_("This group is archived. Restore it instead."))


def do_keep_group(*, actor: User, group: Group, now: datetime | None = None) -> GroupLifecycle:
    """Keep the group: not flagged again for another inactive period."""
    check_keep_group(actor=actor, group=group)
    now = now or timezone.now()
    with transaction.atomic():
        row = _lifecycle(group)
        row.flagged_at = None
        row.keep_until = now + timedelta(days=inactive_days())
        row.save(update_fields=["flagged_at", "keep_until"])
        audit.record(actor, "group.keep", target=group)
    return row


def check_archive_group(*, actor: User, group: Group) -> None:
    if not can_manage_lifecycle(actor, group):
        raise PermissionDenied(_("Only group admins and network admins can do that."))
    if is_archived(group):
        raise ValidationError(_("This group is already archived."))


def do_archive_group(*, actor: User, group: Group) -> GroupLifecycle:
    check_archive_group(actor=actor, group=group)
    with transaction.atomic():
        row = _lifecycle(group)
        row.archived_at = timezone.now()
        row.archived_by = actor
        row.flagged_at = None
        row.save(update_fields=["archived_at", "archived_by", "flagged_at"])
        audit.record(actor, "group.archive", target=group)
    return row


def check_unarchive_group(*, actor: User, group: Group) -> None:
    if not can_manage_lifecycle(actor, group):
        raise PermissionDenied(_("Only group admins and network admins can do that."))
    if not is_archived(group):
        raise ValidationError(_("This group is not archived."))


def do_unarchive_group(*, actor: User, group: Group) -> GroupLifecycle:
    check_unarchive_group(actor=actor, group=group)
    with transaction.atomic():
        row = _lifecycle(group)
        row.archived_at = None
        row.archived_by = None
        row.keep_until = timezone.now() + timedelta(days=inactive_days())
        row.save(update_fields=["archived_at", "archived_by", "keep_until"])
        audit.record(actor, "group.unarchive", target=group)
    return row


# --- reads -----------------------------------------------------------------------------------


def flagged_groups() -> QuerySet[Group]:
    return Group.objects.filter(
        lifecycle__flagged_at__isnull=False, lifecycle__archived_at__isnull=True
    ).order_by("name")


def archived_groups() -> QuerySet[Group]:
    return Group.objects.filter(lifecycle__archived_at__isnull=False).order_by("name")


def groups_without_admins() -> QuerySet[Group]:
    has_admin = Membership.objects.filter(
        group=OuterRef("pk"), role=Membership.Role.ADMIN, user__is_active=True
    )
    return Group.objects.filter(~Exists(has_admin)).order_by("name")


def similar_group_names(name: str, *, visible: QuerySet[Group], limit: int = 5) -> list[Group]:
    """Groups whose names look like ``name``: the same words in another order or case, one
    contains the other, or they differ by a letter or two."""
    from difflib import SequenceMatcher

    cleaned = " ".join((name or "").lower().split())
    if len(cleaned) < 3:
        return []
    words = [w for w in cleaned.split() if len(w) >= 3]
    query = Q(name__icontains=cleaned)
    for word in words[:5]:
        query |= Q(name__icontains=word)
    candidates = list(visible.filter(query).order_by("name")[:200])
    scored = []
    for group in candidates:
        other = " ".join(group.name.lower().split())
        ratio = SequenceMatcher(None, cleaned, other).ratio()
        if sorted(other.split()) == sorted(cleaned.split()) or cleaned in other or ratio >= 0.8:
            scored.append((-ratio, group.name, group))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [group for _r, _n, group in scored[:limit]]
