from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from torg.accounts.models import User
from torg.governance import roles
from torg.governance.models import AuditEvent, RoleAssignment

pytestmark = pytest.mark.django_db

ROLES = ["network_admin", "communications", "moderator"]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_role_matrix(make_user, network_admin):
    plain = make_user()
    comms = make_user()
    mod = make_user()
    guest = make_user(is_guest=True)
    inactive_admin = make_user(is_staff=True, is_active=False)
    roles.grant(network_admin, comms, "communications")
    roles.grant(network_admin, mod, "moderator")
    matrix = {
        name: [roles.has_role(fresh(u), r) for r in ROLES]
        for name, u in {
            "admin": network_admin,
            "comms": comms,
            "mod": mod,
            "plain": plain,
            "guest": guest,
            "inactive_admin": inactive_admin,
        }.items()
    }
    assert matrix == {
        "admin": [True, True, True],
        "comms": [False, True, False],
        "mod": [False, False, True],
        "plain": [False, False, False],
        "guest": [False, False, False],
        "inactive_admin": [False, False, False],
    }
    assert roles.has_role(None, "moderator") is False
    assert roles.has_role(network_admin, "superhero") is False


def test_grant_and_revoke_are_audited_and_idempotent(make_user, network_admin):
    person = make_user()
    assert roles.grant(network_admin, person, "moderator") is True
    assert roles.grant(network_admin, person, "moderator") is False
    assert roles.has_role(person, "moderator") is True
    assert roles.revoke(network_admin, person, "moderator") is True
    assert roles.revoke(network_admin, person, "moderator") is False
    assert roles.has_role(person, "moderator") is False
    assert roles.grant(network_admin, person, "network_admin") is True
    assert fresh(person).is_staff is True
    events = list(
        AuditEvent.objects.order_by("id").values_list("action", "actor_id", "target_id", "data")
    )
    assert events == [
        ("role.grant", network_admin.pk, person.pk, {"role": "moderator"}),
        ("role.revoke", network_admin.pk, person.pk, {"role": "moderator"}),
        ("role.grant", network_admin.pk, person.pk, {"role": "network_admin"}),
    ]


def test_only_network_admins_change_roles_and_refusals_change_nothing(make_user, network_admin):
    mod = make_user()
    roles.grant(network_admin, mod, "moderator")
    target = make_user()
    before = AuditEvent.objects.count()
    for actor in (fresh(mod), target):
        for role in ROLES:
            with pytest.raises(PermissionDenied):
                roles.grant(actor, target, role)
    with pytest.raises(ValidationError):
        roles.grant(network_admin, target, "owner")
    with pytest.raises(ValidationError):
        roles.revoke(network_admin, network_admin, "network_admin")
    with pytest.raises(ValidationError):
        roles.grant(network_admin, make_user(is_guest=True), "moderator")
    assert AuditEvent.objects.count() == before
    assert RoleAssignment.objects.filter(user=target).count() == 0
    assert fresh(target).is_staff is False
