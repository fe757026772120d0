from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.notifications.models import Notification

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"notified{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name, **fields)

    return make


@dataclass
class World:
    admin: User
    kari: User
    ola: User
    per: User
    outsider: User
    open: Group
    closed: Group
    secret: Group


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    """Three groups (open, closed, secret) run by Ada; Kari, Ola and Per are members of each."""
    admin = make_user("Ada Admin")
    kari, ola, per = make_user("Kari"), make_user("Ola"), make_user("Per")
    outsider = make_user("Otto Outsider")
    groups = {}
    for privacy in ("open", "closed", "secret"):
        group = group_actions.do_create_group(
            actor=admin, name=f"{privacy.title()} group", privacy=privacy
        )
        for person in (kari, ola, per):
            group_actions.do_add_member(group=group, user=person, role=Membership.Role.MEMBER)
        groups[privacy] = group
    return World(admin, kari, ola, per, outsider, **groups)


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """Run the after-commit work (the notification tasks) of what happens inside."""

    def run() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


def recipients(kind: str | None = None, **targets: Any) -> list[str]:
    """Names of the people holding a notification of ``kind`` (sorted)."""
    rows = Notification.objects.filter(**targets)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__name", flat=True))


@pytest.fixture(autouse=True)
def _no_leftover_language() -> Iterator[None]:
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
