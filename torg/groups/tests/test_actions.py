from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from torg.groups import actions
from torg.groups.access import GroupNotFound
from torg.groups.models import (
    AutoMembershipRule,
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
)
from torg.people.models import Department, Location

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    """Everything an action may change, to assert that a refusal changed nothing."""
    return (
        list(Group.objects.order_by("pk").values_list("pk", "name", "privacy", "member_count")),
        list(Membership.objects.order_by("pk").values_list("group_id", "user_id", "role")),
        list(JoinRequest.objects.order_by("pk").values_list("group_id", "user_id", "status")),
        list(GroupInvitation.objects.order_by("pk").values_list("group_id", "user_id")),
        list(AutoMembershipRule.objects.order_by("pk").values_list("group_id", "department_id")),
    )


def test_creating_a_group_makes_the_creator_admin_and_a_unique_slug(admin, make_group):
    first = make_group("Oslo Office")
    second = make_group("Oslo office")
    reserved = make_group("New")
    assert (first.slug, second.slug, reserved.slug) == ("oslo-office", "oslo-office-2", "new-group")
    assert first.member_count == 1
    assert Membership.objects.get(group=first).role == "admin"
    assert Membership.objects.get(group=first).user == admin


def test_guests_cannot_create_groups_and_nothing_changes(make_user):
    guest = make_user(is_guest=True)
    before = snapshot()
    with pytest.raises(PermissionDenied, match="Guests cannot create groups"):
        actions.do_create_group(actor=guest, name="Partners")
    assert snapshot() == before


def test_parent_must_be_a_group_where_the_creator_is_admin(make_user, make_group):
    parent = make_group("Global")
    other = make_user()
    before = snapshot()
    with pytest.raises(ValidationError) as refusal:
        actions.do_create_group(actor=other, name="Norway", parent=parent)
    assert refusal.value.message_dict == {
        "parent": ["You can only place a group under a group where you are an admin."]
    }
    assert snapshot() == before
    child = make_group("Scandinavia", parent=parent)
    assert child.parent == parent


def test_company_wide_only_by_network_admins(make_user):
    employee = make_user()
    staff = make_user(is_staff=True)
    guest = make_user(is_guest=True)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_create_group(actor=employee, name="Everyone", is_company_wide=True)
    assert snapshot() == before
    group = actions.do_create_group(actor=staff, name="Everyone", is_company_wide=True)
    assert group.member_count == 2
    assert set(group.memberships.values_list("user_id", flat=True)) == {employee.pk, staff.pk}
    assert not group.memberships.filter(user=guest).exists()
    late = make_user()
    actions.do_sync_auto_memberships(user=late)
    group.refresh_from_db()
    assert group.member_count == 3
    with pytest.raises(ValidationError, match="cannot be left"):
        actions.do_leave_group(actor=late, group=group)


def test_do_add_member_is_idempotent_and_clears_requests_and_invitations(
    admin, make_user, make_group
):
    group = make_group("Closed", privacy="closed")
    person = make_user()
    actions.do_join_group(actor=person, group=group)
    actions.do_invite_to_group(actor=admin, group=group, invitee=make_user())
    assert JoinRequest.objects.filter(user=person, status="pending").count() == 1
    first = actions.do_add_member(group=group, user=person)
    again = actions.do_add_member(group=group, user=person, role="admin")
    assert first.pk == again.pk
    assert again.role == "member"
    group.refresh_from_db()
    assert group.member_count == 2
    assert JoinRequest.objects.filter(user=person).count() == 0


def test_join_open_closed_secret(make_user, make_group):
    person = make_user()
    open_group = make_group("Open")
    closed = make_group("Closed", privacy="closed")
    secret = make_group("Secret", privacy="secret")
    assert isinstance(actions.do_join_group(actor=person, group=open_group), Membership)
    request = actions.do_join_group(actor=person, group=closed, message="Hi")
    assert isinstance(request, JoinRequest)
    assert (request.status, request.message) == ("pending", "Hi")
    before = snapshot()
    with pytest.raises(ValidationError, match="already asked"):
        actions.do_join_group(actor=person, group=closed)
    with pytest.raises(GroupNotFound):
        actions.do_join_group(actor=person, group=secret)
    with pytest.raises(ValidationError, match="already a member"):
        actions.do_join_group(actor=person, group=open_group)
    assert snapshot() == before


