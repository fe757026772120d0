"""Search reads: ranked ids, capped counts, results ready for pages and the API, suggestions.

Permissions are part of every query. A document is only a pointer; each query joins it to what
the actor may see *now*:
- posts, comments, files: ``d.post_id`` in ``visible_posts(actor)`` (the posts app's rule:
  open groups, the actor's groups, profile posts for employees, not deleted), and for comments
  and comment files the comment is not deleted;
- groups: ``visible_groups(actor)`` (secret groups only for members and invitees);
- people: ``visible_people(actor)`` (guests see people who share a group with them);
- topics: only hashtags used on at least one post the actor may see.
Filters (group, author, hashtag, has attachment) narrow the visible-posts query itself, so they
can never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any, Literal

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from torg.accounts.models import User
from torg.core.markdown import normalize_hashtag
from torg.groups.access import as_person, visible_groups
from torg.people.access import visible_people
from torg.posts.access import visible_posts
from torg.posts.models import Attachment, Comment, Post, PostHashtag
from torg.search import sqlite_rank
from torg.search.backends import MatchSql, backend
from torg.search.models import SearchDocument
from torg.search.text import ParsedQuery, parse_query

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

Kind = SearchDocument.Kind
Order = Literal["relevance", "date"]
ORDERS: tuple[str, ...] = ("relevance", "date")
KINDS: tuple[str, ...] = tuple(Kind.values)
CONTENT_KINDS: tuple[str, ...] = (Kind.POST, Kind.COMMENT, Kind.FILE)
SUGGEST_KINDS: tuple[str, ...] = (Kind.PERSON, Kind.GROUP, Kind.TOPIC)
COUNT_CAP = 1000
RELEVANCE_WINDOW = 1000
NAMES_WINDOW = 200
MAX_LIMIT = 50


@dataclass(frozen=True)
class Filters:
    group_id: int | None = None
    author_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    hashtag: str = ""
    has_attachment: bool = False

    @property
    def narrows_content(self) -> bool:
        """Filters that only posts, comments and files have."""
        return bool(self.group_id or self.author_id or self.hashtag or self.has_attachment)

    def kinds(self, kinds: tuple[str, ...]) -> tuple[str, ...]:
        if self.narrows_content:
            return tuple(k for k in kinds if k in CONTENT_KINDS)
        return kinds


NO_FILTERS = Filters()


DOC = "search_searchdocument"


def _visible_posts(person: User, filters: Filters) -> QuerySet[Post]:
    posts = visible_posts(person)
    if filters.group_id:
        posts = posts.filter(group_id=filters.group_id)
    if filters.hashtag:
        posts = posts.filter(
            Exists(
                PostHashtag.objects.filter(
                    post=OuterRef("pk"), hashtag__name=normalize_hashtag(filters.hashtag)
                )
            )
        )
    if filters.has_attachment:
        posts = posts.filter(Exists(Attachment.objects.filter(post=OuterRef("pk"))))
    return posts


class Probe(Exists):
    """EXISTS that PostgreSQL evaluates per row: ``IS TRUE`` keeps the planner from turning it
    into a join over everything a person may see (a hash of every visible post); as a probe it
    is a primary-key lookup per candidate. SQLite runs it the same way either way."""

    template = "(EXISTS(%(subquery)s)) IS TRUE"


class ScalarProbe(Subquery):
    """``(SELECT <boolean column> … LIMIT 1) IS TRUE``: a scalar subquery, which PostgreSQL
    runs per row (it never turns one into a hash of the whole table, as it may an EXISTS)."""

    template = "((%(subquery)s) IS TRUE)"
    output_field = BooleanField()


def permission(person: User, kind: str, filters: Filters) -> tuple[Q, Q]:
    """Documents of ``kind`` that ``person`` may see now, as two conditions on SearchDocument:
    plain column tests (kind, dates, author) and the access test (correlated EXISTS).

    The access test is evaluated per candidate document (a primary-key probe of the post, or
    group, person, hashtag), so a search never materialises everything a person may see.
    """
    plain = Q(kind=kind)
    zone = timezone.get_current_timezone()
    if filters.date_from:
        plain &= Q(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=zone))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
        plain &= Q(created_at__lt=end)
    if kind in CONTENT_KINDS:
        if filters.author_id:
            plain &= Q(author_id=filters.author_id)
        posts = _visible_posts(person, filters).filter(pk=OuterRef("post_id"))
        access = Q(Probe(posts))
        if kind != Kind.POST:
            live_comment = Comment.objects.filter(
                pk=OuterRef("comment_id"), deleted_at__isnull=True
            )
            access &= Q(comment_id__isnull=True) | Q(Probe(live_comment))
        return plain, access
    if kind == Kind.GROUP:
        return plain, Q(Probe(visible_groups(person).filter(pk=OuterRef("object_id"))))
    if kind == Kind.PERSON:
        if not person.is_guest:
            # Employees see every active person: a primary-key lookup per candidate. (As an
            # EXISTS, PostgreSQL hashes all 100,000 people for a two-letter prefix.)
            active = (
                User.objects.filter(pk=OuterRef("object_id")).order_by().values("is_active")[:1]
            )
            return plain, Q(ScalarProbe(active))
        return plain, Q(Probe(visible_people(person).filter(pk=OuterRef("object_id"))))
    if kind == Kind.TOPIC:
        tagged_visible = PostHashtag.objects.filter(hashtag_id=OuterRef("object_id")).filter(
            Probe(visible_posts(person).filter(pk=OuterRef("post_id")))
        )
        return plain, Q(Probe(tagged_visible))
    raise ValueError(kind)


def _where(condition: Q) -> tuple[str, list[Any]]:
    """The SQL of ``condition`` on the document table (columns qualified by its name)."""
    query = SearchDocument.objects.filter(condition).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.where)
    return sql, list(params)


# Compiled permission SQL per person, kind and filters (see ``_permission_sql``).
_compiled: dict[tuple[Any, ...], tuple[float, tuple[str, list[Any], str, list[Any]]]] = {}
COMPILED_SECONDS = 60.0
COMPILED_MAX = 4096


def _permission_sql(
    person: User, kind: str, filters: Filters
) -> tuple[str, list[Any], str, list[Any]]:
    """``permission()`` compiled to SQL: (plain SQL, its params, access SQL, its params).

    Building and compiling the access querysets costs several milliseconds of Python per
    call, more than the suggestion query itself. The result is SQL text whose only inputs
    are the person's id and kind of account (the access rules are evaluated by the database
    when the query runs, never read here), so it is kept per process for a minute, keyed by
    everything it is built from. A build that reads the database is never kept: should an
    access rule ever start reading rows while it is built, its SQL would hold data that can
    go stale.
    """
    key = (
        connection.alias,
        kind,
        filters,
        person.pk,
        person.is_guest,
        person.is_staff,
        person.is_superuser,
        timezone.get_current_timezone_name(),
    )
    now = monotonic()
    found = _compiled.get(key)
    if found is not None and now - found[0] < COMPILED_SECONDS:
        return found[1]
    read: list[str] = []

    def note(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        read.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        plain, access = permission(person, kind, filters)
        plain_sql, plain_params = _where(plain)
        access_sql, access_params = _where(access)
    compiled = (plain_sql, plain_params, access_sql, access_params)
    if not read:
        if len(_compiled) >= COMPILED_MAX:
            _compiled.clear()
        _compiled[key] = (now, compiled)
    return compiled


def _base(
    person: User,
    query: ParsedQuery,
    kind: str,
    filters: Filters,
    *,
    names_only: bool = False,
    with_access: bool = True,
) -> tuple[MatchSql, str, list[Any]]:
    """(backend fragments, FROM … WHERE …, params) for ``kind``'s visible matches."""
    match = backend().match(query, kind, names_only=names_only)
    plain_sql, plain_params, access_sql, access_params = _permission_sql(person, kind, filters)
    if not with_access:
        access_sql, access_params = "1 = 1", []
    sql = f"FROM {match.tables} WHERE {match.where} AND {plain_sql} AND {access_sql}"
    params = [*match.table_params, *match.where_params, *plain_params, *access_params]
    return match, sql, params


