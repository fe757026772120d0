"""Every write to groups: ``check_*`` validates and checks access, ``do_*`` writes.

A ``check_*`` raises ``ValidationError`` (bad input or state), ``PermissionDenied`` (the person
knows the group but may not do this) or ``GroupNotFound`` (the person may not know the group),
and changes nothing. Views, the API, importers and tasks all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from torg.feed import sources_cache
from torg.governance import audit
from torg.governance.lifecycle import check_not_archived, group_created
from torg.groups.access import GroupNotFound, as_person, visible_groups
from torg.groups.models import (
    AutoMembershipRule,
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
)
from torg.notifications import events as notification_events
from torg.realtime import events as realtime_events
from torg.search import events as search_events

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.people.models import Department, Location

# A group may sit at most this many levels below a top-level group; keeps breadcrumbs one query.
MAX_ANCESTORS = 5
# Slugs that are page names under /groups/.
RESERVED_SLUGS = frozenset({"new"})
BATCH_SIZE = 500


# --- helpers -----------------------------------------------------------------------------------


def _role_of(user: User, group: Group) -> str | None:
    return Membership.objects.filter(group=group, user=user).values_list("role", flat=True).first()


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Please sign in first."))
    return person


def _require_admin(actor: User, group: Group) -> None:
    if _role_of(actor, group) != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only group admins can do that."))


def _require_moderator(actor: User, group: Group) -> None:
    if _role_of(actor, group) not in (Membership.Role.ADMIN, Membership.Role.MODERATOR):
        raise PermissionDenied(_("Only group admins and moderators can do that."))


def _ancestor_ids(group: Group) -> list[int]:
    """Ids of ``group`` and its ancestors, nearest first (bounded by the depth limit)."""
    ids: list[int] = []
    current_id: int | None = group.pk
    while current_id is not None and current_id not in ids and len(ids) <= MAX_ANCESTORS + 1:
        ids.append(current_id)
        current_id = Group.objects.filter(pk=current_id).values_list("parent_id", flat=True).first()
    return ids


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100].strip("-") or "group"
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    taken = set(
        Group.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list(
            "slug", flat=True
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the group a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name can be at most 100 characters.")})
    return name


def _check_fields(*, description: str, privacy: str, kind: str) -> None:
    if len(description or "") > 2000:
        raise ValidationError({"description": _("The description can be at most 2000 characters.")})
    if privacy not in Group.Privacy.values:
        raise ValidationError({"privacy": _("Choose open, closed or secret.")})
    if kind not in Group.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of group.")})


def _check_parent(*, actor: User, parent: Group | None, group: Group | None) -> None:
    if parent is None:
        return
    if _role_of(actor, parent) != Membership.Role.ADMIN:
        raise ValidationError(
            {"parent": _("You can only place a group under a group where you are an admin.")}
        )
    ancestors = _ancestor_ids(parent)
    if group is not None and group.pk in ancestors:
        raise ValidationError({"parent": _("A group cannot be placed under itself.")})
    if len(ancestors) > MAX_ANCESTORS:
        raise ValidationError({"parent": _("Groups can be nested at most five levels deep.")})


def _remove_memberships(memberships: Iterable[Membership]) -> int:
    """Delete memberships and keep member counts right. Returns how many were removed."""
    by_group: dict[int, list[int]] = {}
    user_ids: list[int] = []
    for membership in memberships:
        by_group.setdefault(membership.group_id, []).append(membership.pk)
        user_ids.append(membership.user_id)
    removed = 0
    for group_id, ids in by_group.items():
        deleted, _details = Membership.objects.filter(pk__in=ids).delete()
        if deleted:
            Group.objects.filter(pk=group_id).update(member_count=F("member_count") - deleted)
        removed += deleted
    realtime_events.memberships_changed(user_ids)
    return removed


# --- membership --------------------------------------------------------------------------------


def do_add_member(
    *,
    group: Group,
    user: User,
    role: str = Membership.Role.MEMBER,
    actor: User | None = None,
    rule: AutoMembershipRule | None = None,
) -> Membership:
    """Make ``user`` a member (idempotent: an existing membership is returned unchanged)."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            group=group, user=user, defaults={"role": role, "rule": rule}
        )
        if created:
            Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
            JoinRequest.objects.filter(
                group=group, user=user, status=JoinRequest.Status.PENDING
            ).delete()
            GroupInvitation.objects.filter(group=group, user=user).delete()
            realtime_events.membership_changed(user.pk)
    return membership


