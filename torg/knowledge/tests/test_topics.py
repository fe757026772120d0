"""Topics: the trending formula on seeded data, related topics, top contributors, suggested
topics; nothing from a secret group reaches anyone outside it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from torg.knowledge import actions
from torg.knowledge.models import SuggestedTopic
from torg.knowledge.selectors.topics import (
    related_topics,
    suggested_topics,
    top_contributors,
    trend_score,
    trending_topics,
)
from torg.posts.models import Hashtag, Post, PostHashtag

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-03-10T12:00:00+00:00")


def at(post: Post, hours_ago: float) -> Post:
    when = NOW - timedelta(hours=hours_ago)
    Post.objects.filter(pk=post.pk).update(created_at=when)
    PostHashtag.objects.filter(post=post).update(created_at=when)
    return post


def test_trending_is_rising_use_not_all_time_counts(team, write) -> None:
    drift, ase = team["drift"], team["ase"]

    def posts(tag: str, *, recent: int, previous: int, older: int = 0) -> None:
        for n in range(recent):
            at(write(ase, drift, f"#{tag} now {n}"), 1 + n)  # inside the last 3 days
        for n in range(previous):
            at(write(ase, drift, f"#{tag} before {n}"), 72 + 1 + n)  # the 3 days before
        for n in range(older):
            at(write(ase, drift, f"#{tag} long ago {n}"), 24 * 30 + n)

    posts("Rising", recent=6, previous=1)  # (6-1)/√2 = 3.54
    posts("New", recent=3, previous=0)  # (3-0)/√1 = 3.00
    posts("Steady", recent=4, previous=4, older=50)  # not rising: out, whatever its history
    posts("Big", recent=12, previous=8)  # (12-8)/3 = 1.33
    posts("Once", recent=1, previous=0)  # below MIN_RECENT
    posts("Falling", recent=2, previous=5)
    # A tag rising only in a secret group never trends, even for its members.
    for n in range(9):
        at(write(team["bjorn"], team["secret"], f"#Hemmelig plan {n}"), 2 + n)
    # Nor does a post that is deleted.
    deleted = at(write(ase, drift, "#Rising deleted"), 3)
    Post.objects.filter(pk=deleted.pk).update(deleted_at=NOW)

    for viewer in (team["eva"], team["bjorn"]):
        found = trending_topics(viewer, now=NOW)
        assert [(t.hashtag.display_name, t.recent, t.previous) for t in found] == [
            ("Rising", 6, 1),
            ("New", 3, 0),
            ("Big", 12, 8),
        ]
    assert [round(t.score, 4) for t in found] == [
        round(5 / math.sqrt(2), 4),
        3.0,
        round(4 / 3, 4),
    ]
    assert trend_score(12, 8) == pytest.approx(4 / 3)
    # A week later nothing of this is trending.
    assert trending_topics(team["eva"], now=NOW + timedelta(days=7)) == []


def test_trending_for_a_guest_counts_only_what_the_guest_may_read(team, write, make_user) -> None:
    from torg.groups.actions import do_add_member

    guest = make_user("Gjest", is_guest=True)
    do_add_member(group=team["secret"], user=guest)
    for n in range(3):
        at(write(team["bjorn"], team["secret"], f"#Hemmelig {n}"), 2 + n)
        at(write(team["bjorn"], team["drift"], f"#Drift {n}"), 2 + n)

    assert [t.hashtag.name for t in trending_topics(guest, now=NOW)] == ["hemmelig"]
    assert [t.hashtag.name for t in trending_topics(team["eva"], now=NOW)] == ["drift"]


def test_related_topics_and_contributors_count_only_visible_posts(team, write) -> None:
    drift, secret = team["drift"], team["secret"]
    write(team["ase"], drift, "#vpn and #wireguard")
    write(team["ase"], drift, "#vpn #wireguard again")
    write(team["cecilie"], drift, "#vpn with #openvpn")
    write(team["bjorn"], secret, "#vpn #hemmelig #wireguard")
    write(team["bjorn"], secret, "#vpn #hemmelig")
    write(team["bjorn"], secret, "#vpn")
    vpn = Hashtag.objects.get(name="vpn")

    assert [(r.hashtag.name, r.count) for r in related_topics(team["eva"], vpn)] == [
        ("wireguard", 2),
        ("openvpn", 1),
    ]
    assert [(r.hashtag.name, r.count) for r in related_topics(team["ase"], vpn)] == [
        ("wireguard", 3),
        ("hemmelig", 2),
        ("openvpn", 1),
    ]
    assert [(c.person.name, c.count) for c in top_contributors(team["eva"], vpn)] == [
        ("Åse Asker", 2),
        ("Cecilie Cox", 1),
    ]
    assert [(c.person.name, c.count) for c in top_contributors(team["ase"], vpn)] == [
        ("Bjørn Berg", 3),
        ("Åse Asker", 2),
        ("Cecilie Cox", 1),
    ]


def test_group_admins_curate_at_most_five_known_topics(team, write) -> None:
    drift = team["drift"]
    for tag in ("vpn", "wifi", "print", "backup", "phones", "laptops"):
        write(team["ase"], drift, f"About #{tag}")
    write(team["bjorn"], team["secret"], "#hemmelig")

    with pytest.raises(PermissionDenied):
        actions.do_set_suggested_topics(actor=team["ase"], group=drift, names=["vpn"])
    with pytest.raises(ValidationError):
        actions.do_set_suggested_topics(
            actor=team["dag"], group=drift, names=["vpn", "wifi", "print", "backup", "phones", "x"]
        )
    with pytest.raises(ValidationError, match="No post you can see uses #nosuchtopic"):
        actions.do_set_suggested_topics(actor=team["dag"], group=drift, names=["#NoSuchTopic"])
    with pytest.raises(ValidationError, match="is not a topic"):
        actions.do_set_suggested_topics(actor=team["dag"], group=drift, names=["two words"])
    assert not SuggestedTopic.objects.exists()

    actions.do_set_suggested_topics(
        actor=team["dag"], group=drift, names=["#WiFi", "vpn", " ", "#vpn", "hemmelig"]
    )
    assert [t.name for t in suggested_topics(team["dag"], drift)] == ["wifi", "vpn", "hemmelig"]
    # Eva cannot open #hemmelig (only the secret group uses it), so she is not offered it.
    assert [t.name for t in suggested_topics(team["eva"], drift)] == ["wifi", "vpn"]

    actions.do_set_suggested_topics(actor=team["dag"], group=drift, names=["backup"])
    assert [t.name for t in suggested_topics(team["eva"], drift)] == ["backup"]
