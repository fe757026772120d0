"""Fixtures for the knowledge tests: people, groups of every privacy, and posts, comments and
questions written through the real actions, with the after-commit work (search indexing,
notifications) run as it would in production."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.people.models import Skill
from torg.posts import actions as post_actions
from torg.posts import comment_actions
from torg.posts.models import Comment, Post

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, *, skills: tuple[str, ...] = (), **fields: Any) -> User:
        number = next(_numbers)
        email = fields.pop("email", f"knower{number}@example.com")
        user = User.objects.create_user(
            email, "pw-123456789", name=name or f"Person {number}", **fields
        )
        for skill in skills:
            row, _created = Skill.objects.get_or_create(
                key=skill.casefold(), defaults={"name": skill}
            )
            user.skills.add(row)
        return user

    return make


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[Callable[[], Any]], Any]:
    """Run a write and then its after-commit work (index, notify), as production does."""

    def run(write: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def make_group(make_user: Callable[..., User]) -> Callable[..., Group]:
    def make(
        name: str,
        privacy: str = "open",
        *,
        by: User,
        description: str = "",
        members: tuple[User, ...] = (),
        admins: tuple[User, ...] = (),
    ) -> Group:
        group = group_actions.do_create_group(
            actor=by, name=name, privacy=privacy, description=description
        )
        for person in members:
            group_actions.do_add_member(group=group, user=person)
        for person in admins:
            group_actions.do_add_member(group=group, user=person, role=Membership.Role.ADMIN)
        return group

    return make


@pytest.fixture
def write(committed: Callable[[Callable[[], Any]], Any]) -> Callable[..., Post]:
    def make(author: User, group: Group | None, body: str, **options: Any) -> Post:
        return committed(
            lambda: post_actions.do_create_post(author=author, group=group, body=body, **options)
        )

    return make


@pytest.fixture
def answer(committed: Callable[[Callable[[], Any]], Any]) -> Callable[..., Comment]:
    def make(author: User, post: Post, body: str, **options: Any) -> Comment:
        return committed(
            lambda: comment_actions.do_create_comment(actor=author, post=post, body=body, **options)
        )

    return make


@pytest.fixture
def client_for() -> Iterator[Callable[[User], Client]]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    yield make


@pytest.fixture
def team(make_user: Callable[..., User], make_group: Callable[..., Group]) -> dict[str, Any]:
    """Asker Åse, colleagues Bjørn and Cecilie, admin Dag, outsider Eva; an open group "Drift"
    (Dag admin) and a secret group "Hemmelig" (Bjørn and Dag, not Eva)."""
    owner = make_user("Olav Owner")
    ase = make_user("Åse Asker")
    bjorn = make_user("Bjørn Berg")
    cecilie = make_user("Cecilie Cox")
    dag = make_user("Dag Admin")
    eva = make_user("Eva Outsider")
    drift = make_group("Drift", by=owner, members=(ase, bjorn, cecilie, eva), admins=(dag,))
    secret = make_group("Hemmelig", "secret", by=owner, members=(bjorn, ase), admins=(dag,))
    return {
        "owner": owner,
        "ase": ase,
        "bjorn": bjorn,
        "cecilie": cecilie,
        "dag": dag,
        "eva": eva,
        "drift": drift,
        "secret": secret,
    }
