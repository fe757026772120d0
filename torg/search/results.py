"""Search results ready to show: ranked ids (``selectors``) turned into hits with links and
highlighted snippets, grouped by kind for the results page, and suggestions for the header box.

Snippets are made from the *current* text of each object (never stale index text), escaped, with
matches wrapped in <mark>.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from torg.accounts.models import User
from torg.groups.models import Group
from torg.posts.models import Attachment, Comment, Hashtag, Post
from torg.search import selectors
from torg.search.models import SearchDocument
from torg.search.selectors import Filters, Order
from torg.search.text import ParsedQuery, highlight

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

Kind = SearchDocument.Kind
SECTION_SIZE = 3
PAGE_SIZE = 20


@dataclass
class Hit:
    kind: str
    id: int
    url: str
    title: str
    title_html: SafeString
    snippet_html: SafeString
    created_at: datetime | None = None
    author: User | None = None
    group: Group | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    kind: str
    label: str
    hits: list[Hit]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > selectors.COUNT_CAP

    @property
    def shown_total(self) -> str:
        return f"{selectors.COUNT_CAP}+" if self.capped else str(self.total)


@dataclass
class Results:
    query: ParsedQuery
    sections: list[Section]
    kind: str | None = None
    page: int = 1
    has_next: bool = False

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


def _mark(text: str, query: ParsedQuery, length: int = 220) -> SafeString:
    return mark_safe(highlight(text, query, length=length))  # noqa: S308 - escaped in highlight


def _hits(kind: str, ids: list[int], query: ParsedQuery) -> list[Hit]:
    """Hits for ``ids`` in their order (ids come from a permission-checked query)."""
    if not ids:
        return []
    build = _BUILDERS[kind]
    by_id = build(ids, query)
    return [by_id[i] for i in ids if i in by_id]


def _post_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    posts = Post.objects.filter(pk__in=ids, deleted_at__isnull=True).select_related(
        "author", "group"
    )
    return {
        p.pk: Hit(
            kind=Kind.POST,
            id=p.pk,
            url=reverse("posts:detail", args=[p.pk]),
            title=p.author.name,
            title_html=mark_safe(escape(p.author.name)),  # noqa: S308
            snippet_html=_mark(p.body, query),
            created_at=p.created_at,
            author=p.author,
            group=p.group,
        )
        for p in posts
    }


def _comment_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    comments = Comment.objects.filter(pk__in=ids, deleted_at__isnull=True).select_related(
        "author", "post__group"
    )
    return {
        c.pk: Hit(
            kind=Kind.COMMENT,
            id=c.pk,
            url=reverse("posts:detail", args=[c.post_id]) + f"#comment-{c.pk}",
            title=c.author.name,
            title_html=mark_safe(escape(c.author.name)),  # noqa: S308
            snippet_html=_mark(c.body, query),
            created_at=c.created_at,
            author=c.author,
            group=c.post.group,
            extra={"post_id": c.post_id},
        )
        for c in comments
    }


def _file_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    attachments = Attachment.objects.filter(pk__in=ids).select_related("uploader")
    texts = dict(
        SearchDocument.objects.filter(kind=Kind.FILE, object_id__in=ids).values_list(
            "object_id", "body"
        )
    )
    hits = {}
    for a in attachments:
        text = texts.get(a.pk, "")
        hits[a.pk] = Hit(
            kind=Kind.FILE,
            id=a.pk,
            url=reverse("posts:attachment", args=[a.pk]),
            title=a.name,
            title_html=_mark(a.name, query, length=255),
            snippet_html=_mark(text, query) if text else mark_safe(""),
            created_at=a.created_at,
            author=a.uploader,
            extra={"post_id": a.post_id, "size": a.size},
        )
    return hits


def _person_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    people = User.objects.filter(pk__in=ids, is_active=True).prefetch_related("skills")
    hits = {}
    for u in people:
        skills = ", ".join(s.name for s in u.skills.all())
        about = " · ".join(part for part in [u.job_title, skills] if part)
        hits[u.pk] = Hit(
            kind=Kind.PERSON,
            id=u.pk,
            url=reverse("people:profile", args=[u.pk]),
            title=u.name,
            title_html=_mark(u.name, query, length=255),
            snippet_html=_mark(about, query) if about else mark_safe(""),
            author=u,
        )
    return hits


def _group_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    return {
        g.pk: Hit(
            kind=Kind.GROUP,
            id=g.pk,
            url=reverse("groups:detail", args=[g.slug]),
            title=g.name,
            title_html=_mark(g.name, query, length=255),
            snippet_html=_mark(g.description, query) if g.description else mark_safe(""),
            group=g,
            extra={"privacy": g.privacy, "member_count": g.member_count},
        )
        for g in Group.objects.filter(pk__in=ids)
    }


def _topic_hits(ids: list[int], query: ParsedQuery) -> dict[int, Hit]:
    return {
        h.pk: Hit(
            kind=Kind.TOPIC,
            id=h.pk,
            url=reverse("feed:topic", args=[h.name]),
            title=f"#{h.display_name}",
            title_html=_mark(f"#{h.display_name}", query, length=255),
            snippet_html=mark_safe(""),
        )
        for h in Hashtag.objects.filter(pk__in=ids)
    }


_BUILDERS: dict[str, Callable[[list[int], ParsedQuery], dict[int, Hit]]] = {
    Kind.POST: _post_hits,
    Kind.COMMENT: _comment_hits,
    Kind.FILE: _file_hits,
    Kind.PERSON: _person_hits,
    Kind.GROUP: _group_hits,
    Kind.TOPIC: _topic_hits,
}
# The order of sections on the results page.
SECTION_ORDER: tuple[str, ...] = (
    Kind.PERSON,
    Kind.GROUP,
    Kind.TOPIC,
    Kind.POST,
    Kind.COMMENT,
    Kind.FILE,
)


def search(
    actor: User | AnonymousUser,
    query: ParsedQuery,
    *,
    kind: str | None = None,
    filters: Filters = selectors.NO_FILTERS,
    order: Order = "relevance",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Results:
    """Every kind (a few hits each, with totals), or one kind a page at a time."""
    if not query:
        return Results(query=query, sections=[], kind=kind, page=page)
    labels = dict(Kind.choices)
    if kind is None:
        sections = []
        for each in filters.kinds(SECTION_ORDER):
            total = selectors.count(actor, query, each, filters=filters)
            if not total:
                continue
            ids = selectors.ranked_ids(
                actor, query, each, filters=filters, order=order, limit=SECTION_SIZE
            )
            sections.append(Section(each, str(labels[each]), _hits(each, ids, query), total))
        return Results(query=query, sections=sections)
    page = max(1, page)
    ids = selectors.ranked_ids(
        actor,
        query,
        kind,
        filters=filters,
        order=order,
        offset=(page - 1) * page_size,
        limit=page_size + 1,
    )
    has_next = len(ids) > page_size
    total = selectors.count(actor, query, kind, filters=filters)
    hits = _hits(kind, ids[:page_size], query)
    return Results(
        query=query,
        sections=[Section(kind, str(labels[kind]), hits, total)],
        kind=kind,
        page=page,
        has_next=has_next,
    )


def suggest(actor: User | AnonymousUser, text: str, *, limit: int = 8) -> list[Hit]:
    """People, groups and topics whose names start with what was typed (for the header box)."""
    query = selectors.parse(text, prefix=True)
    if not query:
        return []
    per_kind = max(1, limit // 2)
    hits: list[Hit] = []
    for kind in selectors.SUGGEST_KINDS:
        ids = selectors.ranked_ids(actor, query, kind, limit=per_kind, names_only=True)
        hits.extend(_hits(kind, ids, query))
    return hits[:limit]
