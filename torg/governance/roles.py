"""Network-wide roles: ``has_role(user, "moderator")``; ``grant`` / ``revoke`` are audited.

- ``network_admin`` is ``User.is_staff`` (an active account); network admins have every role.
- ``communications`` (insights, company-wide announcements) and ``moderator`` (the report queue,
  keyword alerts) are ``RoleAssignment`` rows given by network admins.
Per-group admins and moderators are ``groups.Membership.Role``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from torg.governance import audit
from torg.governance.models import Role, RoleAssignment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

ROLES = frozenset(r.value for r in Role)
ASSIGNABLE = frozenset({Role.COMMUNICATIONS.value, Role.MODERATOR.value})


def _person(user: User | AnonymousUser | None) -> User | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


def has_role(user: User | AnonymousUser | None, role: str) -> bool:
    """Whether ``user`` holds ``role`` (network admins hold every role). Unknown roles: False."""
    person = _person(user)
    if person is None or role not in ROLES:
        return False
    if person.is_staff:
        return True
    if role == Role.NETWORK_ADMIN or person.is_guest:
        return False
    cache = getattr(person, "_governance_roles", None)
    if cache is None:
        cache = set(RoleAssignment.objects.filter(user=person).values_list("role", flat=True))
        person._governance_roles = cache  # type: ignore[attr-defined]
    return role in cache


def roles_of(user: User | AnonymousUser | None) -> list[str]:
    return [
        r for r in (Role.NETWORK_ADMIN, Role.COMMUNICATIONS, Role.MODERATOR) if has_role(user, r)
    ]


def _forget(user: User) -> None:
    if hasattr(user, "_governance_roles"):
        del user._governance_roles


def check_change_role(*, actor: User, user: User, role: str) -> None:
    if not has_role(actor, Role.NETWORK_ADMIN):
        raise PermissionDenied(_("Only network admins can change roles."))
    if role not in ROLES:
        raise ValidationError(_("Unknown role."))
    if role == Role.NETWORK_ADMIN and actor.pk == user.pk:
        raise ValidationError(_("You cannot change your own network admin role."))
    if user.is_guest and role in ASSIGNABLE:
        raise ValidationError(_("Guests cannot hold network roles."))


def grant(actor: User, user: User, role: str) -> bool:
    """Give ``user`` ``role``; returns False when they already held it (nothing audited)."""
    check_change_role(actor=actor, user=user, role=role)
    with transaction.atomic():
        if role == Role.NETWORK_ADMIN:
            if user.is_staff:
                return False
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        else:
            _obj, created = RoleAssignment.objects.get_or_create(
                user=user, role=role, defaults={"granted_by": actor}
            )
            if not created:
                return False
        audit.record(actor, "role.grant", target=user, target_kind="user", role=role)
    _forget(user)
    return True


def revoke(actor: User, user: User, role: str) -> bool:
    """Take ``role`` from ``user``; returns False when they did not hold it."""
    check_change_role(actor=actor, user=user, role=role)
    with transaction.atomic():
        if role == Role.NETWORK_ADMIN:
            if not user.is_staff:
                return False
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        else:
            deleted, _by_model = RoleAssignment.objects.filter(user=user, role=role).delete()
            if not deleted:
                return False
        audit.record(actor, "role.revoke", target=user, target_kind="user", role=role)
    _forget(user)
    return True
