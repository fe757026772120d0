"""Keyset pagination: no repeats, no gaps while posts arrive; fixed query counts per page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from torg.feed import selectors, sources_cache
from torg.feed.tests.conftest import post
from torg.groups import actions as group_actions
from torg.posts import comment_actions, reaction_actions
from torg.posts.models import Post


def _fill(org: dict[str, Any], n: int) -> list[Post]:
    """``n`` posts in my group, five of them sharing one timestamp (ties break on id)."""
    group = org["g"]["mine_open"]
    made = [post(org["bob"], group, f"filler {i}", minutes_ago=10 + i) for i in range(n)]
    same = timezone.now() - timedelta(minutes=7)
    Post.objects.filter(pk__in=[p.pk for p in made[:5]]).update(created_at=same)
    return made


def _walk(viewer: Any, order: str, limit: int, between: Any = None) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.home_feed(viewer, order=order, cursor=cursor, limit=limit)
        seen += [p.pk for p in page.posts]
        if between is not None:
            between()
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_recent_pages_never_repeat_or_skip_while_posts_arrive(org: dict[str, Any]) -> None:
    me = org["me"]
    _fill(org, 25)
    expected = list(
        selectors.home_queryset(me, selectors.feed_sources(me))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 34

    def arrive() -> None:
        post(org["bob"], org["g"]["mine_open"], "breaking news")

    walked = _walk(me, "recent", 7, between=arrive)
    assert walked == expected
    assert len(set(walked)) == len(walked)


def test_top_pages_never_repeat_or_skip_while_posts_arrive(org: dict[str, Any]) -> None:
    me = org["me"]
    made = _fill(org, 25)
    for i, item in enumerate(made):
        Post.objects.filter(pk=item.pk).update(
            reaction_count=i % 4, comment_count=i % 3, share_count=i % 2
        )
    page1 = selectors.home_feed(me, order="top", limit=6)
    as_of = timezone.now()
    rows = list(
        selectors.home_queryset(me, selectors.feed_sources(me)).filter(created_at__lte=as_of)
    )

    def score(p: Post) -> float:
        age = (as_of - p.created_at).total_seconds() / 3600
        return (1 + p.reaction_count + 2 * p.comment_count + 3 * p.share_count) / (age + 2) ** 1.5

    expected = [p.pk for p in sorted(rows, key=lambda p: (score(p), p.pk), reverse=True)]
    walked = [p.pk for p in page1.posts]
    cursor = page1.next_cursor
    while cursor is not None:
        post(org["bob"], org["g"]["mine_open"], "new and loud")  # never shifts the walk
        page = selectors.home_feed(me, order="top", cursor=cursor, limit=6)
        walked += [p.pk for p in page.posts]
        cursor = page.next_cursor
    assert len(walked) == len(set(walked)) == 34
    assert walked == expected


def _home_queries(viewer: Any, limit: int) -> int:
    if sources_cache.enabled():
        selectors.home_feed(viewer, limit=1)  # a warm cache, whatever the time the test took
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.home_feed(viewer, limit=limit)
    assert page.posts
    return len(ctx.captured_queries)


@pytest.mark.parametrize("sources_cached", [False, True])
def test_query_count_is_constant_whatever_the_page_size_and_activity(
    org: dict[str, Any], make_user: Any, settings: Any, sources_cached: bool
) -> None:
    # With the sources cache (torg.feed.sources_cache) a warm page makes one query fewer.
    settings.FEED_SOURCES_CACHE = sources_cached
    if sources_cached:  # process-local: parallel workers empty a shared Redis between tests
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    expected = EXPECTED_HOME_QUERIES - 1 if sources_cached else EXPECTED_HOME_QUERIES
    me = org["me"]
    _fill(org, 10)
    group = org["g"]["mine_open"]
    # One comment and one reaction exist: the card queries for comments run from here on
    # (prefetch_for_cards skips them when no post on the page has any).
    first = selectors.home_feed(me, limit=1).posts[0]
    comment = comment_actions.do_create_comment(actor=org["bob"], post=first, body="first!")
    reaction_actions.do_react_to_comment(actor=me, comment=comment, kind="like")
    reaction_actions.do_react_to_post(actor=org["bob"], post=first, kind="love")
    small = _home_queries(me, 3)
    assert small == expected
    assert _home_queries(me, 20) == small
    # More people commenting and reacting on every post in the feed.
    for n in range(3):
        colleague = make_user(f"Colleague {n}")
        group_actions.do_add_member(group=group, user=colleague)
        for item in Post.objects.filter(group=group, deleted_at__isnull=True):
            made = comment_actions.do_create_comment(actor=colleague, post=item, body=f"re {n}")
            reaction_actions.do_react_to_post(actor=colleague, post=item, kind="like")
            reaction_actions.do_react_to_comment(actor=me, comment=made, kind="haha")
    assert _home_queries(me, 3) == small
    assert _home_queries(me, 20) == small


# sources (1 UNION) + posts with their authors and groups (1) + prefetch_for_cards: attachments
# with their videos (torg.media), polls, latest comments, comment reactions (counts + mine), post
# reactions (counts + mine), my roles.
EXPECTED_HOME_QUERIES = 8
