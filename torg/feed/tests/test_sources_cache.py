"""The per-person home-feed sources cache: used when on, and stale at no moment after a change.

Every test turns the cache on (``FEED_SOURCES_CACHE = True``; the test cache is process-local,
where it is off by default) and reads the feed once before the change, so a cached entry exists
that a missing invalidation would serve.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.feed import actions, selectors, sources_cache
from torg.feed.tests.conftest import keys, post
from torg.feed.tests.test_feed_paging import EXPECTED_HOME_QUERIES
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.posts.models import Hashtag

LOCAL_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "feed-sources-tests",
    }
}


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    # A process-local cache even when the tests run with Redis: parallel test workers share the
    # Redis database and each empties it when a test starts, which would turn hits into misses.
    settings.CACHES = LOCAL_CACHE
    settings.FEED_SOURCES_CACHE = True
    caches["default"].clear()


def _home(org: dict[str, Any], person: Any) -> list[str]:
    return keys(org, selectors.home_feed(person, limit=50).posts)


def test_on_only_with_a_cache_shared_by_all_processes(settings: Any) -> None:
    del settings.FEED_SOURCES_CACHE
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not sources_cache.enabled()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert not sources_cache.enabled()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ""}
    }
    assert sources_cache.enabled()
    settings.FEED_SOURCES_CACHE = False
    assert not sources_cache.enabled()


def test_a_cached_page_makes_one_query_fewer_and_shows_the_same(org: dict[str, Any]) -> None:
    me = org["me"]
    with CaptureQueriesContext(connection) as cold:
        first = _home(org, me)
    with CaptureQueriesContext(connection) as warm:
        second = _home(org, me)
    assert first == second
    assert "mine_open" in first and "company" in first
    assert len(warm.captured_queries) == len(cold.captured_queries) - 1
    assert not any("UNION" in q["sql"] for q in warm.captured_queries)


def test_leaving_a_secret_group_empties_it_from_the_feed_at_once(org: dict[str, Any]) -> None:
    alice, secret = org["alice"], org["g"]["other_secret"]
    assert "alice_secret" in _home(org, alice)
    assert secret.pk in selectors.feed_sources(alice).group_ids
    group_actions.do_leave_group(actor=alice, group=secret)
    assert secret.pk not in selectors.feed_sources(alice).group_ids
    assert "alice_secret" not in _home(org, alice)
    assert "tag_secret" not in _home(org, alice)


def test_removal_from_a_secret_group_takes_effect_at_once(org: dict[str, Any]) -> None:
    alice, owner, secret = org["alice"], org["owner"], org["g"]["other_secret"]
    assert "alice_secret" in _home(org, alice)
    group_actions.do_remove_member(actor=owner, group=secret, user=alice)
    assert secret.pk not in selectors.feed_sources(alice).group_ids
    assert "alice_secret" not in _home(org, alice)


def test_leaving_an_open_group_drops_its_posts_at_once(org: dict[str, Any]) -> None:
    # Open-group posts stay visible to the leaver: only the sources decide, so only a working
    # invalidation removes them here.
    me, group = org["me"], org["g"]["mine_open"]
    assert "mine_open" in _home(org, me)
    group_actions.do_leave_group(actor=me, group=group)
    assert "mine_open" not in _home(org, me)


def test_joining_following_and_hiding_show_at_once(org: dict[str, Any]) -> None:
    me, bob = org["me"], org["bob"]
    before = _home(org, me)
    assert "tag_open" in before
    assert "other_open" not in before and "bob_profile" not in before
    fjord = Hashtag.objects.get(name="fjord")
    actions.do_unfollow_hashtag(user=me, hashtag=fjord)
    assert "tag_open" not in _home(org, me)
    actions.do_follow_hashtag(user=me, hashtag=fjord)
    assert "tag_open" in _home(org, me)
    hemmelig = Hashtag.objects.get(name="hemmelig")
    actions.do_follow_hashtag(user=me, hashtag=hemmelig)
    assert hemmelig.pk in selectors.feed_sources(me).hashtag_ids
    assert "tag_secret" not in _home(org, me)  # still hidden: sources never grant access
    group_actions.do_add_member(group=org["g"]["other_open"], user=me)
    assert "other_open" in _home(org, me)
    actions.do_follow_person(follower=me, followee=bob)
    assert "bob_profile" in _home(org, me)
    actions.do_unfollow_person(follower=me, followee=bob)
    assert "bob_profile" not in _home(org, me)
    actions.do_set_group_in_feed(user=me, group=org["g"]["mine_open"], in_feed=False)
    assert "mine_open" not in _home(org, me)
    actions.do_set_group_in_feed(user=me, group=org["g"]["mine_open"], in_feed=True)
    assert "mine_open" in _home(org, me)


def test_a_group_change_reaches_everyones_cached_sources(org: dict[str, Any]) -> None:
    me, owner = org["me"], org["owner"]
    followed = org["g"]["followed_open"]
    assert "followed_open" in _home(org, me)
    # Followed without membership: only open groups count, so closing it drops it for me.
    group_actions.do_update_group(
        actor=owner,
        group=followed,
        name=followed.name,
        description="",
        privacy=Group.Privacy.CLOSED,
        kind=followed.kind,
        parent=None,
    )
    assert "followed_open" not in _home(org, me)
    assert followed.pk not in selectors.feed_sources(me).group_ids


def test_a_new_company_wide_group_shows_for_everyone_at_once(org: dict[str, Any]) -> None:
    me, owner = org["me"], org["owner"]
    owner.is_staff = True  # a network admin: only they make a group company-wide
    owner.save(update_fields=["is_staff"])
    _home(org, me)
    group = group_actions.do_create_group(actor=owner, name="All hands", privacy="open")
    news = post(owner, group, "all hands")
    assert news.pk not in [p.pk for p in selectors.home_feed(me, limit=50).posts]
    group_actions.do_update_group(
        actor=owner,
        group=group,
        name=group.name,
        description="",
        privacy="open",
        kind=group.kind,
        parent=None,
        is_company_wide=True,
    )
    assert news.pk in [p.pk for p in selectors.home_feed(me, limit=50).posts]


def test_deleting_a_group_drops_it_from_cached_sources(org: dict[str, Any]) -> None:
    me, group = org["me"], org["g"]["mine_closed"]
    assert group.pk in selectors.feed_sources(me).group_ids
    Group.objects.filter(pk=group.pk).delete()
    assert group.pk not in selectors.feed_sources(me).group_ids


def test_bulk_changes_are_invalidated_through_sources_changed(org: dict[str, Any]) -> None:
    # Writes that bypass model signals (bulk_create) call sources_changed themselves.
    me, group = org["me"], org["g"]["other_open"]
    assert group.pk not in selectors.feed_sources(me).group_ids
    Membership.objects.bulk_create([Membership(group=group, user=me)])
    assert group.pk not in selectors.feed_sources(me).group_ids  # the cache, as documented
    sources_cache.sources_changed([me.pk])
    assert group.pk in selectors.feed_sources(me).group_ids


def test_members_added_by_an_auto_membership_rule_see_the_group_at_once(
    org: dict[str, Any],
) -> None:
    from torg.people.models import Department

    me, owner, group = org["me"], org["owner"], org["g"]["other_closed"]
    me.department = Department.objects.create(name="Fjord ops", slug="fjord-ops")
    me.save(update_fields=["department"])
    assert group.pk not in selectors.feed_sources(me).group_ids  # cached now
    group_actions.do_add_rule(actor=owner, group=group, department=me.department, location=None)
    assert Membership.objects.filter(group=group, user=me).exists()
    assert group.pk in selectors.feed_sources(me).group_ids


def test_a_change_during_the_read_is_not_cached_as_current(org: dict[str, Any]) -> None:
    """A writer commits between the reader's token read and its rows: the entry is stale."""
    me = org["me"]
    calls = []

    def compute() -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            sources_cache.sources_changed([me.pk])  # the concurrent writer
        return [len(calls)]

    assert sources_cache.cached_sources(me.pk, False, compute) == [1]
    assert sources_cache.cached_sources(me.pk, False, compute) == [2]  # recomputed
    assert sources_cache.cached_sources(me.pk, False, compute) == [2]  # now cached
    assert len(calls) == 2


