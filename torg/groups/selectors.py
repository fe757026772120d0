"""Reads for group pages and the API, each a fixed number of queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from torg.groups.access import as_person, visible_groups
from torg.groups.models import Group, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


def groups_of(user: User | AnonymousUser) -> QuerySet[Group]:
    """Groups ``user`` is a member of, company-wide first."""
    person = as_person(user)
    if person is None:
        return Group.objects.none()
    return Group.objects.filter(memberships__user=person).order_by("-is_company_wide", "name")


def suggested_groups(user: User | AnonymousUser, *, limit: int) -> list[Group]:
    """Open groups the person is not in yet, largest first."""
    person = as_person(user)
    if person is None or person.is_guest:
        return []
    mine = Membership.objects.filter(user=person).values("group_id")
    return list(
        visible_groups(user)
        .filter(privacy=Group.Privacy.OPEN)
        .exclude(pk__in=mine)
        .order_by("-member_count", "name")[:limit]
    )
