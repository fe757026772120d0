"""Follows, per-group feed choices and seen-by."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from torg.feed import actions, selectors
from torg.feed.models import GroupFeedSetting, PersonFollow, PostSeen
from torg.posts.models import Post


def test_follow_person_is_idempotent_and_not_for_oneself(org: dict[str, Any]) -> None:
    me, bob = org["me"], org["bob"]
    actions.do_follow_person(follower=me, followee=bob)
    actions.do_follow_person(follower=me, followee=bob)
    assert PersonFollow.objects.filter(follower=me, followee=bob).count() == 1
    assert "bob_profile" in {
        k for k, v in org["p"].items() if v in selectors.home_feed(me, limit=50).posts
    }
    actions.do_unfollow_person(follower=me, followee=bob)
    actions.do_unfollow_person(follower=me, followee=bob)
    assert not PersonFollow.objects.filter(follower=me, followee=bob).exists()
    with pytest.raises(ValidationError):
        actions.do_follow_person(follower=me, followee=me)


def test_group_feed_settings_store_only_differences(org: dict[str, Any]) -> None:
    me, g = org["me"], org["g"]
    assert dict(GroupFeedSetting.objects.filter(user=me).values_list("group__slug", "in_feed")) == {
        g["mine_hidden"].slug: False,
        g["followed_open"].slug: True,
    }
    actions.do_set_group_in_feed(user=me, group=g["mine_hidden"], in_feed=True)
    actions.do_set_group_in_feed(user=me, group=g["followed_open"], in_feed=False)
    assert not GroupFeedSetting.objects.filter(user=me).exists()
    rows = selectors.feed_settings(me)
    assert [(r.group.name, r.is_member, r.in_feed) for r in rows] == [
        ("Mine closed", True, True),
        ("Mine hidden", True, True),
        ("Mine open", True, True),
    ]


def test_following_closed_or_secret_groups_is_refused(org: dict[str, Any]) -> None:
    me, g = org["me"], org["g"]
    with pytest.raises(PermissionDenied):
        actions.do_set_group_in_feed(user=me, group=g["other_closed"], in_feed=True)
    with pytest.raises(Http404):
        actions.do_set_group_in_feed(user=me, group=g["other_secret"], in_feed=True)
    with pytest.raises(PermissionDenied):
        actions.do_set_group_in_feed(user=org["guest"], group=g["other_open"], in_feed=True)
    assert GroupFeedSetting.objects.filter(user=me).count() == 2


def test_record_seen_is_idempotent_batched_and_counted_once(org: dict[str, Any]) -> None:
    me, alice, p = org["me"], org["alice"], org["p"]
    ids = [p["mine_open"].pk, p["alice_open"].pk, p["alice_secret"].pk, p["mine_own"].pk]
    with CaptureQueriesContext(connection) as ctx:
        first = actions.do_record_seen(viewer=me, post_ids=ids)
    # Hidden (secret) and own posts are ignored.
    assert sorted(first) == sorted([p["mine_open"].pk, p["alice_open"].pk])
    writes = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(writes) == 3
    assert actions.do_record_seen(viewer=me, post_ids=ids) == []
    actions.do_record_seen(viewer=alice, post_ids=[p["mine_open"].pk])
    assert PostSeen.objects.filter(user=me).count() == 2
    counts = dict(Post.objects.filter(pk__in=ids).values_list("pk", "seen_count"))
    assert counts == {
        p["mine_open"].pk: 2,
        p["alice_open"].pk: 1,
        p["alice_secret"].pk: 0,
        p["mine_own"].pk: 0,
    }
    with pytest.raises(ValidationError):
        actions.do_record_seen(viewer=me, post_ids=range(1, 200))


def test_seen_by_for_authors_and_group_admins_only(org: dict[str, Any]) -> None:
    me, bob, owner, alice, p = org["me"], org["bob"], org["owner"], org["alice"], org["p"]
    actions.do_record_seen(viewer=me, post_ids=[p["mine_open"].pk])
    result = selectors.seen_by(bob, p["mine_open"].pk)
    assert result.count == 1
    assert [s.user for s in result.seen] == [me]
    assert selectors.seen_by(owner, p["mine_open"].pk).count == 1  # admin of the group
    with pytest.raises(Http404):
        selectors.seen_by(me, p["mine_open"].pk)
    with pytest.raises(Http404):
        selectors.seen_by(alice, p["mine_open"].pk)
    with pytest.raises(Http404):
        selectors.seen_by(me, 10**30)