def _add_members_in_bulk(
    *, group: Group, user_ids: list[int], rule: AutoMembershipRule | None
) -> int:
    if not user_ids:
        return 0
    with transaction.atomic():
        existing = set(
            Membership.objects.filter(group=group, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        new_ids = [uid for uid in user_ids if uid not in existing]
        if not new_ids:
            return 0
        Membership.objects.bulk_create(
            [Membership(group=group, user_id=uid, rule=rule) for uid in new_ids],
            ignore_conflicts=True,
        )
        # Count what is really there: a concurrent add may have won a conflict.
        added = Membership.objects.filter(group=group, user_id__in=new_ids).count()
        added = min(added, len(new_ids))
        Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + added)
        JoinRequest.objects.filter(
            group=group, user_id__in=new_ids, status=JoinRequest.Status.PENDING
        ).delete()
        GroupInvitation.objects.filter(group=group, user_id__in=new_ids).delete()
        realtime_events.memberships_changed(new_ids)
        # bulk_create sends no signals: the home feed's cached sources are told here.
        sources_cache.sources_changed(new_ids)
    return added


def _employees() -> Iterable[int]:
    """Ids of active non-guest accounts, in batches."""
    user_model = get_user_model()
    last_id = 0
    while True:
        batch = list(
            user_model.objects.filter(is_active=True, is_guest=False, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1]


def _apply_company_wide(group: Group) -> None:
    batch: list[int] = []
    for user_id in _employees():
        batch.append(user_id)
        if len(batch) >= BATCH_SIZE:
            _add_members_in_bulk(group=group, user_ids=batch, rule=None)
            batch = []
    _add_members_in_bulk(group=group, user_ids=batch, rule=None)


def _rule_filter(rule: AutoMembershipRule) -> Q:
    condition = Q(is_active=True, is_guest=False)
    if rule.department_id is not None:
        condition &= Q(department_id=rule.department_id)
    if rule.location_id is not None:
        condition &= Q(location_id=rule.location_id)
    return condition


def _rules_matching(user: User) -> Q:
    """Rules whose every set criterion matches ``user``."""
    return (Q(department__isnull=True) | Q(department_id=user.department_id)) & (
        Q(location__isnull=True) | Q(location_id=user.location_id)
    )


def do_sync_auto_memberships(*, user: User) -> None:
    """Bring ``user``'s company-wide and rule-made memberships in line with who they are now.

    Call after a person is created, activated, deactivated or changes department or location.
    """
    with transaction.atomic():
        is_employee = user.is_active and not user.is_guest
        matching: dict[int, AutoMembershipRule] = {}
        if is_employee:
            for rule in AutoMembershipRule.objects.filter(_rules_matching(user)).order_by("pk"):
                matching.setdefault(rule.group_id, rule)
            company_wide = Group.objects.filter(is_company_wide=True).exclude(
                memberships__user=user
            )
            for group in company_wide:
                do_add_member(group=group, user=user)
        mine = {
            membership.group_id: membership
            for membership in Membership.objects.filter(user=user).select_related("group")
        }
        for group_id, rule in matching.items():
            if group_id not in mine:
                do_add_member(group=rule.group, user=user, rule=rule)
        stale: list[Membership] = []
        for group_id, membership in mine.items():
            if membership.rule_id is None or membership.role != Membership.Role.MEMBER:
                continue
            if group_id in matching:
                if membership.rule_id != matching[group_id].pk:
                    Membership.objects.filter(pk=membership.pk).update(rule=matching[group_id])
            elif not (membership.group.is_company_wide and is_employee):
                stale.append(membership)
        _remove_memberships(stale)


# --- create and update -------------------------------------------------------------------------


def check_create_group(
    *,
    actor: User,
    name: str,
    description: str = "",
    privacy: str = Group.Privacy.OPEN,
    kind: str = Group.Kind.TEAM,
    parent: Group | None = None,
    is_company_wide: bool = False,
) -> str:
    """Validate; returns the cleaned name."""
    person = _require_person(actor)
    if person.is_guest:
        raise PermissionDenied(_("Guests cannot create groups."))
    cleaned = _clean_name(name)
    _check_fields(description=description, privacy=privacy, kind=kind)
    if is_company_wide:
        if not person.is_network_admin:
            raise PermissionDenied(_("Only network admins can create a company-wide group."))
        if privacy != Group.Privacy.OPEN:
            raise ValidationError({"privacy": _("A company-wide group must be open.")})
    _check_parent(actor=person, parent=parent, group=None)
    return cleaned


def do_create_group(
    *,
    actor: User,
    name: str,
    description: str = "",
    privacy: str = Group.Privacy.OPEN,
    kind: str = Group.Kind.TEAM,
    parent: Group | None = None,
    is_company_wide: bool = False,
) -> Group:
    cleaned = check_create_group(
        actor=actor,
        name=name,
        description=description,
        privacy=privacy,
        kind=kind,
        parent=parent,
        is_company_wide=is_company_wide,
    )
    with transaction.atomic():
        group = Group.objects.create(
            name=cleaned,
            slug=_unique_slug(cleaned),
            description=(description or "").strip(),
            privacy=privacy,
            kind=kind,
            parent=parent,
            is_company_wide=is_company_wide,
            created_by=actor,
        )
        do_add_member(group=group, user=actor, role=Membership.Role.ADMIN, actor=actor)
        group_created(group, actor)
        if is_company_wide:
            _apply_company_wide(group)
        search_events.group_changed(group)
    group.refresh_from_db()
    return group


def check_update_group(
    *,
    actor: User,
    group: Group,
    name: str,
    description: str,
    privacy: str,
    kind: str,
    parent: Group | None,
    is_company_wide: bool | None = None,
) -> str:
    person = _require_person(actor)
    _require_admin(person, group)
    cleaned = _clean_name(name)
    _check_fields(description=description, privacy=privacy, kind=kind)
    company_wide = group.is_company_wide if is_company_wide is None else is_company_wide
    if company_wide != group.is_company_wide and not person.is_network_admin:
        raise PermissionDenied(_("Only network admins can make a group company-wide."))
    if company_wide and privacy != Group.Privacy.OPEN:
        raise ValidationError({"privacy": _("A company-wide group must be open.")})
    if parent is not None and parent.pk != group.parent_id:
        _check_parent(actor=person, parent=parent, group=group)
    elif parent is not None and group.pk in _ancestor_ids(parent):
        raise ValidationError({"parent": _("A group cannot be placed under itself.")})
    return cleaned


def do_update_group(
    *,
    actor: User,
    group: Group,
    name: str,
    description: str,
    privacy: str,
    kind: str,
    parent: Group | None,
    is_company_wide: bool | None = None,
) -> Group:
    cleaned = check_update_group(
        actor=actor,
        group=group,
        name=name,
        description=description,
        privacy=privacy,
        kind=kind,
        parent=parent,
        is_company_wide=is_company_wide,
    )
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        became_company_wide = bool(is_company_wide) and not group.is_company_wide
        privacy_changed = privacy != group.privacy
        group.name = cleaned
        group.description = (description or "").strip()
        group.privacy = privacy
        group.kind = kind
        group.parent = parent
        if is_company_wide is not None:
            group.is_company_wide = is_company_wide
        group.save()
        search_events.group_changed(group)
        if became_company_wide:
            _apply_company_wide(group)
        if privacy_changed:
            realtime_events.group_access_changed(group.pk)
            audit.record(actor, "group.privacy", target=group, privacy=privacy)
    group.refresh_from_db()
    return group


# --- join, leave, requests ---------------------------------------------------------------------


def check_join_group(*, actor: User, group: Group) -> None:
    person = _require_person(actor)
    if not visible_groups(person).filter(pk=group.pk).exists():
        raise GroupNotFound
    if Membership.objects.filter(group=group, user=person).exists():
        raise ValidationError(_("You are already a member of this group."))
    check_not_archived(group)
    if GroupInvitation.objects.filter(group=group, user=person).exists():
        return
    if group.privacy == Group.Privacy.SECRET:
        # Only reachable by invitees, who were handled above.
        raise GroupNotFound
    if person.is_guest:
        raise PermissionDenied(_("Guests can only join groups they are invited to."))
    if (
        group.privacy == Group.Privacy.CLOSED
        and JoinRequest.objects.filter(
            group=group, user=person, status=JoinRequest.Status.PENDING
        ).exists()
    ):
        raise ValidationError(_("You have already asked to join. A group admin will answer."))


def do_join_group(*, actor: User, group: Group, message: str = "") -> Membership | JoinRequest:
    """Join an open group (or one you are invited to), or ask to join a closed one."""
    check_join_group(actor=actor, group=group)
    if len(message or "") > 500:
        raise ValidationError({"message": _("The message can be at most 500 characters.")})
    invited = GroupInvitation.objects.filter(group=group, user=actor).exists()
    if group.privacy == Group.Privacy.OPEN or invited:
        return do_add_member(group=group, user=actor, actor=actor)
    with transaction.atomic():
        join_request, _created = JoinRequest.objects.get_or_create(
            group=group,
            user=actor,
            status=JoinRequest.Status.PENDING,
            defaults={"message": (message or "").strip()},
        )
        notification_events.join_requested(join_request)
    return join_request


def check_cancel_join_request(*, actor: User, group: Group) -> JoinRequest:
    person = _require_person(actor)
    join_request = JoinRequest.objects.filter(
        group=group, user=person, status=JoinRequest.Status.PENDING
    ).first()
    if join_request is None:
        raise ValidationError(_("You have no pending request for this group."))
    return join_request


def do_cancel_join_request(*, actor: User, group: Group) -> None:
    join_request = check_cancel_join_request(actor=actor, group=group)
    join_request.delete()


def check_leave_group(*, actor: User, group: Group) -> Membership:
    person = _require_person(actor)
    membership = Membership.objects.filter(group=group, user=person).first()
    if membership is None:
        raise ValidationError(_("You are not a member of this group."))
    if group.is_company_wide and person.is_active and not person.is_guest:
        raise ValidationError(
            _("Everyone is a member of the company-wide group; it cannot be left.")
        )
    if membership.role == Membership.Role.ADMIN:
        admins = Membership.objects.filter(group=group, role=Membership.Role.ADMIN).count()
        others = Membership.objects.filter(group=group).exclude(user=person).exists()
        if admins == 1 and others:
            raise ValidationError(
                _("You are the group's only admin. Make another member admin before you leave.")
            )
    return membership


def do_leave_group(*, actor: User, group: Group) -> None:
    with transaction.atomic():
        # Lock the admins so two last admins cannot both leave at once.
        list(
            Membership.objects.select_for_update()
            .filter(group=group, role=Membership.Role.ADMIN)
            .order_by("pk")
        )
        membership = check_leave_group(actor=actor, group=group)
        _remove_memberships([membership])


def check_decide_join_request(*, actor: User, join_request: JoinRequest) -> None:
    person = _require_person(actor)
    _require_moderator(person, join_request.group)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))