def test_join_request_approve_and_deny(admin, make_user, make_group):
    group = make_group("Closed", privacy="closed")
    moderator = make_user()
    actions.do_add_member(group=group, user=moderator, role="moderator")
    asker, other, outsider = make_user(), make_user(), make_user()
    request = actions.do_join_group(actor=asker, group=group)
    other_request = actions.do_join_group(actor=other, group=group)
    assert isinstance(request, JoinRequest) and isinstance(other_request, JoinRequest)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_approve_join_request(actor=outsider, join_request=request)
    assert snapshot() == before
    membership = actions.do_approve_join_request(actor=moderator, join_request=request)
    assert (membership.user, membership.role) == (asker, "member")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", moderator)
    actions.do_deny_join_request(actor=admin, join_request=other_request)
    other_request.refresh_from_db()
    assert other_request.status == "denied"
    assert not Membership.objects.filter(group=group, user=other).exists()
    with pytest.raises(ValidationError, match="already been answered"):
        actions.do_approve_join_request(actor=admin, join_request=other_request)
    group.refresh_from_db()
    assert group.member_count == 3


def test_leave_refuses_the_last_admin_while_others_remain(admin, make_user, make_group):
    group = make_group("Team")
    member = make_user()
    actions.do_add_member(group=group, user=member)
    before = snapshot()
    with pytest.raises(ValidationError, match="only admin"):
        actions.do_leave_group(actor=admin, group=group)
    assert snapshot() == before
    actions.do_leave_group(actor=member, group=group)
    actions.do_leave_group(actor=admin, group=group)
    group.refresh_from_db()
    assert group.member_count == 0
    with pytest.raises(ValidationError, match="not a member"):
        actions.do_leave_group(actor=admin, group=group)


def test_invitations(admin, make_user, make_group):
    secret = make_group("Secret", privacy="secret")
    closed = make_group("Closed", privacy="closed")
    member = make_user()
    actions.do_add_member(group=secret, user=member)
    actions.do_add_member(group=closed, user=member)
    guest = make_user(is_guest=True)
    inactive = make_user(is_active=False)
    before = snapshot()
    with pytest.raises(PermissionDenied, match="secret group"):
        actions.do_invite_to_group(actor=member, group=secret, invitee=guest)
    with pytest.raises(ValidationError, match="no longer active"):
        actions.do_invite_to_group(actor=admin, group=secret, invitee=inactive)
    with pytest.raises(PermissionDenied, match="Only members"):
        actions.do_invite_to_group(actor=guest, group=closed, invitee=make_user())
    with pytest.raises(ValidationError, match="already a member"):
        actions.do_invite_to_group(actor=member, group=closed, invitee=admin)
    assert snapshot() == before
    actions.do_invite_to_group(actor=member, group=closed, invitee=guest)
    actions.do_invite_to_group(actor=admin, group=secret, invitee=guest)
    with pytest.raises(ValidationError, match="already invited"):
        actions.do_invite_to_group(actor=admin, group=secret, invitee=guest)
    actions.do_accept_invitation(actor=guest, group=secret)
    actions.do_decline_invitation(actor=guest, group=closed)
    assert list(Membership.objects.filter(user=guest).values_list("group__name", flat=True)) == [
        "Secret"
    ]
    assert GroupInvitation.objects.count() == 0
    with pytest.raises(ValidationError, match="no invitation"):
        actions.do_accept_invitation(actor=guest, group=closed)


