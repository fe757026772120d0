"""REST endpoints at /api/v1/insights: the same rollup figures and rules as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from torg.insights import access, selectors
from torg.insights.selectors import Table

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
        "tables": [_table(t) for t in (board.daily, board.departments, board.locations)],
    }


@router.get("/groups/{slug}", response=GroupOut)
def group(request: HttpRequest, slug: str, query: Query[PeriodIn]) -> dict[str, Any]:
    """A group's figures for its admins and for communications (non-secret groups)."""
    target = access.access_group_insights(request.user, slug)
    board = selectors.group_dashboard(
        group=target,
        period=_period(query),
        with_text=access.may_read_posts(request.user, target),
    )
    return {
        "group_id": target.pk,
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "members": board.members,
        "active_members": board.active_members,
        "reach": board.reach,
        "totals": board.totals,
        "tables": [_table(t) for t in (board.daily, board.best_hours, board.top_posts)],
    }