def do_approve_join_request(*, actor: User, join_request: JoinRequest) -> Membership:
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        check_decide_join_request(actor=actor, join_request=join_request)
        join_request.status = JoinRequest.Status.APPROVED
        join_request.decided_by = actor
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_by", "decided_at"])
        notification_events.join_request_approved(join_request)
        return do_add_member(group=join_request.group, user=join_request.user, actor=actor)


def do_deny_join_request(*, actor: User, join_request: JoinRequest) -> None:
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        check_decide_join_request(actor=actor, join_request=join_request)
        join_request.status = JoinRequest.Status.DENIED
        join_request.decided_by = actor
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_by", "decided_at"])


# --- invitations -------------------------------------------------------------------------------


def check_invite_to_group(*, actor: User, group: Group, invitee: User) -> None:
    person = _require_person(actor)
    role = _role_of(person, group)
    if role is None:
        raise PermissionDenied(_("Only members can invite people to this group."))
    if person.is_guest:
        raise PermissionDenied(_("Guests cannot invite people."))
    if group.privacy == Group.Privacy.SECRET and role not in (
        Membership.Role.ADMIN,
        Membership.Role.MODERATOR,
    ):
        raise PermissionDenied(_("Only admins and moderators can invite people to a secret group."))
    if not invitee.is_active:
        raise ValidationError({"user": _("This person does not exist or is no longer active.")})
    if Membership.objects.filter(group=group, user=invitee).exists():
        raise ValidationError({"user": _("%(name)s is already a member.") % {"name": invitee}})
    if GroupInvitation.objects.filter(group=group, user=invitee).exists():
        raise ValidationError({"user": _("%(name)s is already invited.") % {"name": invitee}})


