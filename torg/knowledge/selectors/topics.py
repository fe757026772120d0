"""Topics: trending, related, top contributors, a group's suggested topics.

Trending (docs/knowledge.md): for each topic, ``recent`` = posts carrying it in the last
``TREND_WINDOW`` (3 days) and ``previous`` = posts carrying it in the 3 days before that.
A topic trends when ``recent >= MIN_RECENT`` (2) and ``recent > previous``; its score is
``(recent - previous) / sqrt(previous + 1)`` — growth, damped for topics that were already big,
so all-time popular tags do not stay on top. Ties: more recent posts first, then by name.

Only posts every employee may read count (open groups, company-wide groups and profile posts),
so the list is the same for all employees and is cached for ``TREND_CACHE_SECONDS``; a tag used
only in closed or secret groups never appears. Guests get the list computed from what they may
read themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from torg.feed.models import HashtagFollow
from torg.groups.access import as_person
from torg.groups.models import Group
from torg.knowledge.models import SuggestedTopic
from torg.posts.access import visible_posts
from torg.posts.models import Hashtag, Post, PostHashtag

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

TREND_WINDOW = timedelta(days=3)
MIN_RECENT = 2
TREND_LIMIT = 5
TREND_CACHE_SECONDS = 300
RELATED_LIMIT = 8
RELATED_SAMPLE = 2000  # the newest tagged posts looked at for co-occurring topics
CONTRIBUTOR_LIMIT = 5


@dataclass
class TrendingTopic:
    hashtag: Hashtag
    recent: int
    previous: int
    score: float


def trend_score(recent: int, previous: int) -> float:
    return (recent - previous) / math.sqrt(previous + 1)


def _everyone_posts() -> QuerySet[Post]:
    """Posts every employee may read: open groups (company-wide ones are open) and profiles."""
    return Post.objects.filter(
        Q(group__isnull=True) | Q(group__privacy=Group.Privacy.OPEN), deleted_at__isnull=True
    )


def _trending(posts: QuerySet[Post], now: datetime, limit: int) -> list[TrendingTopic]:
    middle = now - TREND_WINDOW
    rows = (
        PostHashtag.objects.filter(
            created_at__gt=middle - TREND_WINDOW,
            created_at__lte=now,
            post__in=posts.values("pk"),
        )
        .values_list("hashtag_id")
        .annotate(
            recent=Count("id", filter=Q(created_at__gt=middle)),
            previous=Count("id", filter=Q(created_at__lte=middle)),
        )
        .filter(recent__gte=MIN_RECENT)
        .order_by()
    )
    scored = [
        (trend_score(recent, previous), recent, previous, tag_id)
        for tag_id, recent, previous in rows
        if recent > previous
    ]
    if not scored:
        return []
    tags = Hashtag.objects.in_bulk([row[3] for row in scored])
    scored.sort(key=lambda row: (-row[0], -row[1], tags[row[3]].name))
    return [
        TrendingTopic(hashtag=tags[tag_id], recent=recent, previous=previous, score=score)
        for score, recent, previous, tag_id in scored[:limit]
    ]


def trending_topics(
    viewer: User | AnonymousUser, *, now: datetime | None = None, limit: int = TREND_LIMIT
) -> list[TrendingTopic]:
    person = as_person(viewer)
    if person is None:
        return []
    if person.is_guest:
        return _trending(visible_posts(person), now or timezone.now(), limit)
    if now is not None:
        return _trending(_everyone_posts(), now, limit)
    key = f"knowledge:trending:{limit}"
    cached: list[TrendingTopic] | None = cache.get(key)
    if cached is None:
        cached = _trending(_everyone_posts(), timezone.now(), limit)
        cache.set(key, cached, TREND_CACHE_SECONDS)
    return cached


@dataclass
class TopicCount:
    hashtag: Hashtag
    count: int


def related_topics(
    viewer: User | AnonymousUser, topic: Hashtag, *, limit: int = RELATED_LIMIT
) -> list[TopicCount]:
    """Topics that appear on the same posts as ``topic`` (among the newest ``RELATED_SAMPLE``
    such posts the viewer may read), most shared posts first. Two queries."""
    person = as_person(viewer)
    if person is None:
        return []
    sample = (
        PostHashtag.objects.filter(hashtag=topic, post__in=visible_posts(person).values("pk"))
        .order_by("-created_at", "-post_id")
        .values("post_id")[:RELATED_SAMPLE]
    )
    rows = list(
        PostHashtag.objects.filter(post_id__in=sample)
        .exclude(hashtag=topic)
        .values_list("hashtag_id")
        .annotate(n=Count("id"))
        .order_by("-n", "hashtag_id")[: limit * 3]
    )
    tags = Hashtag.objects.in_bulk([tag_id for tag_id, _n in rows])
    ordered = sorted(rows, key=lambda row: (-row[1], tags[row[0]].name))
    return [TopicCount(hashtag=tags[tag_id], count=n) for tag_id, n in ordered[:limit]]


@dataclass
class Contributor:
    person: User
    count: int


def top_contributors(
    viewer: User | AnonymousUser, topic: Hashtag, *, limit: int = CONTRIBUTOR_LIMIT
) -> list[Contributor]:
    """Authors of the most posts carrying ``topic``, counting only posts the viewer may read."""
    from torg.people.access import visible_people

    person = as_person(viewer)
    if person is None:
        return []
    tagged = PostHashtag.objects.filter(hashtag=topic).values("post_id")
    rows = list(
        visible_posts(person)
        .filter(pk__in=tagged, author__in=visible_people(person).values("pk"))
        .values_list("author_id")
        .annotate(n=Count("id"))
        .order_by("-n", "author_id")[: limit * 3]
    )
    people = visible_people(person).in_bulk([author_id for author_id, _n in rows])
    ordered = sorted(
        (row for row in rows if row[0] in people),
        key=lambda row: (-row[1], people[row[0]].name, row[0]),
    )
    return [Contributor(person=people[pk], count=n) for pk, n in ordered[:limit]]


def suggested_topics(viewer: User | AnonymousUser, group: Group) -> list[Hashtag]:
    """The group's curated topics that the viewer can open (a post they may read carries it, or
    they follow it). One query."""
    person = as_person(viewer)
    if person is None:
        return []
    tagged = PostHashtag.objects.filter(
        hashtag=OuterRef("hashtag_id"), post__in=visible_posts(person).values("pk")
    )
    followed = HashtagFollow.objects.filter(hashtag=OuterRef("hashtag_id"), user=person)
    return [
        s.hashtag
        for s in SuggestedTopic.objects.filter(group=group)
        .filter(Exists(tagged) | Exists(followed))
        .select_related("hashtag")
        .order_by("position", "id")
    ]


def suggested_topic_names(group: Group) -> list[str]:
    """All of the group's suggested topics, for its admins' form."""
    return list(
        SuggestedTopic.objects.filter(group=group)
        .order_by("position", "id")
        .values_list("hashtag__display_name", flat=True)
    )
