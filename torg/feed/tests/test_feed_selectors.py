"""Which posts each feed shows, for a seeded organisation (see conftest.org)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from torg.feed import selectors
from torg.feed.models import HashtagFollow
from torg.feed.tests.conftest import keys


def test_home_feed_shows_exactly_my_sources(org: dict[str, Any]) -> None:
    page = selectors.home_feed(org["me"])
    assert keys(org, page.posts) == [
        "guest_own",
        "mine_own",
        "company",
        "tag_open",
        "alice_profile",
        "alice_open",
        "followed_open",
        "mine_closed",
        "mine_open",
    ]
    assert page.next_cursor is None


def test_home_feed_of_a_guest_has_only_their_groups(org: dict[str, Any]) -> None:
    page = selectors.home_feed(org["guest"])
    assert keys(org, page.posts) == ["guest_own", "mine_own", "mine_open"]


def test_refollowing_a_hidden_group_brings_it_back(org: dict[str, Any]) -> None:
    from torg.feed import actions

    actions.do_set_group_in_feed(user=org["me"], group=org["g"]["mine_hidden"], in_feed=True)
    assert "mine_hidden" in keys(org, selectors.home_feed(org["me"]).posts)
    actions.do_set_group_in_feed(user=org["me"], group=org["g"]["company"], in_feed=False)
    assert "company" not in keys(org, selectors.home_feed(org["me"]).posts)


def test_secret_and_closed_posts_never_reach_outsiders(org: dict[str, Any]) -> None:
    me = org["me"]
    hidden = {"alice_closed", "alice_secret", "tag_secret", "deleted"}
    everything = [
        *selectors.home_feed(me, limit=50).posts,
        *selectors.home_feed(me, order="top", limit=50).posts,
        *selectors.profile_feed(me, org["alice"], limit=50).posts,
        *selectors.profile_feed(me, org["bob"], limit=50).posts,
        *selectors.topic_feed(me, selectors.access_topic(me, "fjord"), limit=50).posts,
    ]
    assert hidden.isdisjoint(keys(org, everything))


def test_profile_feed(org: dict[str, Any]) -> None:
    assert keys(org, selectors.profile_feed(org["me"], org["alice"]).posts) == [
        "alice_profile",
        "alice_open",
    ]
    assert keys(org, selectors.profile_feed(org["alice"], org["alice"]).posts) == [
        "alice_profile",
        "alice_secret",
        "alice_closed",
        "alice_open",
    ]
    # A guest sees Alice's posts only in groups they share (none) and no profile posts.
    assert selectors.profile_feed(org["guest"], org["alice"]).posts == []


def test_topic_feed_and_access(org: dict[str, Any]) -> None:
    me, bob = org["me"], org["bob"]
    fjord = selectors.access_topic(me, "#FJORD")
    assert fjord.name == "fjord"
    assert keys(org, selectors.topic_feed(me, fjord).posts) == ["tag_open"]
    assert keys(org, selectors.topic_feed(bob, fjord).posts) == ["tag_secret", "tag_open"]
    # A topic used only inside a secret group does not exist for outsiders.
    with pytest.raises(Http404):
        selectors.access_topic(me, "hemmelig")
    assert selectors.access_topic(bob, "Hemmelig").name == "hemmelig"
    with pytest.raises(Http404):
        selectors.access_topic(me, "nosuchtopic")
    with pytest.raises(Http404):
        selectors.access_topic(me, "x" * 300)


def test_topic_stays_reachable_for_followers(org: dict[str, Any]) -> None:
    from torg.posts.models import Post

    Post.objects.filter(pk=org["p"]["tag_open"].pk).update(
        deleted_at=org["p"]["tag_open"].created_at
    )
    me = org["me"]
    assert HashtagFollow.objects.filter(user=me).count() == 1
    topic = selectors.access_topic(me, "fjord")
    assert topic.is_followed is True  # type: ignore[attr-defined]
    assert selectors.topic_feed(me, topic).posts == []


def test_group_feed_pinned_first_and_only_for_those_who_see_content(org: dict[str, Any]) -> None:
    from torg.posts import actions as post_actions

    g, p = org["g"], org["p"]
    post_actions.do_pin_post(actor=org["owner"], post=p["mine_open"])
    page = selectors.group_feed(org["me"], g["mine_open"])
    assert keys(org, page.pinned) == ["mine_open"]
    assert keys(org, page.posts) == ["guest_own", "mine_own"]
    assert selectors.group_feed(org["me"], g["other_closed"]).posts == []
    assert keys(org, selectors.group_feed(org["alice"], g["other_closed"]).posts) == [
        "alice_closed"
    ]


def test_bad_cursor_and_order_are_refused(org: dict[str, Any]) -> None:
    me = org["me"]
    for cursor in (
        "garbage",
        "a" * 600,
        selectors.encode_cursor({"o": "recent", "t": "x", "i": 1}),
    ):
        with pytest.raises(selectors.InvalidCursor):
            selectors.home_feed(me, cursor=cursor)
    recent_cursor = selectors.home_feed(me, limit=2).next_cursor
    assert recent_cursor is not None
    with pytest.raises(selectors.InvalidCursor):
        selectors.home_feed(me, order="top", cursor=recent_cursor)
    with pytest.raises(selectors.InvalidCursor):
        selectors.home_feed(me, order="best")


def test_anonymous_gets_nothing(org: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert selectors.home_feed(AnonymousUser()).posts == []
