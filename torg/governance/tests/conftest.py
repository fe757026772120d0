from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"gov{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name, **fields)

    return make


@pytest.fixture
def network_admin(make_user: Callable[..., User]) -> User:
    return make_user("Nina Network", is_staff=True)


@pytest.fixture
def moderator(make_user: Callable[..., User], network_admin: User) -> User:
    from torg.governance import roles

    person = make_user("Mona Moderator")
    roles.grant(network_admin, person, "moderator")
    return User.objects.get(pk=person.pk)


@pytest.fixture
def make_group(make_user: Callable[..., User]) -> Callable[..., Group]:
    def make(
        name: str = "Group", privacy: str = "open", by: User | None = None, **kw: Any
    ) -> Group:
        owner = by or make_user()
        return group_actions.do_create_group(actor=owner, name=name, privacy=privacy, **kw)

    return make


@pytest.fixture
def post_in(make_user: Callable[..., User]) -> Callable[..., Any]:
    from torg.posts import actions as post_actions

    def make(group: Group | None, author: User, body: str = "Hello there") -> Any:
        return post_actions.do_create_post(author=author, group=group, body=body)

    return make


@pytest.fixture
def join() -> Callable[..., Any]:
    from torg.groups.models import Membership

    def add(group: Group, user: User, role: str = "member") -> None:
        group_actions.do_add_member(group=group, user=user, role=role, actor=user)
        Membership.objects.filter(group=group, user=user).update(role=role)

    return add