def ranked_statement(
    person: User,
    query: ParsedQuery,
    kind: str,
    *,
    filters: Filters = NO_FILTERS,
    order: Order = "relevance",
    offset: int = 0,
    limit: int = 20,
    names_only: bool = False,
    with_access: bool = True,
) -> tuple[str, list[Any]]:
    """The SQL (``%s`` placeholders) and parameters of one page of object ids.

    ``with_access=False`` leaves the access test out: only for the benchmark's baseline.
    """
    match, sql, params = _base(
        person, query, kind, filters, names_only=names_only, with_access=with_access
    )
    if order == "date":
        statement = (
            f"SELECT {DOC}.object_id {sql} "
            f"ORDER BY {DOC}.created_at DESC, {DOC}.id DESC LIMIT %s OFFSET %s"
        )
    else:
        # Rank the RELEVANCE_WINDOW newest matches (all of them when there are fewer): the
        # cost of ranking stays bounded however common the words are. Suggestions rank a
        # smaller window of names (NAMES_WINDOW).
        window = NAMES_WINDOW if names_only else RELEVANCE_WINDOW
        window_order = f"ORDER BY {match.window_order} " if match.window_order else ""
        statement = (
            f"SELECT object_id FROM (SELECT {DOC}.object_id, {DOC}.id, {match.score} AS score "  # noqa: S608 - fixed SQL fragments; values are parameters
            f"{sql} {window_order}LIMIT {window}) AS candidates "
            "ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
        )
        params = [*match.score_params, *params]
    return statement, [*params, limit, offset]


