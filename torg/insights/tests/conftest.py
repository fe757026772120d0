from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from torg.accounts.models import User
from torg.feed.actions import do_record_seen
from torg.governance.models import Role, RoleAssignment
from torg.groups.actions import do_create_group, do_join_group
from torg.groups.models import Group
from torg.people.models import Department, Location
from torg.posts.actions import do_create_post
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Post
from torg.posts.reaction_actions import do_react_to_post

_numbers = itertools.count(1)
PASSWORD = "pw-123456789"


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        email = fields.pop("email", f"insights{number}@example.com")
        return User.objects.create_user(email, PASSWORD, name=name or f"Person {number}", **fields)

    return make


@dataclass
class World:
    ada: User  # admin of Sales (open)
    bo: User  # member of Sales
    cy: User  # member of Sales
    dee: User  # admin of Board (secret)
    eve: User  # not in Sales, reads its post
    fay: User  # Legal (2 people), idle
    gus: User  # Legal, idle
    cora: User  # communications
    sam: User  # network admin
    sales: Group
    board: Group
    sales_post: Post
    board_post: Post


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    """Today: 2 posts, 2 comments (1 negative), 1 sad reaction, 1 post seen; 5 active, 4 wrote."""
    engineering = Department.objects.create(name="Engineering", slug="engineering")
    legal = Department.objects.create(name="Legal", slug="legal")
    oslo = Location.objects.create(name="Oslo", slug="oslo")
    ada, bo, cy, dee, eve = (
        make_user(name, department=engineering, location=oslo)
        for name in ("Ada", "Bo", "Cy", "Dee", "Eve")
    )
    fay, gus = (make_user(name, department=legal) for name in ("Fay", "Gus"))
    cora = make_user("Cora Comms")
    RoleAssignment.objects.create(user=cora, role=Role.COMMUNICATIONS)
    sam = make_user("Sam Staff", is_staff=True)
    sales = do_create_group(actor=ada, name="Sales", privacy="open")
    do_join_group(actor=bo, group=sales)
    do_join_group(actor=cy, group=sales)
    board = do_create_group(actor=dee, name="Board Secret Plans", privacy="secret")
    sales_post = do_create_post(author=ada, group=sales, body="Quarterly numbers are in")
    board_post = do_create_post(author=dee, group=board, body="Merger talks")
    do_create_comment(actor=bo, post=sales_post, body="Great work")
    do_create_comment(actor=cy, post=sales_post, body="The VPN is broken again")
    do_react_to_post(actor=cy, post=sales_post, kind="sad")
    do_record_seen(viewer=eve, post_ids=[sales_post.pk])
    return World(ada, bo, cy, dee, eve, fay, gus, cora, sam, sales, board, sales_post, board_post)
