from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.notifications.models import Notification
from torg.people.models import Department
from torg.posts import actions as post_actions
from torg.posts.models import Post

_numbers = itertools.count(1)
PASSWORD = "pw-123456789"
Committed = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"announce{number}@example.com")
        return User.objects.create_user(email, PASSWORD, name=name, **fields)

    return make


@dataclass
class World:
    admin: User  # admin of every group
    moderator: User  # moderator of every group
    kari: User
    ola: User
    per: User
    outsider: User  # member of nothing
    network_admin: User  # is_staff, member of nothing
    comms: User  # holds announcements.announce_company_wide, member of nothing
    open: Group
    closed: Group
    secret: Group
    company: Group  # the company-wide group; everyone above is a member

    def post(self, group: Group, body: str = "Read this", author: User | None = None) -> Post:
        return post_actions.do_create_post(author=author or self.admin, group=group, body=body)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    """Three groups run by Ada Admin; Kari, Ola and Per are members; Mona moderates."""
    sales = Department.objects.create(name="Sales", slug="sales")
    admin = make_user("Ada Admin")
    moderator = make_user("Mona Moderator")
    kari = make_user("Kari Nordmann", department=sales, email="kari@example.com")
    ola = make_user("Ola Hansen", email="ola@example.com")
    per = make_user("Per Berg", email="per@example.com")
    outsider = make_user("Otto Outsider")
    network_admin = make_user("Nina Netadmin", is_staff=True)
    comms = make_user("Carl Comms")
    comms.user_permissions.add(Permission.objects.get(codename="announce_company_wide"))
    groups: dict[str, Group] = {}
    for privacy in ("open", "closed", "secret"):
        group = group_actions.do_create_group(
            actor=admin, name=f"{privacy.title()} group", privacy=privacy
        )
        group_actions.do_add_member(group=group, user=moderator, role=Membership.Role.MODERATOR)
        for person in (kari, ola, per):
            group_actions.do_add_member(group=group, user=person, role=Membership.Role.MEMBER)
        groups[privacy] = group
    company = group_actions.do_create_group(
        actor=network_admin, name="Everyone", privacy="open", is_company_wide=True
    )
    return World(
        admin, moderator, kari, ola, per, outsider, network_admin, comms, company=company, **groups
    )


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Committed:
    """Run the after-commit work (notification tasks) of what happens inside."""

    def run() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


def recipients(kind: str, **targets: Any) -> list[str]:
    """Names of the people holding a notification of ``kind`` (sorted)."""
    rows = Notification.objects.filter(kind=kind, **targets)
    return sorted(rows.values_list("recipient__name", flat=True))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
