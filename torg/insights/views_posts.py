"""One post's insights page and its CSV downloads (see torg/insights/posts.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from torg.insights import access, posts
from torg.insights.views import _csv, _labelled


@login_required
@require_GET
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    figures = posts.post_insights(access.access_post_insights(request.user, post_id))
    return render(
        request,
        "insights/post.html",
        {
            "insights": figures,
            "post": figures.post,
            "tables": {key: _labelled(table) for key, table in figures.tables.items()},
        },
    )


@login_required
@require_GET
def post_csv(request: HttpRequest, post_id: int, table: str) -> HttpResponse:
    figures = posts.post_insights(access.access_post_insights(request.user, post_id))
    if table not in figures.tables:
        raise Http404("Not found")
    return _csv(figures.tables[table], f"torg-post-{figures.post.pk}-{table}")