def window_statement(
    person: User,
    query: ParsedQuery,
    kind: str,
    *,
    filters: Filters = NO_FILTERS,
    with_access: bool = True,
) -> tuple[str, list[Any]]:
    """SQLite: the RELEVANCE_WINDOW newest visible matches with their stored terms (object_id,
    id, kind, title, body), which ``torg.search.sqlite_rank`` ranks by bm25."""
    match, sql, params = _base(person, query, kind, filters, with_access=with_access)
    statement = (
        f"SELECT {DOC}.object_id, {DOC}.id, search_fts.kind, search_fts.title, "
        f"search_fts.body {sql} ORDER BY {match.window_order} LIMIT {RELEVANCE_WINDOW}"
    )
    return statement, params


def ranked_ids(
    actor: User | AnonymousUser,
    query: ParsedQuery,
    kind: str,
    *,
    filters: Filters = NO_FILTERS,
    order: Order = "relevance",
    offset: int = 0,
    limit: int = 20,
    names_only: bool = False,
) -> list[int]:
    """Object ids of ``kind`` matching ``query`` that ``actor`` may see, best (or newest) first."""
    person = as_person(actor)
    if person is None or not query or kind not in filters.kinds(KINDS):
        return []
    offset, limit = max(0, int(offset)), max(1, min(int(limit), MAX_LIMIT))
    if connection.vendor == "sqlite" and order == "relevance" and not names_only:
        # bm25 computed over the window in Python, with FTS5's per-phrase row counts kept
        # while the index is unchanged (torg.search.sqlite_rank); None: FTS5's bm25().
        window_sql, window_params = window_statement(person, query, kind, filters=filters)
        ranked = sqlite_rank.rank(window_sql, window_params, query, offset=offset, limit=limit)
        if ranked is not None:
            return ranked
    statement, params = ranked_statement(
        person,
        query,
        kind,
        filters=filters,
        order=order,
        offset=offset,
        limit=limit,
        names_only=names_only,
    )
    # People's and groups' names: a small index and a plan far below PostgreSQL's JIT
    # threshold (cost about 5,000 of 100,000 on the 1,000,000-post dataset), so no transaction
    # and SET around them (three round trips of four). Topics probe posts: estimated far above.
    cheap = names_only and kind in (Kind.PERSON, Kind.GROUP)
    return [row[0] for row in _fetch(statement, params, jit_off=not cheap)]


def _fetch(statement: str, params: list[Any], *, jit_off: bool = True) -> list[tuple[Any, ...]]:
    """Run a search statement. On PostgreSQL without JIT: the access probes make the planner's
    cost estimate huge, and compiling the plan would cost far more than running it."""
    if connection.vendor != "postgresql" or not jit_off:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def count(
    actor: User | AnonymousUser,
    query: ParsedQuery,
    kind: str,
    *,
    filters: Filters = NO_FILTERS,
    cap: int = COUNT_CAP,
) -> int:
    """How many visible matches of ``kind`` there are, counting at most ``cap + 1``."""
    person = as_person(actor)
    if person is None or not query or kind not in filters.kinds(KINDS):
        return 0
    _match, sql, params = _base(person, query, kind, filters)
    statement = f"SELECT count(*) FROM (SELECT 1 AS one {sql} LIMIT %s) AS capped"  # noqa: S608 - fixed SQL fragments; values are parameters
    rows = _fetch(statement, [*params, cap + 1])
    return int(rows[0][0]) if rows else 0


def counts(
    actor: User | AnonymousUser, query: ParsedQuery, *, filters: Filters = NO_FILTERS
) -> dict[str, int]:
    return {kind: count(actor, query, kind, filters=filters) for kind in filters.kinds(KINDS)}


def parse(text: str, *, prefix: bool = False) -> ParsedQuery:
    return parse_query(text, prefix=prefix)