def test_remove_member_and_change_role(admin, make_user, make_group):
    group = make_group("Team")
    moderator, member, second_admin = make_user(), make_user(), make_user()
    actions.do_add_member(group=group, user=moderator, role="moderator")
    actions.do_add_member(group=group, user=member)
    actions.do_add_member(group=group, user=second_admin, role="admin")
    before = snapshot()
    with pytest.raises(PermissionDenied, match="Moderators can only remove members"):
        actions.do_remove_member(actor=moderator, group=group, user=second_admin)
    with pytest.raises(PermissionDenied):
        actions.do_remove_member(actor=member, group=group, user=moderator)
    with pytest.raises(PermissionDenied, match="Only group admins"):
        actions.do_change_role(actor=moderator, group=group, user=member, role="admin")
    with pytest.raises(ValidationError):
        actions.do_change_role(actor=admin, group=group, user=member, role="owner")
    assert snapshot() == before
    actions.do_remove_member(actor=moderator, group=group, user=member)
    actions.do_change_role(actor=admin, group=group, user=second_admin, role="member")
    with pytest.raises(ValidationError, match="at least one admin"):
        actions.do_change_role(actor=admin, group=group, user=admin, role="member")
    group.refresh_from_db()
    assert group.member_count == 3
    assert dict(group.memberships.values_list("user_id", "role")) == {
        admin.pk: "admin",
        moderator.pk: "moderator",
        second_admin.pk: "member",
    }


def test_update_settings_only_by_admins_and_no_cycles(admin, make_user, make_group):
    top = make_group("Top")
    child = make_group("Child", parent=top)
    member = make_user()
    actions.do_add_member(group=top, user=member)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_update_group(
            actor=member,
            group=top,
            name="X",
            description="",
            privacy="open",
            kind="team",
            parent=None,
        )
    with pytest.raises(ValidationError, match="under itself"):
        actions.do_update_group(
            actor=admin,
            group=top,
            name="Top",
            description="",
            privacy="open",
            kind="team",
            parent=child,
        )
    assert snapshot() == before
    updated = actions.do_update_group(
        actor=admin,
        group=top,
        name="Top level",
        description="About",
        privacy="closed",
        kind="social",
        parent=None,
    )
    assert (updated.name, updated.slug, updated.privacy, updated.kind) == (
        "Top level",
        "top",
        "closed",
        "social",
    )


def test_auto_membership_rules_now_later_and_removal(admin, make_user, make_group):
    oslo = Location.objects.create(name="Oslo", slug="oslo", country="NO")
    bergen = Location.objects.create(name="Bergen", slug="bergen", country="NO")
    tech = Department.objects.create(name="Technology", slug="technology")
    sales = Department.objects.create(name="Sales", slug="sales")
    group = make_group("Oslo tech")
    now = make_user(department=tech, location=oslo)
    wrong_place = make_user(department=tech, location=bergen)
    guest = make_user(department=tech, location=oslo, is_guest=True)
    member = make_user(name="No department")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.do_add_rule(actor=member, group=group, department=tech, location=oslo)
    with pytest.raises(ValidationError, match="Choose a department"):
        actions.do_add_rule(actor=admin, group=group, department=None, location=None)
    assert snapshot() == before
    rule = actions.do_add_rule(actor=admin, group=group, department=tech, location=oslo)
    assert set(group.memberships.values_list("user_id", flat=True)) == {admin.pk, now.pk}
    assert Membership.objects.get(group=group, user=now).rule == rule
    # Someone who matches later.
    wrong_place.location = oslo
    wrong_place.save()
    actions.do_sync_auto_memberships(user=wrong_place)
    actions.do_sync_auto_memberships(user=guest)
    group.refresh_from_db()
    assert group.member_count == 3
    # Someone who no longer matches.
    now.department = sales
    now.save()
    actions.do_sync_auto_memberships(user=now)
    group.refresh_from_db()
    assert set(group.memberships.values_list("user_id", flat=True)) == {admin.pk, wrong_place.pk}
    assert group.member_count == 2
    # A second rule keeps people its first rule made members.
    location_rule = actions.do_add_rule(actor=admin, group=group, department=None, location=oslo)
    assert group.memberships.filter(user=now).exists()
    actions.do_remove_rule(actor=admin, rule=rule)
    assert Membership.objects.get(group=group, user=wrong_place).rule == location_rule
    actions.do_remove_rule(actor=admin, rule=location_rule)
    group.refresh_from_db()
    assert list(group.memberships.values_list("user_id", flat=True)) == [admin.pk]
    assert group.member_count == 1
    assert not AutoMembershipRule.objects.exists()
