"""REST endpoints at /api/v1/insights: the same rollup figures and rules as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from torg.insights import access, posts, selectors
from torg.insights.people import people_board
from torg.insights.selectors import Table
from torg.insights.topics import topics_board

router = Router(tags=["insights"])


class PeriodIn(Schema):
    period: int = Field(30, description="Days: 7, 30, 90 or 365")


def _period(query: PeriodIn) -> int:
    if query.period not in selectors.PERIODS:
        raise HttpError(422, "period must be 7, 30, 90 or 365")
    return query.period


class TableOut(Schema):
    key: str
    columns: list[str]
    rows: list[list[Any]]


class NetworkOut(Schema):
    since: str
    until: str
    stickiness: float
    poster_share: float
    totals: dict[str, int]
    tables: list[TableOut]


class GroupOut(Schema):
    group_id: int
    since: str
    until: str
    members: int
    active_members: int
    reach: float
    totals: dict[str, int]
    tables: list[TableOut]


def _table(table: Table) -> dict[str, Any]:
    return {"key": table.key, "columns": table.columns, "rows": table.rows}


@router.get("/network", response=NetworkOut)
def network(request: HttpRequest, query: Query[PeriodIn]) -> dict[str, Any]:
    """Network figures for communications people (404 for everyone else)."""
    access.check_network_access(request.user)
    board = selectors.network_dashboard(period=_period(query))
    return {
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "stickiness": board.stickiness,
        "poster_share": board.poster_share,
        "totals": board.totals,
        "tables": [
            _table(t)
            for t in (
                board.daily,
                board.departments,
                board.locations,
                posts.engaging_posts(since=board.since, until=board.until, with_text=True),
                posts.frustrating_posts(since=board.since, until=board.until, with_text=True),
            )
        ],
    }


@router.get("/groups/{slug}", response=GroupOut)
def group(request: HttpRequest, slug: str, query: Query[PeriodIn]) -> dict[str, Any]:
    """A group's figures for its admins and for communications (non-secret groups)."""
    target = access.access_group_insights(request.user, slug)
    with_text = access.may_read_posts(request.user, target)
    board = selectors.group_dashboard(group=target, period=_period(query), with_text=with_text)
    return {
        "group_id": target.pk,
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "members": board.members,
        "active_members": board.active_members,
        "reach": board.reach,
        "totals": board.totals,
        "tables": [
            _table(t)
            for t in (
                board.daily,
                board.best_hours,
                board.top_posts,
                posts.engaging_posts(
                    since=board.since, until=board.until, group=target, with_text=with_text
                ),
                posts.frustrating_posts(
                    since=board.since, until=board.until, group=target, with_text=with_text
                ),
            )
        ],
    }


class SeenOut(Schema):
    user_id: int
    name: str
    seen_at: str


class VideoOut(Schema):
    name: str
    views: int
    unique_viewers: int
    average_seconds: float
    completion_rate: float
    retention: list[float]


class AnnouncementOut(Schema):
    acknowledged: int
    recipients: int
    acknowledgement_rate: float


class PostInsightsOut(Schema):
    post_id: int
    group_id: int | None
    members: int | None
    seen: int
    reach: float | None
    comments: int
    reactions: int
    shares: int
    reactions_by_kind: dict[str, int]
    sad_reactions: int
    negative_comments: int
    negative_share: float
    seen_by: list[SeenOut] | None = Field(
        None, description="Names: for the post's author and its group's admins only"
    )
    videos: list[VideoOut]
    announcement: AnnouncementOut | None
    tables: list[TableOut]


