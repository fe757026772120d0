"""Dashboard reads: rollup tables only, a fixed number of queries per dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Max, Sum
from django.utils import timezone
from django.utils.text import Truncator

from torg.groups.models import Group
from torg.insights.access import MIN_SEGMENT_SIZE
from torg.insights.models import GroupDay, GroupHour, NetworkDay, PostDay, SegmentDay

PERIODS = (7, 30, 90, 365)


def parse_period(raw: str | None) -> int:
    try:
        value = int(raw or 30)
    except ValueError:
        return 30
    return value if value in PERIODS else 30


def ratio(part: int | float, whole: int | float) -> float:
    return round(part / whole, 3) if whole else 0.0


@dataclass
class Table:
    """A table on a dashboard; the same rows feed the chart, the HTML table and the CSV."""

    key: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class NetworkDashboard:
    period: int
    since: date
    until: date
    latest: NetworkDay | None
    totals: dict[str, int]
    stickiness: float
    poster_share: float
    sad_share: float
    negative_comment_share: float
    daily: Table
    departments: Table
    locations: Table


def network_dashboard(*, period: int, today: date | None = None) -> NetworkDashboard:
    until = today or timezone.localdate()
    since = until - timedelta(days=period - 1)
    days = list(NetworkDay.objects.filter(day__gte=since, day__lte=until).order_by("day"))
    latest = days[-1] if days else None
    totals = {
        name: sum(getattr(d, name) for d in days)
        for name in (
            "posts",
            "comments",
            "reactions",
            "messages",
            "sad_reactions",
            "negative_comments",
        )
    }
    active_days = sum(d.active for d in days)
    daily = Table(
        "daily",
        [
            "day",
            "active",
            "weekly_active",
            "monthly_active",
            "posters",
            "posts",
            "comments",
            "reactions",
            "messages",
            "sad_reactions",
            "negative_comments",
        ],
        [
            [
                d.day.isoformat(),
                d.active,
                d.weekly_active,
                d.monthly_active,
                d.posters,
                d.posts,
                d.comments,
                d.reactions,
                d.messages,
                d.sad_reactions,
                d.negative_comments,
            ]
            for d in days
        ],
    )
    segments = (
        SegmentDay.objects.filter(day__gte=since, day__lte=until)
        .values("dimension", "segment_id")
        .annotate(name=Max("name"), people=Max("people"), active=Avg("active"))
        .order_by("dimension", "name")
    )
    tables = {
        "department": Table(
            "departments", ["department", "people", "average_daily_active", "active_share"]
        ),
        "location": Table(
            "locations", ["location", "people", "average_daily_active", "active_share"]
        ),
    }
    for row in segments:
        if row["people"] < MIN_SEGMENT_SIZE:
            continue  # too few people: a breakdown could identify someone
        average = round(row["active"], 1)
        tables[row["dimension"]].rows.append(
            [row["name"], row["people"], average, ratio(average, row["people"])]
        )
    return NetworkDashboard(
        period=period,
        since=since,
        until=until,
        latest=latest,
        totals=totals,
        stickiness=ratio(latest.active, latest.monthly_active) if latest else 0.0,
        poster_share=ratio(sum(d.posters for d in days), active_days),
        sad_share=ratio(totals["sad_reactions"], totals["reactions"]),
        negative_comment_share=ratio(totals["negative_comments"], totals["comments"]),
        daily=daily,
        departments=tables["department"],
        locations=tables["location"],
    )


@dataclass
class GroupDashboard:
    group: Group
    period: int
    since: date
    until: date
    members: int
    active_members: int
    totals: dict[str, int]
    reach: float
    daily: Table
    best_hours: Table
    top_posts: Table


def group_dashboard(
    *, group: Group, period: int, with_text: bool = False, today: date | None = None
) -> GroupDashboard:
    """``with_text``: show post excerpts (only for viewers who may read the group's posts)."""
    until = today or timezone.localdate()
    since = until - timedelta(days=period - 1)
    days = list(
        GroupDay.objects.filter(group=group, day__gte=since, day__lte=until).order_by("day")
    )
    hours = (
        GroupHour.objects.filter(group=group, day__gte=since, day__lte=until)
        .values("hour")
        .annotate(posts=Sum("posts"), engagement=Sum("engagement"))
        .order_by("hour")
    )
    members = days[-1].members if days else 0
    totals = {
        name: sum(getattr(d, name) for d in days) for name in ("posts", "comments", "reactions")
    }
    daily = Table(
        "daily",
        ["day", "members", "active_members", "readers", "reach", "posts", "comments", "reactions"],
        [
            [
                d.day.isoformat(),
                d.members,
                d.active_members,
                d.readers,
                ratio(d.readers, d.members),
                d.posts,
                d.comments,
                d.reactions,
            ]
            for d in days
        ],
    )
    best = Table(
        "best_hours",
        ["hour", "posts", "engagement", "engagement_per_post"],
        [
            [h["hour"], h["posts"], h["engagement"], ratio(h["engagement"], h["posts"])]
            for h in sorted(hours, key=lambda h: (-ratio(h["engagement"], h["posts"]), h["hour"]))
        ],
    )
    top = Table(
        "top_posts",
        ["post_id", "posted", "excerpt", "seen", "reach", "comments", "reactions", "shares"],
        [
            [
                p.post_id,
                p.day.isoformat(),
                Truncator(p.post.body).chars(80) if with_text else "",
                p.seen,
                ratio(p.seen, members),
                p.comments,
                p.reactions,
                p.shares,
            ]
            for p in PostDay.objects.filter(
                group=group, day__gte=since, day__lte=until, post__deleted_at__isnull=True
            )
            .select_related("post")
            .order_by("-engagement", "-seen", "-post_id")[:10]
        ],
    )
    readers_days = sum(d.readers for d in days)
    member_days = sum(d.members for d in days)
    return GroupDashboard(
        group=group,
        period=period,
        since=since,
        until=until,
        members=members,
        active_members=days[-1].active_members if days else 0,
        totals=totals,
        reach=ratio(readers_days, member_days),
        daily=daily,
        best_hours=best,
        top_posts=top,
    )
