from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from torg.accounts.models import User
from torg.groups import actions
from torg.groups.models import Group

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"person{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name, **fields)

    return make


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("Ada Admin")


@pytest.fixture
def make_group(admin: User) -> Callable[..., Group]:
    def make(
        name: str = "Group", privacy: str = "open", by: User | None = None, **kw: Any
    ) -> Group:
        return actions.do_create_group(actor=by or admin, name=name, privacy=privacy, **kw)

    return make


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Any:
    """A request in Norwegian leaves its language active in the test thread; reset it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
