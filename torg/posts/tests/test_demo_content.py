"""The demo organisation's posts: exact counts, counters that match the rows, mention and hashtag
rows that match the texts, and no secret post in an outsider's home feed.

Seeding takes a few seconds, so it happens once for the module inside a transaction that is
rolled back at the end; every test runs in its own savepoint on top of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Q

from torg.accounts.models import User
from torg.core.markdown import extract_hashtags, extract_mentions
from torg.feed.models import HashtagFollow, PersonFollow, PostSeen
from torg.feed.selectors import home_feed
from torg.groups.models import Group, Membership
from torg.people import demo
from torg.posts.actions import do_create_post
from torg.posts.models import (
    Comment,
    Hashtag,
    Mention,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
    Reaction,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[demo.SeedResult]:
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo.seed_demo()
        yield result
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("seeded", "db")


def test_counts_are_exact(seeded: demo.SeedResult) -> None:
    content = seeded.content
    assert (
        content.posts,
        content.comments,
        content.reactions,
        Post.objects.count(),
        Post.objects.filter(group__isnull=True).count(),
        Post.objects.filter(group__privacy=Group.Privacy.SECRET).count(),
        Post.objects.filter(group__privacy=Group.Privacy.CLOSED).count(),
        Post.objects.filter(group__slug="all-fjordlys").count(),
        Comment.objects.count(),
        Comment.objects.filter(parent__isnull=False).count(),
        Reaction.objects.count(),
    ) == (400, 1347, 4073, 400, 8, 19, 81, 66, 1347, 325, 4073)
    assert (PollVote.objects.count(), PostSeen.objects.count()) == (
        content.poll_votes,
        content.seen,
    )
    assert (PersonFollow.objects.count(), HashtagFollow.objects.count()) == (
        content.person_follows,
        content.hashtag_follows,
    )
    assert Hashtag.objects.count() == 14
    assert set(Reaction.objects.values_list("kind", flat=True)) == set(Reaction.Kind.values)
    assert Post.objects.filter(pinned_at__isnull=False).count() == 2
    assert set(
        Post.objects.filter(pinned_at__isnull=False).values_list("group__slug", flat=True)
    ) == {
        "all-fjordlys",
        "company-news",
    }
    edited = Post.objects.get(edited_at__isnull=False)
    revision = PostRevision.objects.get()
    assert revision.post == edited
    assert "auditoriet i 2. etasje" in revision.body
    assert "kantina i 1. etasje" in edited.body
    assert Poll.objects.count() == 2
    # Both Norwegian and English, with the special Norwegian letters intact.
    assert Post.objects.filter(body__contains="Bærekraft").count() > 10
    assert Post.objects.filter(body__contains=" the ").count() > 50
    assert Post.objects.filter(body__contains="https://").count() >= 4


def test_counters_match_the_rows() -> None:
    comments = dict(Comment.objects.values("post").annotate(n=Count("id")).values_list("post", "n"))
    reactions = dict(
        Reaction.objects.filter(comment__isnull=True)
        .values("post")
        .annotate(n=Count("id"))
        .values_list("post", "n")
    )
    seen = dict(PostSeen.objects.values("post").annotate(n=Count("id")).values_list("post", "n"))
    for pk, comment_count, reaction_count, seen_count, share_count in Post.objects.values_list(
        "pk", "comment_count", "reaction_count", "seen_count", "share_count"
    ):
        assert comment_count == comments.get(pk, 0)
        assert reaction_count == reactions.get(pk, 0)
        assert seen_count == seen.get(pk, 0)
        assert share_count == 0
    replies = dict(
        Comment.objects.filter(parent__isnull=False)
        .values("parent")
        .annotate(n=Count("id"))
        .values_list("parent", "n")
    )
    comment_reactions = dict(
        Reaction.objects.filter(comment__isnull=False)
        .values("comment")
        .annotate(n=Count("id"))
        .values_list("comment", "n")
    )
    for pk, parent_id, reply_count, reaction_count in Comment.objects.values_list(
        "pk", "parent_id", "reply_count", "reaction_count"
    ):
        assert reply_count == replies.get(pk, 0)
        assert reaction_count == comment_reactions.get(pk, 0)
        if parent_id is not None:
            assert reply_count == 0
    assert not Comment.objects.filter(parent__parent__isnull=False).exists()
    # Comments come after their post; nobody saw or reacted to their own post.
    assert not Comment.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not PostSeen.objects.filter(user=F("post__author")).exists()
    assert not Reaction.objects.filter(user=F("post__author")).exists()
    for poll in Poll.objects.all():
        votes = PollVote.objects.filter(poll=poll)
        assert poll.voter_count == votes.values("user").distinct().count() > 20
        for option in PollOption.objects.filter(poll=poll):
            assert option.vote_count == votes.filter(option=option).count()
        if not poll.allows_multiple:
            assert votes.count() == poll.voter_count


def test_every_reader_could_see_what_they_responded_to() -> None:
    members: dict[int, set[int]] = {}
    for group_id, user_id in Membership.objects.values_list("group_id", "user_id"):
        members.setdefault(group_id, set()).add(user_id)
    employees = set(User.objects.filter(is_guest=False).values_list("pk", flat=True))
    for post in Post.objects.all():
        readers = members[post.group_id] if post.group_id else employees
        assert post.author_id in readers
        responders = set(post.reactions.values_list("user_id", flat=True))
        responders |= set(post.comments.values_list("author_id", flat=True))
        responders |= set(PostSeen.objects.filter(post=post).values_list("user_id", flat=True))
        assert responders <= readers
    announcers = Membership.objects.filter(
        Q(role=Membership.Role.ADMIN) | Q(role=Membership.Role.MODERATOR),
        group__kind=Group.Kind.ANNOUNCEMENTS,
    ).values_list("group_id", "user_id")
    announcements = Post.objects.filter(group__kind=Group.Kind.ANNOUNCEMENTS)
    assert set(announcements.values_list("group_id", "author_id")) <= set(announcers)


def test_mention_and_hashtag_rows_match_the_text() -> None:
    post_mentions: dict[int, set[int]] = {}
    comment_mentions: dict[int, set[int]] = {}
    for post_id, comment_id, user_id in Mention.objects.values_list("post", "comment", "user"):
        if comment_id is None:
            post_mentions.setdefault(post_id, set()).add(user_id)
        else:
            comment_mentions.setdefault(comment_id, set()).add(user_id)
    tags: dict[int, set[str]] = {}
    for post_id, name in PostHashtag.objects.values_list("post", "hashtag__name"):
        tags.setdefault(post_id, set()).add(name)
    names = dict(User.objects.values_list("pk", "name"))
    mentioned_posts = 0
    for post in Post.objects.all():
        ids = extract_mentions(post.body)
        assert post_mentions.get(post.pk, set()) == set(ids)
        assert tags.get(post.pk, set()) == set(extract_hashtags(post.body))
        for user_id in ids:
            assert f"@[{names[user_id]}](user:{user_id})" in post.body
            assert f">@{names[user_id]}</a>" in post.body_html
        mentioned_posts += bool(ids)
    assert mentioned_posts > 50
    for comment in Comment.objects.all():
        expected = set(extract_mentions(comment.body)) - {comment.author_id}
        assert comment_mentions.get(comment.pk, set()) == expected
    assert (
        Mention.objects.filter(comment__isnull=False).exclude(post=F("comment__post")).count() == 0
    )
    display = dict(Hashtag.objects.values_list("name", "display_name"))
    assert display["bærekraft"] == "Bærekraft"
    assert display["løping"] == "Løping"
    assert (
        '<a class="hashtag" href="/topics/b%C3%A6rekraft/"'
        in Post.objects.filter(body__contains="#Bærekraft").first().body_html
    )  # type: ignore[union-attr]


def test_body_html_is_what_the_composer_writes() -> None:
    posts = (
        Post.objects.select_related("author", "group")
        .filter(body__contains="](user:", group__isnull=False)
        .exclude(body__contains="http")[:5]
    )
    assert len(posts) == 5
    for post in posts:
        twin = do_create_post(author=post.author, group=post.group, body=post.body)
        assert twin.body_html == post.body_html
    comment = Comment.objects.get(body__contains="NativeMemoryTracking")
    assert "<ol>" in comment.body_html
    assert "<code>-XX:MaxRAMPercentage=75</code>" in comment.body_html


def _all_feed_posts(viewer: User) -> list[Post]:
    posts: list[Post] = []
    cursor = None
    while True:
        page = home_feed(viewer, cursor=cursor, limit=50)
        posts += page.posts
        if page.next_cursor is None:
            return posts
        cursor = page.next_cursor


def test_no_secret_post_reaches_a_non_member_home_feed() -> None:
    for group in Group.objects.filter(privacy=Group.Privacy.SECRET):
        assert group.posts.exists()
        members = set(group.memberships.values_list("user_id", flat=True))
        outsider = User.objects.filter(is_guest=False).exclude(pk__in=members).order_by("pk")[0]
        # Follow everything that could pull the secret posts in.
        HashtagFollow.objects.bulk_create(
            [HashtagFollow(user=outsider, hashtag=tag) for tag in Hashtag.objects.all()],
            ignore_conflicts=True,
        )
        PersonFollow.objects.bulk_create(
            [PersonFollow(follower=outsider, followee_id=pk) for pk in members],
            ignore_conflicts=True,
        )
        feed = _all_feed_posts(outsider)
        assert len(feed) > 100
        assert all(post.group_id != group.pk for post in feed)


def test_kari_has_a_rich_home_feed_and_the_kubernetes_question_is_answered() -> None:
    kari = User.objects.get(email=demo.KARI_EMAIL)
    assert Membership.objects.filter(user=kari).count() >= 6
    page = home_feed(kari)
    assert len(page.posts) == 20 and page.next_cursor is not None
    assert len({post.group_id for post in page.posts}) >= 5
    assert len(_all_feed_posts(kari)) > 150
    assert PersonFollow.objects.filter(follower=kari).count() == 8
    assert set(HashtagFollow.objects.filter(user=kari).values_list("hashtag__name", flat=True)) == {
        "kubernetes",
        "bærekraft",
        "fagdag",
    }
    question = Post.objects.get(body__contains="OOMKilled")
    assert question.group.slug == demo.KARI_GROUP_SLUG  # type: ignore[union-attr]
    answer = question.comments.get(author=kari, parent__isnull=True)
    assert "MaxRAMPercentage" in answer.body
    assert answer.replies.get().author == question.author
    assert question.comment_count >= 5


def test_reaction_kinds_are_varied() -> None:
    kinds = Counter(Reaction.objects.values_list("kind", flat=True))
    assert kinds["like"] > kinds["love"] > kinds["sad"] > 0
    assert kinds["celebrate"] > 200