def test_guest_and_employee_entries_are_separate(org: dict[str, Any]) -> None:
    guest = org["guest"]
    employee_view = selectors.feed_sources(org["me"])
    guest_view = selectors.feed_sources(guest)
    assert org["g"]["company"].pk in employee_view.group_ids
    assert org["g"]["company"].pk not in guest_view.group_ids


def test_the_token_changes_again_after_commit(
    org: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    me = org["me"]
    selectors.feed_sources(me)
    from django.core.cache import cache

    key = f"feed:src:v:{me.pk}"
    before = cache.get(key)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sources_cache.sources_changed([me.pk])
    during = cache.get(key)
    assert during != before
    assert len(callbacks) == 1
    callbacks[0]()
    assert cache.get(key) not in (before, during)


def test_query_count_with_the_cache_is_constant(org: dict[str, Any]) -> None:
    me = org["me"]
    selectors.home_feed(me, limit=3)
    with CaptureQueriesContext(connection) as small:
        selectors.home_feed(me, limit=3)
    selectors.home_feed(me, limit=1)  # warm again, whatever the time the test took (TTL)
    with CaptureQueriesContext(connection) as large:
        selectors.home_feed(me, limit=20)
    # No comments or reactions on these posts: the comment-reactions query is skipped.
    assert len(small.captured_queries) == len(large.captured_queries) <= EXPECTED_HOME_QUERIES - 1
