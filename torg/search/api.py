"""Search REST API: GET /api/v1/search and GET /api/v1/search/suggest.

Both apply exactly the rules of the search page: only what the caller may see right now.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.html import strip_tags
from ninja import Router, Schema
from ninja.errors import HttpError

from torg.search import results
from torg.search.forms import SearchForm
from torg.search.selectors import parse

router = Router(tags=["search"])


class HitOut(Schema):
    type: str
    id: int
    url: str
    title: str
    snippet_html: str
    created_at: datetime | None
    author_id: int | None
    group_id: int | None


class SectionOut(Schema):
    type: str
    total: int
    total_is_capped: bool
    items: list[HitOut]


class SearchOut(Schema):
    q: str
    type: str | None
    page: int
    has_next: bool
    sections: list[SectionOut]


class SuggestionOut(Schema):
    type: str
    id: int
    title: str
    subtitle: str
    url: str


class SuggestOut(Schema):
    items: list[SuggestionOut]


def _hit(hit: results.Hit) -> dict[str, Any]:
    return {
        "type": hit.kind,
        "id": hit.id,
        "url": hit.url,
        "title": hit.title,
        "snippet_html": str(hit.snippet_html),
        "created_at": hit.created_at,
        "author_id": hit.author.pk if hit.author else None,
        "group_id": hit.group.pk if hit.group else None,
    }


@router.get(
    "",
    response=SearchOut,
    summary="Search posts, comments, files, people, groups and topics",
    description=(
        "Parameters: q (words), type (post, comment, file, person, group, topic; empty: a few "
        "of each kind with totals), group (slug), author (person id), date_from, date_to "
        "(YYYY-MM-DD), tag (hashtag), has_attachment, order (relevance or date), page. "
        "Totals are counted up to 1000. Snippets are HTML: escaped text with matches in <mark>."
    ),
)
def search(request: HttpRequest) -> dict[str, Any]:
    form = SearchForm(request.GET, actor=request.user)
    if not form.is_valid():
        messages = [
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        ]
        raise HttpError(400, "; ".join(messages))
    data = form.cleaned_data
    found = results.search(
        request.user,
        parse(data["q"]),
        kind=data["type"] or None,
        filters=form.filters(),
        order=data["order"],
        page=data["page"] or 1,
    )
    return {
        "q": data["q"],
        "type": found.kind,
        "page": found.page,
        "has_next": found.has_next,
        "sections": [
            {
                "type": section.kind,
                "total": min(section.total, 1000),
                "total_is_capped": section.capped,
                "items": [_hit(hit) for hit in section.hits],
            }
            for section in found.sections
        ],
    }


@router.get(
    "/suggest",
    response=SuggestOut,
    url_name="search_suggest",
    summary="Suggestions while typing: people, groups and topics whose names start with q",
)
def suggest(request: HttpRequest, q: str = "") -> dict[str, Any]:
    if len(q) > 200 or "\x00" in q:
        raise HttpError(400, "q: at most 200 characters, no control characters.")
    items = []
    for hit in results.suggest(request.user, q):
        items.append(
            {
                "type": hit.kind,
                "id": hit.id,
                "title": hit.title,
                "subtitle": html.unescape(strip_tags(str(hit.snippet_html))),
                "url": hit.url,
            }
        )
    return {"items": items}
