"""Fixtures for the search tests: people, groups of every privacy, and posts written through the
real actions. The tests use real transactions (``transactional_db``) so the index is fed the way
production feeds it: tasks enqueued after commit, which the test settings run immediately."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts.models import Post

_numbers = itertools.count(1)


@pytest.fixture
def make_user(transactional_db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        from torg.accounts.actions import do_create_account

        number = next(_numbers)
        email = fields.pop("email", f"searcher{number}@example.com")
        user = do_create_account(
            email=email,
            name=name or f"Person {number}",
            password="pw-123456789",
            is_guest=fields.pop("is_guest", False),
        )
        if fields:
            User.objects.filter(pk=user.pk).update(**fields)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def make_group(make_user: Callable[..., User]) -> Callable[..., Group]:
    def make(name: str, privacy: str = "open", *, by: User, description: str = "") -> Group:
        return group_actions.do_create_group(
            actor=by, name=name, privacy=privacy, description=description
        )

    return make


def write(author: User, group: Group | None, body: str, **kw: Any) -> Post:
    return post_actions.do_create_post(author=author, group=group, body=body, **kw)


@pytest.fixture
def org(make_user: Callable[..., User], make_group: Callable[..., Group]) -> dict[str, Any]:
    """Owner (member of everything), an outsider employee, a guest, and one group per privacy."""
    owner = make_user("Olav Owner")
    outsider = make_user("Ute Outsider")
    guest = make_user("Gunn Guest", is_guest=True)
    groups = {
        "open": make_group("Åpen gruppe", "open", by=owner, description="Alle kan lese"),
        "closed": make_group("Lukket gruppe", "closed", by=owner, description="Bare medlemmer"),
        "secret": make_group("Hemmelig prosjektgruppe", "secret", by=owner),
    }
    group_actions.do_add_member(group=groups["open"], user=guest)
    return {"owner": owner, "outsider": outsider, "guest": guest, "g": groups}