def do_invite_to_group(*, actor: User, group: Group, invitee: User) -> GroupInvitation:
    with transaction.atomic():
        check_invite_to_group(actor=actor, group=group, invitee=invitee)
        invitation, _created = GroupInvitation.objects.get_or_create(
            group=group, user=invitee, defaults={"invited_by": actor}
        )
        notification_events.invitation_created(invitation)
    return invitation


def check_answer_invitation(*, actor: User, group: Group) -> GroupInvitation:
    person = _require_person(actor)
    invitation = GroupInvitation.objects.filter(group=group, user=person).first()
    if invitation is None:
        raise ValidationError(_("You have no invitation to this group."))
    return invitation


def do_accept_invitation(*, actor: User, group: Group) -> Membership:
    with transaction.atomic():
        check_answer_invitation(actor=actor, group=group)
        return do_add_member(group=group, user=actor, actor=actor)


def do_decline_invitation(*, actor: User, group: Group) -> None:
    with transaction.atomic():
        invitation = check_answer_invitation(actor=actor, group=group)
        invitation.delete()


# --- managing members --------------------------------------------------------------------------


def check_remove_member(*, actor: User, group: Group, user: User) -> Membership:
    person = _require_person(actor)
    actor_role = _role_of(person, group)
    if actor_role not in (Membership.Role.ADMIN, Membership.Role.MODERATOR):
        raise PermissionDenied(_("Only group admins and moderators can remove members."))
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is None:
        raise ValidationError(_("This person is not a member of the group."))
    if user.pk == person.pk:
        raise ValidationError(_("To remove yourself, leave the group."))
    if actor_role == Membership.Role.MODERATOR and membership.role != Membership.Role.MEMBER:
        raise PermissionDenied(_("Moderators can only remove members, not admins or moderators."))
    if group.is_company_wide and user.is_active and not user.is_guest:
        raise ValidationError(_("Everyone is a member of the company-wide group."))
    return membership


