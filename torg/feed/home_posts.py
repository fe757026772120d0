"""The home feed's posts query in the "recent" order, as fixed SQL (the page's hottest read).

Why: the statement is fast in the database (PostgreSQL walks the ``created_at`` index backwards),
but building the queryset (``visible_posts`` with its subquery, the sources' IN lists, the keyset,
``select_related``) and compiling it took about a third of a home-feed page's Python time, on
every page. Here the text is put together from fixed pieces (only the number of ``%s`` in the id
lists varies) and run through Django's connection, so query counting, logging and transactions
are unchanged; rows become ``Post`` instances with their author and group attached, as
``select_related("author", "group")`` makes them.

The access rule is not written out again here. The WHERE clause of
``torg.posts.access.visible_posts`` is compiled by the ORM itself, once per database and kind of
person (guest or not), for a stand-in person whose id is a marker; each page puts the viewer's
id where the marker was. So the rule stays in one place and is applied in SQL on every page,
exactly as ``home_queryset`` applies it (``torg/feed/tests/test_home_posts.py`` compares the two
for every kind of source and person). The rule may depend on the person only through their id
and ``is_guest``: a rule reading any other attribute must be added to ``_visibility``'s key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import connections, router

from torg.groups.models import Group
from torg.posts.access import visible_posts
from torg.posts.models import Post, PostHashtag
from torg.posts.selectors_cards import (
    column_count,
    from_row,
    id_in,
    select_columns,
)

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.feed.selectors import FeedSources

# Stands for the viewer's id in the compiled visibility clause; no row has a negative id.
_VIEWER_MARKER = -7_319_046_028_413


@dataclass(frozen=True)
class _Visibility:
    sql: str
    params: tuple[Any, ...]
    viewer_positions: tuple[int, ...]  # where the viewer's id goes in ``params``

    def bind(self, viewer_id: int) -> list[Any]:
        params = list(self.params)
        for position in self.viewer_positions:
            params[position] = viewer_id
        return params


_VISIBILITY: dict[tuple[str, str, bool], _Visibility] = {}


def _visibility(connection: Any, is_guest: bool) -> _Visibility:
    """``visible_posts``' WHERE clause for a person (guest or not), compiled once."""
    key = (connection.alias, connection.vendor, is_guest)
    found = _VISIBILITY.get(key)
    if found is None:
        stand_in = get_user_model()(pk=_VIEWER_MARKER, is_guest=is_guest, is_active=True)
        query = visible_posts(stand_in).query
        sql, params = query.get_compiler(connection=connection).compile(query.where)
        positions = tuple(i for i, value in enumerate(params) if value == _VIEWER_MARKER)
        if not positions:  # the rule no longer names the viewer: refuse to guess
            raise RuntimeError("visible_posts() compiled without the viewer's id")
        found = _VISIBILITY[key] = _Visibility(sql, tuple(params), positions)
    return found


def recent_posts(
    person: User, sources: FeedSources, after: tuple[datetime, int] | None, limit: int
) -> list[Post]:
    """Up to ``limit`` posts of ``person``'s home feed, newest first, after the keyset position
    ``after`` (created_at, id); each with ``author`` and ``group`` loaded.

    The same rows, in the same order, as
    ``home_queryset(person, sources).order_by("-created_at", "-pk")`` (plus the keyset filter).
    """
    users = get_user_model()
    db = router.db_for_read(Post)
    connection = connections[db]
    posts_table = connection.ops.quote_name(Post._meta.db_table)
    visibility = _visibility(connection, person.is_guest)
    params: list[Any] = visibility.bind(person.pk)

    sourced: list[str] = []
    for column, ids in (
        (f'{posts_table}."group_id"', sources.group_ids),
        (f'{posts_table}."author_id"', sources.person_ids),
        ('h."hashtag_id"', sources.hashtag_ids),
    ):
        if not ids:
            continue
        condition, more = id_in(connection, column, sorted(ids))
        if column.startswith("h."):
            condition = (
                f'{posts_table}."id" IN (SELECT h."post_id" FROM {PostHashtag._meta.db_table} h'  # noqa: S608 - table/column names from models; values are parameters
                f" WHERE {condition})"
            )
        sourced.append(condition)
        params += more
    if not sourced:
        return []
    keyset = ""
    if after is not None:
        created_at = connection.ops.adapt_datetimefield_value(after[0])
        keyset = (
            f' AND ({posts_table}."created_at" < %s'
            f' OR ({posts_table}."created_at" = %s AND {posts_table}."id" < %s))'
        )
        params += [created_at, created_at, after[1]]
    sql = (
        f"SELECT {select_columns(Post, posts_table)}, {select_columns(users, 'u')},"  # noqa: S608 - table/column names from models; values are parameters
        f" {select_columns(Group, 'g')}"
        f" FROM {posts_table}"
        f' INNER JOIN {users._meta.db_table} u ON u."id" = {posts_table}."author_id"'
        f' LEFT OUTER JOIN {Group._meta.db_table} g ON g."id" = {posts_table}."group_id"'
        f" WHERE ({visibility.sql}) AND ({' OR '.join(sourced)}){keyset}"
        f' ORDER BY {posts_table}."created_at" DESC, {posts_table}."id" DESC'
        f" LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    user_start = column_count(Post)
    group_start = user_start + column_count(users)
    author_field, group_field = Post._meta.get_field("author"), Post._meta.get_field("group")
    authors: dict[int, Any] = {}
    groups: dict[int, Group] = {}
    posts: list[Post] = []
    for row in rows:
        post = from_row(connection, Post, row[:user_start])
        author = authors.get(post.author_id)
        if author is None:
            author = authors[post.author_id] = from_row(
                connection, users, row[user_start:group_start]
            )
        group = None
        if post.group_id is not None:
            group = groups.get(post.group_id)
            if group is None:
                group = groups[post.group_id] = from_row(connection, Group, row[group_start:])
        author_field.set_cached_value(post, author)
        group_field.set_cached_value(post, group)
        posts.append(post)
    return posts
