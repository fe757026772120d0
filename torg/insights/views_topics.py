"""Topics and People pages (network and group) with their CSV downloads. Thin: access check,
then one read over the rollup tables (torg/insights/topics.py, people.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from torg.groups.models import Group
from torg.insights import access, selectors
from torg.insights.people import CONTRIBUTOR_COLUMNS, PeopleBoard, people_board
from torg.insights.selectors import Table
from torg.insights.topics import TopicsBoard, topics_board
from torg.insights.views import _csv

LABELS = {
    "day": _("Day"),
    "topic": _("Topic"),
    "posts": _("Posts"),
    "previous_posts": _("Posts in the period before"),
    "trend_score": _("Trend score"),
    "comments": _("Comments"),
    "reactions": _("Reactions"),
    "engagement_per_post": _("Comments and reactions per post"),
    "negative_signals": _("Negative signals"),
    "negative_share": _("Negative share"),
    "asked": _("Asked"),
    "answered": _("Answered"),
    "unanswered": _("Unanswered"),
    "best_answered": _("With a best answer"),
    "person": _("Person"),
    "answers": _("Answers"),
    "best_answers": _("Best answers"),
    "votes_received": _("Up-votes received"),
    "reactions_received": _("Reactions received"),
    "comments_received": _("Comments received"),
    "job_title": _("Job title"),
    "direct_reports": _("Direct reports"),
}


def _labelled(table: Table) -> dict[str, Any]:
    return {"key": table.key, "labels": [LABELS[c] for c in table.columns], "rows": table.rows}


def _questions_chart(board: TopicsBoard) -> dict[str, Any]:
    """Every day of the period (days without questions are 0, so the lines are honest)."""
    by_day = {row[0]: row for row in board.questions_daily.rows}
    days = [
        (board.since + timedelta(days=n)).isoformat()
        for n in range((board.until - board.since).days + 1)
    ]
    return {
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "x": days,
        "series": [
            {
                "label": str(LABELS[name]),
                "values": [by_day[d][column] if d in by_day else 0 for d in days],
            }
            for name, column in (("asked", 1), ("answered", 2))
        ],
    }


def _topics_tables(board: TopicsBoard) -> dict[str, Table]:
    return {
        "trending": board.trending,
        "engaging": board.engaging,
        "frustrating": board.frustrating,
        "questions": board.questions_daily,
    }


def _render_topics(request: HttpRequest, board: TopicsBoard, *, names: bool = True) -> HttpResponse:
    tables = {key: _labelled(table) for key, table in _topics_tables(board).items()}
    return render(
        request,
        "insights/topics.html",
        {
            "board": board,
            "periods": selectors.PERIODS,
            "tab": "topics",
            "names": names,
            "questions_chart": _questions_chart(board),
            **tables,
        },
    )


def _people_tables(board: PeopleBoard) -> dict[str, Table]:
    tables = {"contributors": board.contributors}
    if board.leaders is not None:
        tables["leaders"] = board.leaders
    return tables


def _render_people(request: HttpRequest, board: PeopleBoard, *, names: bool) -> HttpResponse:
    tables = {key: _labelled(table) for key, table in _people_tables(board).items()}
    return render(
        request,
        "insights/people.html",
        {
            "board": board,
            "periods": selectors.PERIODS,
            "tab": "people",
            "names": names,
            **tables,
        },
    )


def _pick(tables: dict[str, Table], key: str) -> Table:
    if key not in tables:
        raise Http404("Not found")
    return tables[key]


def group_content_visible(request: HttpRequest, group: Group) -> bool:
    """A group's topic names and contributors' names only for those who may read its posts and
    see its members (its admins and members; everyone for open groups) — not for communications
    looking at a closed group, who get the figures that name nothing."""
    return access.may_read_posts(request.user, group)


@login_required
@require_GET
def network_topics(request: HttpRequest) -> HttpResponse:
    access.check_network_access(request.user)
    board = topics_board(period=selectors.parse_period(request.GET.get("period")))
    return _render_topics(request, board)


@login_required
@require_GET
def network_topics_csv(request: HttpRequest, table: str) -> HttpResponse:
    access.check_network_access(request.user)
    board = topics_board(period=selectors.parse_period(request.GET.get("period")))
    chosen = _pick(_topics_tables(board), table)
    return _csv(chosen, f"torg-network-topics-{table}-{board.since}-{board.until}")


@login_required
@require_GET
def group_topics(request: HttpRequest, slug: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    board = topics_board(period=selectors.parse_period(request.GET.get("period")), group=target)
    return _render_topics(request, board, names=group_content_visible(request, target))


@login_required
@require_GET
def group_topics_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    board = topics_board(period=selectors.parse_period(request.GET.get("period")), group=target)
    if table != "questions" and not group_content_visible(request, target):
        raise Http404("Not found")  # topic names are the group's content
    chosen = _pick(_topics_tables(board), table)
    return _csv(chosen, f"torg-group-{target.slug}-topics-{table}-{board.since}-{board.until}")


@login_required
@require_GET
def network_people(request: HttpRequest) -> HttpResponse:
    access.check_network_access(request.user)
    board = people_board(period=selectors.parse_period(request.GET.get("period")))
    return _render_people(request, board, names=True)


@login_required
@require_GET
def network_people_csv(request: HttpRequest, table: str) -> HttpResponse:
    access.check_network_access(request.user)
    board = people_board(period=selectors.parse_period(request.GET.get("period")))
    chosen = _pick(_people_tables(board), table)
    return _csv(chosen, f"torg-network-people-{table}-{board.since}-{board.until}")


@login_required
@require_GET
def group_people(request: HttpRequest, slug: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    names = group_content_visible(request, target)
    period = selectors.parse_period(request.GET.get("period"))
    board = people_board(period=period, group=target) if names else _nameless(period, target)
    return _render_people(request, board, names=names)


@login_required
@require_GET
def group_people_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    if not group_content_visible(request, target):
        raise Http404("Not found")
    board = people_board(period=selectors.parse_period(request.GET.get("period")), group=target)
    chosen = _pick(_people_tables(board), table)
    return _csv(chosen, f"torg-group-{target.slug}-people-{table}-{board.since}-{board.until}")


def _nameless(period: int, group: Group) -> PeopleBoard:
    """The page's frame without reading anyone's figures."""
    until = timezone.localdate()
    return PeopleBoard(
        period=period,
        since=until - timedelta(days=period - 1),
        until=until,
        group=group,
        contributors=Table("contributors", CONTRIBUTOR_COLUMNS),
        leaders=None,
        leader_figures=None,
    )