def do_remove_member(*, actor: User, group: Group, user: User) -> None:
    with transaction.atomic():
        membership = check_remove_member(actor=actor, group=group, user=user)
        _remove_memberships([membership])


def check_change_role(*, actor: User, group: Group, user: User, role: str) -> Membership:
    person = _require_person(actor)
    _require_admin(person, group)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose admin, moderator or member.")})
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is None:
        raise ValidationError(_("This person is not a member of the group."))
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        admins = Membership.objects.filter(group=group, role=Membership.Role.ADMIN).count()
        if admins <= 1:
            raise ValidationError(
                _("A group needs at least one admin. Make someone else admin first.")
            )
    return membership


def do_change_role(*, actor: User, group: Group, user: User, role: str) -> Membership:
    with transaction.atomic():
        list(
            Membership.objects.select_for_update()
            .filter(group=group, role=Membership.Role.ADMIN)
            .order_by("pk")
        )
        membership = check_change_role(actor=actor, group=group, user=user, role=role)
        membership.role = role
        # A person whose role was chosen by hand is no longer a rule's member.
        membership.rule = None
        membership.save(update_fields=["role", "rule"])
        realtime_events.membership_changed(user.pk)
    return membership


# --- auto-membership rules ---------------------------------------------------------------------


def check_add_rule(
    *,
    actor: User,
    group: Group,
    department: Department | None,
    location: Location | None,
) -> None:
    person = _require_person(actor)
    _require_admin(person, group)
    if department is None and location is None:
        raise ValidationError(_("Choose a department, a location or both."))
    if AutoMembershipRule.objects.filter(
        group=group, department=department, location=location
    ).exists():
        raise ValidationError(_("This group already has that rule."))


def do_add_rule(
    *,
    actor: User,
    group: Group,
    department: Department | None,
    location: Location | None,
) -> AutoMembershipRule:
    """Add the rule and make everyone who matches it now a member, in batches."""
    check_add_rule(actor=actor, group=group, department=department, location=location)
    with transaction.atomic():
        rule = AutoMembershipRule.objects.create(
            group=group, department=department, location=location, created_by=actor
        )
    user_model = get_user_model()
    last_id = 0
    while True:
        batch = list(
            user_model.objects.filter(_rule_filter(rule), pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            break
        _add_members_in_bulk(group=group, user_ids=batch, rule=rule)
        last_id = batch[-1]
    return rule


def check_remove_rule(*, actor: User, rule: AutoMembershipRule) -> None:
    person = _require_person(actor)
    _require_admin(person, rule.group)


def do_remove_rule(*, actor: User, rule: AutoMembershipRule) -> None:
    """Delete the rule; its members stay only if another rule of the group still matches them."""
    check_remove_rule(actor=actor, rule=rule)
    group = rule.group
    with transaction.atomic():
        others = list(AutoMembershipRule.objects.filter(group=group).exclude(pk=rule.pk))
        user_model = get_user_model()
        last_id = 0
        while True:
            batch = list(
                Membership.objects.filter(
                    group=group, rule=rule, role=Membership.Role.MEMBER, pk__gt=last_id
                ).order_by("pk")[:BATCH_SIZE]
            )
            if not batch:
                break
            user_ids = [membership.user_id for membership in batch]
            still_matching: dict[int, AutoMembershipRule] = {}
            for other in others:
                for user_id in user_model.objects.filter(
                    _rule_filter(other), pk__in=user_ids
                ).values_list("pk", flat=True):
                    still_matching.setdefault(user_id, other)
            stale: list[Membership] = []
            for membership in batch:
                other_rule = still_matching.get(membership.user_id)
                if other_rule is not None:
                    Membership.objects.filter(pk=membership.pk).update(rule=other_rule)
                elif not group.is_company_wide:
                    stale.append(membership)
            _remove_memberships(stale)
            last_id = batch[-1].pk
        rule.delete()
