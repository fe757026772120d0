"""Fixtures for the feed tests: a seeded organisation where every feed source is exercised."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from torg.accounts.models import User
from torg.feed import actions
from torg.feed.models import PersonFollow
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts.models import Hashtag, Post

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"feeder{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name, **fields)

    return make


def post(author: User, group: Group | None, body: str, *, minutes_ago: int | None = None) -> Post:
    created = post_actions.do_create_post(author=author, group=group, body=body)
    if minutes_ago is not None:
        when = timezone.now() - timedelta(minutes=minutes_ago)
        Post.objects.filter(pk=created.pk).update(created_at=when)
        created.refresh_from_db()
    return created


@pytest.fixture
def org(make_user: Callable[..., User]) -> dict[str, Any]:
    """Me, a followed colleague (Alice), Bob, a guest, and one group of every kind of source.

    Each post's body names the post, and the scenario says which feeds must show it.
    """
    me = make_user("Mette Me")
    alice = make_user("Alice Followed")
    bob = make_user("Bob Other")
    guest = make_user("Gunn Guest", is_guest=True)
    owner = make_user("Olav Owner")

    def group(name: str, privacy: str = "open") -> Group:
        return group_actions.do_create_group(actor=owner, name=name, privacy=privacy)

    g = {
        "mine_open": group("Mine open"),
        "mine_hidden": group("Mine hidden"),
        "mine_closed": group("Mine closed", "closed"),
        "followed_open": group("Followed open"),
        "other_open": group("Other open"),
        "other_closed": group("Other closed", "closed"),
        "other_secret": group("Other secret", "secret"),
        "company": group("Company"),
    }
    Group.objects.filter(pk=g["company"].pk).update(is_company_wide=True)
    g["company"].refresh_from_db()
    for key in ("mine_open", "mine_hidden", "mine_closed"):
        group_actions.do_add_member(group=g[key], user=me)
    group_actions.do_add_member(group=g["mine_open"], user=guest)
    for key in ("other_open", "other_closed", "other_secret"):
        group_actions.do_add_member(group=g[key], user=alice)
    for key in g:
        group_actions.do_add_member(group=g[key], user=bob)

    actions.do_set_group_in_feed(user=me, group=g["mine_hidden"], in_feed=False)
    actions.do_set_group_in_feed(user=me, group=g["followed_open"], in_feed=True)
    actions.do_follow_person(follower=me, followee=alice)
    PersonFollow.objects.create(follower=guest, followee=alice)

    minutes = itertools.count(100, -1)
    p: dict[str, Post] = {}

    def add(key: str, author: User, grp: Group | None, body: str = "") -> None:
        p[key] = post(author, grp, body or f"post {key}", minutes_ago=next(minutes))

    add("mine_open", bob, g["mine_open"])
    add("mine_hidden", bob, g["mine_hidden"])
    add("mine_closed", bob, g["mine_closed"])
    add("followed_open", bob, g["followed_open"])
    add("other_open", bob, g["other_open"])
    add("alice_open", alice, g["other_open"])
    add("alice_closed", alice, g["other_closed"])
    add("alice_secret", alice, g["other_secret"])
    add("alice_profile", alice, None)
    add("bob_profile", bob, None)
    add("tag_open", bob, g["other_open"], "about #Fjord life")
    add("tag_secret", bob, g["other_secret"], "secret #fjord and #Hemmelig plans")
    add("company", bob, g["company"])
    add("deleted", bob, g["mine_open"])
    add("mine_own", me, g["mine_open"])
    add("guest_own", guest, g["mine_open"])
    post_actions.do_delete_post(actor=bob, post=p["deleted"])

    fjord = Hashtag.objects.get(name="fjord")
    actions.do_follow_hashtag(user=me, hashtag=fjord)
    return {"me": me, "alice": alice, "bob": bob, "guest": guest, "owner": owner, "g": g, "p": p}


def keys(org: dict[str, Any], posts: list[Post]) -> list[str]:
    by_pk = {v.pk: k for k, v in org["p"].items()}
    return [by_pk.get(x.pk, f"new:{x.pk}") for x in posts]
