"""The one way to look up a person for a viewer.

- Employees (non-guests) see every active person.
- Guests see only active people who share a group with them, and themselves.
Hidden, inactive and nonexistent people all answer with the same ``PersonNotFound``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from torg.accounts.models import User
from torg.groups.access import as_person
from torg.groups.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

MAX_ID = 2**63


class PersonNotFound(Http404):
    """Raised for unknown, inactive and hidden people alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


def visible_people(viewer: User | AnonymousUser) -> QuerySet[User]:
    """Active people ``viewer`` may see."""
    person = as_person(viewer)
    if person is None:
        return User.objects.none()
    active = User.objects.filter(is_active=True)
    if not person.is_guest:
        return active
    shared_group = Exists(
        Membership.objects.filter(
            user=OuterRef("pk"),
            group_id__in=Membership.objects.filter(user=person).values("group_id"),
        )
    )
    return active.filter(shared_group | Q(pk=person.pk))


def parse_person_id(value: Any) -> int | None:
    """A valid primary key from a URL or form value, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            return None
        value = int(value)
    if not isinstance(value, int) or not (0 < value < MAX_ID):
        return None
    return value


def access_person(viewer: User | AnonymousUser, user_id: Any) -> User:
    """Return the person if ``viewer`` may see them, else raise ``PersonNotFound``."""
    pk = parse_person_id(user_id)
    if pk is None:
        raise PersonNotFound
    person = visible_people(viewer).select_related("department", "location").filter(pk=pk).first()
    if person is None:
        raise PersonNotFound
    return person
