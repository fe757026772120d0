"""Two seeds of empty databases write the same posts (ids aside: mentions compared by e-mail)."""

from __future__ import annotations

import re

import pytest

from torg.accounts.models import User
from torg.groups.models import Group
from torg.people import demo
from torg.people.models import Department, Location, Skill
from torg.posts.models import Comment, Hashtag, Post

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    emails = dict(User.objects.values_list("pk", "email"))

    def plain(text: str) -> str:
        return re.sub(r"\(user:(\d+)\)", lambda m: f"({emails[int(m.group(1))]})", text)

    posts = [
        (post.author.email, post.group.slug if post.group else "", plain(post.body))
        for post in Post.objects.select_related("author", "group").order_by("created_at", "pk")
    ]
    comments = [
        (comment.author.email, plain(comment.body))
        for comment in Comment.objects.select_related("author").order_by("created_at", "pk")
    ]
    return posts, comments


def empty_database() -> None:
    Hashtag.objects.all().delete()
    Group.objects.all().delete()
    User.objects.all().delete()
    for model in (Skill, Department, Location):
        model.objects.all().delete()


def test_two_seeds_write_the_same_texts():
    demo.seed_demo()
    first = snapshot()
    empty_database()
    assert Post.objects.count() == 0
    demo.seed_demo()
    second = snapshot()
    assert len(first[0]) == 400
    assert first == second
