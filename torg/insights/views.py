"""Insights pages and CSV downloads. Thin: access check, then one selector over rollups."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from torg.groups.models import Group
from torg.insights import access, posts, selectors
from torg.insights.selectors import Table

COLUMN_LABELS = {
    "day": _("Day"),
    "active": _("Daily active"),
    "weekly_active": _("Weekly active"),
    "monthly_active": _("Monthly active"),
    "posters": _("Posters"),
    "posts": _("Posts"),
    "comments": _("Comments"),
    "reactions": _("Reactions"),
    "messages": _("Chat messages"),
    "sad_reactions": _("Sad reactions"),
    "negative_comments": _("Negative comments"),
    "department": _("Department"),
    "location": _("Location"),
    "people": _("People"),
    "average_daily_active": _("Average daily active"),
    "active_share": _("Active share"),
    "members": _("Members"),
    "active_members": _("Active members"),
    "readers": _("Readers"),
    "reach": _("Reach"),
    "hour": _("Hour"),
    "engagement": _("Engagement"),
    "engagement_per_post": _("Engagement per post"),
    "post_id": _("Post"),
    "posted": _("Posted"),
    "excerpt": _("Text"),
    "seen": _("Seen by"),
    "shares": _("Shares"),
    # Post insights and the "what engages / what frustrates" rankings.
    "group": _("Group"),
    "engagement_rate": _("Engagement per person who saw it"),
    "negative_share": _("Negative share"),
    "figure": _("Figure"),
    "value": _("Value"),
    "kind": _("Reaction"),
    "share": _("Share of reactions"),
    "name": _("Name"),
    "seen_at": _("Seen"),
    "video": _("Video"),
    "views": _("Views"),
    "unique_viewers": _("People who watched"),
    "average_seconds": _("Average watch time (seconds)"),
    "completion_rate": _("Watched to the end"),
    "playbacks": _("Playbacks"),
    "from_percent": _("From (per cent)"),
    "to_percent": _("To (per cent)"),
    "share_of_views": _("Share of views"),
}


def _labelled(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "labels": [COLUMN_LABELS[c] for c in table.columns],
        "rows": table.rows,
    }


def _chart(table: Table, series: list[str], board: Any) -> dict[str, Any]:
    """Data for static/insights/charts.js: x = days, one line per series, the period's range."""
    index = {c: i for i, c in enumerate(table.columns)}
    return {
        "since": board.since.isoformat(),
        "until": board.until.isoformat(),
        "x": [row[0] for row in table.rows],
        "series": [
            {"label": str(COLUMN_LABELS[name]), "values": [row[index[name]] for row in table.rows]}
            for name in series
        ],
    }


def _csv(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return response


def _post_rankings(board: Any, *, group: Group | None, with_text: bool) -> tuple[Table, Table]:
    """ "What engages" and "what frustrates" over the board's period (network: open groups)."""
    window = {"since": board.since, "until": board.until, "group": group, "with_text": with_text}
    return posts.engaging_posts(**window), posts.frustrating_posts(**window)


@login_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    access.check_network_access(request.user)
    period = selectors.parse_period(request.GET.get("period"))
    board = selectors.network_dashboard(period=period)
    engaging, frustrating = _post_rankings(board, group=None, with_text=True)
    return render(
        request,
        "insights/network.html",
        {
            "board": board,
            "engaging_posts": _labelled(engaging),
            "frustrating_posts": _labelled(frustrating),
            "periods": selectors.PERIODS,
            "daily": _labelled(board.daily),
            "departments": _labelled(board.departments),
            "locations": _labelled(board.locations),
            "activity_chart": _chart(
                board.daily, ["active", "weekly_active", "monthly_active"], board
            ),
            "content_chart": _chart(
                board.daily, ["posts", "comments", "reactions", "messages"], board
            ),
        },
    )


@login_required
@require_GET
def network_csv(request: HttpRequest, table: str) -> HttpResponse:
    access.check_network_access(request.user)
    period = selectors.parse_period(request.GET.get("period"))
    board = selectors.network_dashboard(period=period)
    engaging, frustrating = _post_rankings(board, group=None, with_text=True)
    tables = {
        "daily": board.daily,
        "departments": board.departments,
        "locations": board.locations,
        "engaging_posts": engaging,
        "frustrating_posts": frustrating,
    }
    if table not in tables:
        raise Http404("Not found")
    return _csv(tables[table], f"torg-network-{table}-{board.since}-{board.until}")


@login_required
@require_GET
def group(request: HttpRequest, slug: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    period = selectors.parse_period(request.GET.get("period"))
    with_text = access.may_read_posts(request.user, target)
    board = selectors.group_dashboard(group=target, period=period, with_text=with_text)
    engaging, frustrating = _post_rankings(board, group=target, with_text=with_text)
    return render(
        request,
        "insights/group.html",
        {
            "board": board,
            "engaging_posts": _labelled(engaging),
            "frustrating_posts": _labelled(frustrating),
            "periods": selectors.PERIODS,
            "daily": _labelled(board.daily),
            "best_hours": _labelled(board.best_hours),
            "top_posts": _labelled(board.top_posts),
            "members_chart": _chart(board.daily, ["members", "active_members", "readers"], board),
            "content_chart": _chart(board.daily, ["posts", "comments", "reactions"], board),
        },
    )


@login_required
@require_GET
def group_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    target = access.access_group_insights(request.user, slug)
    period = selectors.parse_period(request.GET.get("period"))
    with_text = access.may_read_posts(request.user, target)
    board = selectors.group_dashboard(group=target, period=period, with_text=with_text)
    engaging, frustrating = _post_rankings(board, group=target, with_text=with_text)
    tables = {
        "daily": board.daily,
        "best_hours": board.best_hours,
        "top_posts": board.top_posts,
        "engaging_posts": engaging,
        "frustrating_posts": frustrating,
    }
    if table not in tables:
        raise Http404("Not found")
    return _csv(tables[table], f"torg-group-{target.slug}-{table}-{board.since}-{board.until}")


@login_required
@require_GET
def nav(request: HttpRequest) -> HttpResponse:
    """The "Insights" link for communications and group admins; empty for everyone else."""
    if access.can_view_network(request.user) or access.insight_groups(request.user, limit=1):
        return render(request, "insights/_nav_link.html")
    return HttpResponse("")


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Communications land on the network dashboard; group admins on the list of their groups."""
    if access.can_view_network(request.user) and "groups" not in request.GET:
        return redirect("insights:network")
    groups = access.insight_groups(request.user)
    if not groups and not access.can_view_network(request.user):
        raise Http404("Not found")
    return render(
        request,
        "insights/groups.html",
        {"groups": groups, "can_view_network": access.can_view_network(request.user)},
    )
