from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from torg.accounts.models import User
from torg.groups.models import Group, Membership
from torg.people.models import Department, Location, Skill

_counter = itertools.count(1)


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    return {
        "consulting": Department.objects.create(name="Consulting", slug="consulting"),
        "design": Department.objects.create(name="Design", slug="design"),
        "oslo": Location.objects.create(name="Oslo", slug="oslo", country="NO"),
        "malmo": Location.objects.create(name="Malmö", slug="malmo", country="SE"),
    }


def skill(name: str) -> Skill:
    return Skill.objects.get_or_create(key=name.casefold(), defaults={"name": name})[0]


@pytest.fixture
def make_person(db: Any) -> Callable[..., User]:
    def make(name: str, *, skills: tuple[str, ...] = (), **fields: Any) -> User:
        email = fields.pop("email", f"person{next(_counter)}@example.com")
        person = User.objects.create_user(email, "pw", name=name, **fields)
        if skills:
            person.skills.set([skill(s) for s in skills])
        return person

    return make


def make_group(
    slug: str, privacy: str = Group.Privacy.OPEN, members: tuple[User, ...] = ()
) -> Group:
    group = Group.objects.create(name=slug.title(), slug=slug, privacy=privacy)
    for member in members:
        Membership.objects.create(group=group, user=member)
    return group
