"""``torg.posts.selectors_cards`` (fixed SQL for card reads) returns exactly what the ORM does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.groups.models import Membership
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts import selectors_cards
from torg.posts.models import Comment, Post
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import World

make_user = support.make_user
world = support.world

pytestmark = pytest.mark.django_db


def _threads(world: World) -> list[Post]:
    """Posts with 0, 1, 3 comments (two sharing a time), a reply, a deleted comment, and a
    deleted comment that still holds a reply."""
    posts = [world.post_in(privacy, f"p {privacy}") for privacy in ("open", "closed", "secret")]
    posts.append(world.post_in("open", "empty"))
    for post, bodies in zip(posts, (["a", "b", "c"], ["only"], ["x", "y", "z"]), strict=False):
        made = [ca.do_create_comment(actor=world.member, post=post, body=b) for b in bodies]
        base = made[0].created_at - timedelta(hours=1)
        for i, comment in enumerate(made):
            Comment.objects.filter(pk=comment.pk).update(
                created_at=base + timedelta(seconds=i // 2)
            )
    a = Comment.objects.get(post=posts[0], body="a")
    ca.do_create_comment(actor=world.owner, post=posts[0], body="reply", parent_id=a.pk)
    z = Comment.objects.get(post=posts[2], body="z")
    ca.do_create_comment(actor=world.owner, post=posts[2], body="kept", parent_id=z.pk)
    ca.do_delete_comment(actor=world.member, comment=z)  # deleted, but it holds a reply
    ca.do_delete_comment(actor=world.member, comment=Comment.objects.get(body="y"))
    return posts


def _as_rows(comments: dict[int, list[Comment]]) -> dict[int, list[tuple[object, ...]]]:
    return {
        post_id: [
            (
                c.pk,
                c.body,
                c.body_html,
                c.created_at,
                c.edited_at,
                c.deleted_at,
                c.reply_count,
                c.author.pk,
                c.author.name,
                c.author.email,
                c.author.date_joined,
            )
            for c in items
        ]
        for post_id, items in comments.items()
    }


@pytest.mark.parametrize("n", [1, 2, 3])
def test_latest_comments_match_the_orm(world: World, n: int) -> None:
    posts = _threads(world)
    ids = [p.pk for p in posts]
    expected = _as_rows(ca.latest_comments_for(posts, n=n))
    with CaptureQueriesContext(connection) as ctx:
        got = selectors_cards.latest_comments(ids, n)
        rows = _as_rows(got)  # reading the authors makes no query
    assert len(ctx.captured_queries) == 1
    assert rows == expected
    assert [len(got[pk]) for pk in ids] == [min(n, 3), 1, min(n, 2), 0]
    # Deleted comments that hold replies stay (as "Comment deleted"); replies never show.
    assert "reply" not in [c.body for items in got.values() for c in items]
    times = [c.created_at for items in got.values() for c in items]
    assert all(t.tzinfo is not None for t in times)


def test_reaction_summaries_match_the_orm(world: World, make_user: Callable[..., User]) -> None:
    posts = _threads(world)
    comments = list(Comment.objects.filter(post__in=posts, deleted_at__isnull=True))
    people = [world.member, world.owner, make_user("Rita Reactor")]
    for group in world.groups.values():
        Membership.objects.get_or_create(group=group, user=people[2])
    for i, person in enumerate(people):
        for j, post in enumerate(posts[:3]):
            ra.do_react_to_post(actor=person, post=post, kind=("like", "love", "wow")[(i + j) % 3])
        for comment in comments[i:]:
            ra.do_react_to_comment(actor=person, comment=comment, kind="haha")
    for viewer in (world.member, world.outsider):
        assert selectors_cards.reaction_summaries(
            "post", [p.pk for p in posts], viewer
        ) == ra.reaction_summary_for(posts, viewer)
        assert selectors_cards.reaction_summaries(
            "comment", [c.pk for c in comments], viewer
        ) == ra.reaction_summary_for_comments(comments, viewer)
    mine = selectors_cards.reaction_summaries("post", [posts[0].pk], world.member)
    assert mine == {posts[0].pk: {"counts": {"like": 1, "love": 1, "wow": 1}, "mine": "like"}}
    assert selectors_cards.reaction_summaries("comment", [], world.member) == {}


def test_roles(world: World) -> None:
    ids = [g.pk for g in world.groups.values()]
    assert selectors_cards.roles(world.owner, ids) == {pk: Membership.Role.ADMIN for pk in ids}
    assert selectors_cards.roles(world.member, ids) == {pk: Membership.Role.MEMBER for pk in ids}
    assert selectors_cards.roles(world.outsider, ids) == {}
    assert selectors_cards.roles(world.member, []) == {}
