"""Reactions on posts and comments: access, one per person, counts, summaries, who reacted."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from torg.accounts.models import User
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts.access import PostNotFound
from torg.posts.comment_actions import CommentNotFound
from torg.posts.models import Comment, Post, Reaction
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import World

# Shared fixtures (pytest finds them as module attributes).
make_user = support.make_user
world = support.world

pytestmark = pytest.mark.django_db


def _count(target: Post | Comment) -> int:
    target.refresh_from_db()
    return target.reaction_count


@pytest.mark.parametrize(
    ("privacy", "who", "allowed"),
    [
        ("open", "member", True),
        ("open", "outsider", True),
        ("open", "guest", False),
        ("closed", "member", True),
        ("closed", "outsider", False),
        ("closed", "guest", False),
        ("secret", "member", True),
        ("secret", "outsider", False),
        ("secret", "guest", False),
    ],
)
def test_reaction_access_by_privacy(world: World, privacy: str, who: str, allowed: bool) -> None:
    post = world.post_in(privacy)
    comment = ca.do_create_comment(actor=world.owner, post=post, body="c")
    actor = getattr(world, who)
    if allowed:
        ra.do_react(actor=actor, target=post, kind="like")
        ra.do_react(actor=actor, target=comment, kind="love")
        assert (_count(post), _count(comment)) == (1, 1)
        return
    with pytest.raises(PostNotFound):
        ra.do_react(actor=actor, target=post, kind="like")
    with pytest.raises(CommentNotFound):
        ra.do_react(actor=actor, target=comment, kind="like")
    with pytest.raises(PostNotFound):
        ra.do_unreact(actor=actor, target=post)
    assert Reaction.objects.count() == 0
    assert (_count(post), _count(comment)) == (0, 0)


def test_add_change_remove_keeps_counts_exact(world: World) -> None:
    post = world.post_in("open")
    ra.do_react(actor=world.member, target=post, kind="like")
    ra.do_react(actor=world.member, target=post, kind="like")  # double submit
    assert (_count(post), Reaction.objects.count()) == (1, 1)
    ra.do_react(actor=world.member, target=post, kind="celebrate")  # change
    assert _count(post) == 1
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["celebrate"]
    ra.do_react(actor=world.owner, target=post, kind="haha")
    assert ra.reaction_summary_for([post], world.member)[post.pk] == {
        "counts": {"celebrate": 1, "haha": 1},
        "mine": "celebrate",
    }
    assert ra.do_unreact(actor=world.member, target=post) is True
    assert ra.do_unreact(actor=world.member, target=post) is False
    assert _count(post) == 1
    assert ra.reaction_summary_for([post], world.member)[post.pk] == {
        "counts": {"haha": 1},
        "mine": None,
    }


def test_toggle_presses_and_unpresses(world: World) -> None:
    post = world.post_in("open")
    assert ra.do_toggle_reaction(actor=world.member, target=post, kind="wow") is not None
    assert ra.do_toggle_reaction(actor=world.member, target=post, kind="sad") is not None
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["sad"]
    assert ra.do_toggle_reaction(actor=world.member, target=post, kind="sad") is None
    assert (_count(post), Reaction.objects.count()) == (0, 0)


@pytest.mark.parametrize("kind", ["", "LIKE", "angry", None, 1])
def test_unknown_kind_is_refused(world: World, kind: object) -> None:
    post = world.post_in("open")
    with pytest.raises(ValidationError) as caught:
        ra.do_react(actor=world.member, target=post, kind=kind)  # type: ignore[arg-type]
    assert caught.value.message_dict == {"kind": ["Choose one of the reactions."]}
    assert _count(post) == 0


def test_post_and_comment_reactions_are_separate(world: World) -> None:
    post = world.post_in("open")
    comment = ca.do_create_comment(actor=world.owner, post=post, body="c")
    ra.do_react(actor=world.member, target=post, kind="like")
    ra.do_react(actor=world.member, target=comment, kind="wow")
    assert ra.reaction_summary_for([post], world.member)[post.pk] == {
        "counts": {"like": 1},
        "mine": "like",
    }
    assert ra.reaction_summary_for_comments([comment], world.member)[comment.pk] == {
        "counts": {"wow": 1},
        "mine": "wow",
    }
    ra.do_unreact(actor=world.member, target=comment)
    assert (_count(post), _count(comment)) == (1, 0)


def test_deleted_comment_cannot_be_reacted_to(world: World) -> None:
    post = world.post_in("open")
    comment = ca.do_create_comment(actor=world.owner, post=post, body="c")
    ca.do_delete_comment(actor=world.owner, comment=comment)
    with pytest.raises(CommentNotFound):
        ra.do_react(actor=world.member, target=comment, kind="like")


def test_summaries_take_one_query(
    world: World,
    make_user: Callable[..., User],
    django_assert_num_queries: Callable[..., object],
) -> None:
    posts = [world.post_in("open", str(i)) for i in range(3)]
    people = [make_user() for _ in range(4)]
    for i, person in enumerate(people):
        ra.do_react(actor=person, target=posts[0], kind=ra.KINDS[i % 2])
    ra.do_react(actor=world.member, target=posts[1], kind="love")
    with django_assert_num_queries(1):  # type: ignore[operator]
        summary = ra.reaction_summary_for(posts, world.member)
    assert summary == {
        posts[0].pk: {"counts": {"like": 2, "love": 2}, "mine": None},
        posts[1].pk: {"counts": {"love": 1}, "mine": "love"},
        posts[2].pk: {"counts": {}, "mine": None},
    }
    more = posts + [world.post_in("open", "x") for _ in range(4)]
    with django_assert_num_queries(1):  # type: ignore[operator]
        ra.reaction_summary_for(more, world.member)
    comments = [ca.do_create_comment(actor=world.owner, post=posts[0], body="c") for _ in range(3)]
    with django_assert_num_queries(1):  # type: ignore[operator]
        ra.reaction_summary_for_comments(comments, world.member)


def test_who_reacted_pages_and_filters(world: World, make_user: Callable[..., User]) -> None:
    post = world.post_in("open")
    people = [make_user(f"P{i}") for i in range(5)]
    for i, person in enumerate(people):
        ra.do_react(actor=person, target=post, kind="like" if i % 2 else "love")
    first = ra.who_reacted(world.member, post, limit=2)
    assert [(p.name, k) for p, k in first.items] == [("P4", "love"), ("P3", "like")]
    second = ra.who_reacted(world.member, post, after=first.next_after, limit=2)
    third = ra.who_reacted(world.member, post, after=second.next_after, limit=2)
    assert [p.name for p, _ in second.items + third.items] == ["P2", "P1", "P0"]
    assert third.next_after is None
    loves = ra.who_reacted(world.member, post, "love")
    assert [p.name for p, _ in loves.items] == ["P4", "P2", "P0"]
    with pytest.raises(ValidationError):
        ra.who_reacted(world.member, post, "angry")


@pytest.mark.django_db(transaction=True)
def test_racing_double_submit_leaves_one_reaction(world: World) -> None:
    """Two requests at once for the same person: one reaction, count 1 (needs real threads)."""
    post = world.post_in("open")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(kind: str) -> None:
        try:
            barrier.wait()
            ra.do_react(actor=world.member, target=post, kind=kind)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit, args=(k,)) for k in ("like", "love")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Reaction.objects.filter(post=post).count() == 1
    assert _count(post) == 1
