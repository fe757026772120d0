"""``torg.feed.home_posts`` (the home feed's posts query as fixed SQL) returns exactly what the
ORM's ``home_queryset`` does, for every kind of source and person, page after page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.feed import home_posts, selectors
from torg.feed.tests.conftest import keys
from torg.posts.models import Post

pytestmark = pytest.mark.django_db

PEOPLE = ["me", "alice", "bob", "guest", "owner"]


def _fields(instance: object | None) -> dict[str, object] | None:
    """An instance's column values (what the ORM set), without Django's bookkeeping."""
    if instance is None:
        return None
    values = {k: v for k, v in vars(instance).items() if not k.startswith("_")}
    state = instance._state  # type: ignore[attr-defined]
    return {**values, "_adding": state.adding, "_db": state.db}


def _card(post: Post) -> tuple[Any, ...]:
    return (_fields(post), _fields(post.author), _fields(post.group))


def _walk(person: Any, limit: int) -> list[Post]:
    """Every post of the person's home feed through ``recent_posts``, ``limit`` at a time."""
    sources = selectors.feed_sources(person)
    walked: list[Post] = []
    after = None
    while True:
        with CaptureQueriesContext(connection) as ctx:
            page = home_posts.recent_posts(person, sources, after, limit)
            cards = [_card(p) for p in page]  # authors and groups are loaded: no query
        assert len(ctx.captured_queries) == 1
        assert len(cards) <= limit
        walked += page
        if len(page) < limit:
            return walked
        after = (page[-1].created_at, page[-1].pk)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_recent_posts_match_home_queryset(org: dict[str, Any], who: str, limit: int) -> None:
    # Two posts at the same moment: the keyset's id tie-break decides their order.
    p = org["p"]
    Post.objects.filter(pk=p["mine_closed"].pk).update(created_at=p["mine_open"].created_at)
    person = org[who]
    expected = list(
        selectors.home_queryset(person, selectors.feed_sources(person))
        .select_related("author", "group")
        .order_by("-created_at", "-pk")
    )
    got = _walk(person, limit)
    assert [x.pk for x in got] == [x.pk for x in expected]
    assert [_card(x) for x in got] == [_card(x) for x in expected]
    assert expected or who == "owner"  # the owner's feed is empty: nothing shapes it


def test_recent_posts_apply_the_access_rule(org: dict[str, Any]) -> None:
    """Sources never widen access: my followed hashtag and followed colleague do not bring in
    their secret or closed group posts, and a guest sees only their own groups."""
    me = org["me"]
    mine = keys(org, _walk(me, 50))
    assert mine == [
        "guest_own", "mine_own", "company", "tag_open", "alice_profile", "alice_open",
        "followed_open", "mine_closed", "mine_open",
    ]  # fmt: skip
    guest = keys(org, _walk(org["guest"], 50))
    assert guest == ["guest_own", "mine_own", "mine_open"]  # guests see no profile posts


def test_the_visibility_clause_is_compiled_once_per_kind_of_person(org: dict[str, Any]) -> None:
    home_posts._VISIBILITY.clear()
    _walk(org["me"], 50)
    _walk(org["alice"], 50)
    _walk(org["guest"], 50)
    assert sorted(key[2] for key in home_posts._VISIBILITY) == [False, True]
    for visibility in home_posts._VISIBILITY.values():
        assert visibility.viewer_positions  # the viewer's id is bound, never the marker
        assert str(home_posts._VIEWER_MARKER) not in visibility.sql


def test_home_feed_recent_uses_the_fixed_query(org: dict[str, Any]) -> None:
    me = org["me"]
    first = selectors.home_feed(me, limit=3)
    second = selectors.home_feed(me, cursor=first.next_cursor, limit=3)
    third = selectors.home_feed(me, cursor=second.next_cursor, limit=3)
    assert keys(org, [*first.posts, *second.posts, *third.posts]) == keys(org, _walk(me, 50))
    assert third.next_cursor is None


@pytest.mark.parametrize("who", PEOPLE)
def test_sources_statement_matches_the_models(org: dict[str, Any], who: str) -> None:
    from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow
    from torg.groups.models import Group, Membership

    person = org[who]
    settings = GroupFeedSetting.objects.filter(user=person)
    groups = set(Membership.objects.filter(user=person).values_list("group_id", flat=True))
    if not person.is_guest:
        groups |= set(
            settings.filter(in_feed=True, group__privacy="open").values_list("group", flat=True)
        )
        groups |= set(Group.objects.filter(is_company_wide=True).values_list("pk", flat=True))
    groups -= set(settings.filter(in_feed=False).values_list("group_id", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        sources = selectors._read_sources(person)
    assert len(ctx.captured_queries) == 1
    assert sources.group_ids == groups
    assert sources.person_ids == set(
        PersonFollow.objects.filter(follower=person).values_list("followee_id", flat=True)
    )
    assert sources.hashtag_ids == set(
        HashtagFollow.objects.filter(user=person).values_list("hashtag_id", flat=True)
    )
    if who == "me":  # every kind of source is exercised
        g = org["g"]
        assert groups == {g[k].pk for k in ("mine_open", "mine_closed", "followed_open", "company")}
        assert sources.person_ids == {org["alice"].pk} and len(sources.hashtag_ids) == 1
    if who == "guest":  # a guest's feed: their own groups only, not company-wide
        assert groups == {org["g"]["mine_open"].pk}
