"""The one way to look up a group for a person.

Rules (see docs/groups.md):
- open: every employee sees it and its content; guests only if they are members;
- closed: every employee sees the name and description; only members see content;
- secret: only members and invitees know it exists. Everyone else gets exactly the same
  "not found" a nonexistent slug gets, in pages and in the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from torg.groups.models import Group, GroupInvitation, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


class GroupNotFound(Http404):
    """Raised for unknown and hidden groups alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


def as_person(user: User | AnonymousUser) -> User | None:
    """The signed-in, active account behind ``user``, or None for anyone else."""
    if user.is_authenticated and user.is_active:
        return user
    return None


def visible_groups(user: User | AnonymousUser) -> QuerySet[Group]:
    """Groups whose existence ``user`` may know of."""
    person = as_person(user)
    if person is None:
        return Group.objects.none()
    is_member = Exists(Membership.objects.filter(group=OuterRef("pk"), user=person))
    is_invited = Exists(GroupInvitation.objects.filter(group=OuterRef("pk"), user=person))
    if person.is_guest:
        return Group.objects.filter(is_member | is_invited)
    return Group.objects.filter(~Q(privacy=Group.Privacy.SECRET) | is_member | is_invited)


def content_visible_groups(user: User | AnonymousUser) -> QuerySet[Group]:
    """Groups whose posts, files and members ``user`` may see."""
    person = as_person(user)
    if person is None:
        return Group.objects.none()
    is_member = Exists(Membership.objects.filter(group=OuterRef("pk"), user=person))
    if person.is_guest:
        return Group.objects.filter(is_member)
    return Group.objects.filter(Q(privacy=Group.Privacy.OPEN) | is_member)


def access_group_by_slug(user: User | AnonymousUser, slug: str) -> Group:
    """Return the group if ``user`` may know it exists, else raise ``GroupNotFound``."""
    if not isinstance(slug, str) or len(slug) > 120:
        raise GroupNotFound
    group = visible_groups(user).select_related("parent").filter(slug=slug).first()
    if group is None:
        raise GroupNotFound
    return group


def access_group_by_id(user: User | AnonymousUser, group_id: int) -> Group:
    if not isinstance(group_id, int) or not (0 < group_id < 2**63):
        raise GroupNotFound
    group = visible_groups(user).select_related("parent").filter(pk=group_id).first()
    if group is None:
        raise GroupNotFound
    return group


def membership_of(user: User | AnonymousUser, group: Group) -> Membership | None:
    person = as_person(user)
    if person is None:
        return None
    return Membership.objects.filter(group=group, user=person).first()


def can_see_content(user: User | AnonymousUser, group: Group) -> bool:
    person = as_person(user)
    if person is None:
        return False
    if group.privacy == Group.Privacy.OPEN and not person.is_guest:
        return True
    return membership_of(user, group) is not None


def is_group_admin(user: User | AnonymousUser, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.role == Membership.Role.ADMIN


def is_group_moderator(user: User | AnonymousUser, group: Group) -> bool:
    """Admins and moderators manage membership requests and invitations."""
    membership = membership_of(user, group)
    return membership is not None and membership.role in (
        Membership.Role.ADMIN,
        Membership.Role.MODERATOR,
    )