@router.get("/posts/{post_id}", response=PostInsightsOut)
def post(request: HttpRequest, post_id: str) -> dict[str, Any]:
    """One post's figures for its author, its group's admins and communications (not for
    secret groups they are not in); everyone else gets the 404 of a nonexistent post."""
    figures = posts.post_insights(access.access_post_insights(request.user, post_id))
    receipts = figures.receipts
    return {
        "post_id": figures.post.pk,
        "group_id": figures.post.group_id,
        "members": figures.members,
        "seen": figures.seen,
        "reach": figures.reach,
        "comments": figures.comments,
        "reactions": figures.reactions,
        "shares": figures.shares,
        "reactions_by_kind": {row["kind"]: row["count"] for row in figures.reaction_rows},
        "sad_reactions": figures.sad_reactions,
        "negative_comments": figures.negative_comments,
        "negative_share": figures.negative_share,
        "seen_by": (
            [
                {"user_id": s.user_id, "name": s.user.name, "seen_at": s.seen_at.isoformat()}
                for s in figures.seen_by
            ]
            if figures.show_names
            else None
        ),
        "videos": [
            {
                "name": v.video.name,
                "views": v.stats.views,
                "unique_viewers": v.stats.unique_viewers,
                "average_seconds": v.stats.average_seconds,
                "completion_rate": round(v.stats.completion_rate, 3),
                "retention": [round(share, 3) for share in v.stats.retention],
            }
            for v in figures.videos
        ],
        "announcement": (
            {
                "acknowledged": receipts.acknowledged,
                "recipients": receipts.audience,
                "acknowledgement_rate": figures.acknowledgement_rate,
            }
            if receipts is not None
            else None
        ),
        "tables": [_table(t) for t in figures.tables.values()],
    }


# Topics and questions, people (torg/insights/topics.py, people.py; docs/insights.md)


class TopicsOut(Schema):
    group_id: int | None
    names_hidden: bool
    since: str
    until: str
    questions: dict[str, float | int | None]
    tables: list[TableOut]


class PeopleOut(Schema):
    group_id: int | None
    since: str
    until: str
    names_hidden: bool
    leaders: dict[str, float | int] | None
    tables: list[TableOut]


def _topics(board: Any, *, names_hidden: bool = False) -> dict[str, Any]:
    named = () if names_hidden else (board.trending, board.engaging, board.frustrating)
    return {
        "group_id": board.group.pk if board.group else None,
        "names_hidden": names_hidden,
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "questions": vars(board.questions),
        "tables": [_table(t) for t in (*named, board.questions_daily)],
    }


def _people(board: Any, *, names_hidden: bool = False) -> dict[str, Any]:
    tables = [] if names_hidden else [board.contributors]
    if board.leaders is not None:
        tables.append(board.leaders)
    return {
        "group_id": board.group.pk if board.group else None,
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "names_hidden": names_hidden,
        "leaders": vars(board.leader_figures) if board.leader_figures else None,
        "tables": [_table(t) for t in tables],
    }


@router.get("/topics", response=TopicsOut)
def network_topics(request: HttpRequest, query: Query[PeriodIn]) -> dict[str, Any]:
    """Trending, engaging and frustrating topics (open groups and profiles) and Q&A figures."""
    access.check_network_access(request.user)
    return _topics(topics_board(period=_period(query)))


@router.get("/groups/{slug}/topics", response=TopicsOut)
def group_topics(request: HttpRequest, slug: str, query: Query[PeriodIn]) -> dict[str, Any]:
    """A group's topics and Q&A figures, for whoever may open its dashboard."""
    target = access.access_group_insights(request.user, slug)
    board = topics_board(period=_period(query), group=target)
    return _topics(board, names_hidden=not access.may_read_posts(request.user, target))


@router.get("/people", response=PeopleOut)
def network_people(request: HttpRequest, query: Query[PeriodIn]) -> dict[str, Any]:
    """Most helpful contributors and leaders' presence (communications, network admins)."""
    access.check_network_access(request.user)
    return _people(people_board(period=_period(query)))


@router.get("/groups/{slug}/people", response=PeopleOut)
def group_people(request: HttpRequest, slug: str, query: Query[PeriodIn]) -> dict[str, Any]:
    """A group's most helpful contributors; names only for those who may see its members."""
    target = access.access_group_insights(request.user, slug)
    period = _period(query)
    if not access.may_read_posts(request.user, target):
        return _people(people_board(period=period, group=target), names_hidden=True)
    return _people(people_board(period=period, group=target))
