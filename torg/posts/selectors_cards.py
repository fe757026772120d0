"""The per-page card reads of ``prefetch_for_cards`` that return plain values, as fixed SQL.

Why: on a feed page these four statements (latest comments with their authors, reaction counts
with my reaction for posts and for comments, my roles) are small and fast in the database; most
of their cost was Django building and compiling the same querysets on every page (the latest
comments' window query alone took a tenth of the page). Here the SQL text is fixed (only the
number of ``%s`` in the id lists varies), portable between SQLite and PostgreSQL, and run through
Django's connection (so query counting, logging and transactions are unchanged). Results are
exactly what the ORM versions return (``torg.posts.tests.test_cards_sql`` compares them):

- ``latest_comments``: as ``torg.posts.comment_actions.latest_comments_for`` (the newest ``n``
  shown top-level comments per post, oldest first, author attached), model instances made with
  ``Model.from_db`` and Django's own column converters;
- ``reaction_summaries``: as ``torg.posts.reaction_actions.reaction_summary_for`` /
  ``reaction_summary_for_comments`` ({"counts": {kind: n}, "mine": kind or None});
- ``roles``: {group id: role} of ``person`` in these groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import connections, router

from torg.groups.models import Membership
from torg.posts.models import Comment, Reaction

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.posts.reaction_actions import ReactionSummary


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


@cache
def _comment_columns() -> tuple[list[Any], list[Any], str]:
    """Comment and author fields, and the SELECT list that reads them (aliases c and u)."""
    user_model = get_user_model()
    comment_fields = list(Comment._meta.concrete_fields)
    user_fields = list(user_model._meta.concrete_fields)
    select = ", ".join(
        [f'c."{f.column}"' for f in comment_fields] + [f'u."{f.column}"' for f in user_fields]
    )
    return comment_fields, user_fields, select


def latest_comments(post_ids: Sequence[int], n: int) -> dict[int, list[Comment]]:
    """The newest ``n`` shown top-level comments of each post (oldest first), authors attached."""
    result: dict[int, list[Comment]] = {pk: [] for pk in post_ids}
    if not post_ids or n <= 0:
        return result
    comment_fields, user_fields, select = _comment_columns()
    user_model = get_user_model()
    comments, users = Comment._meta.db_table, user_model._meta.db_table
    sql = (
        f"SELECT {select} FROM ("  # noqa: S608 - table/column names from models; values are parameters
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY created_at DESC, id DESC)"
        f" AS latest_rank FROM {comments}"
        f" WHERE post_id IN ({_placeholders(len(post_ids))}) AND parent_id IS NULL"
        f" AND (deleted_at IS NULL OR reply_count > 0)) c"
        f' JOIN {users} u ON u."id" = c."author_id"'
        f" WHERE c.latest_rank <= %s ORDER BY c.post_id, c.created_at, c.id"
    )
    db = router.db_for_read(Comment)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*post_ids, n])
        rows = cursor.fetchall()
    if not rows:
        return result
    compiler = Comment.objects.none().query.get_compiler(connection=connection)
    columns = [f.get_col("c") for f in comment_fields] + [f.get_col("u") for f in user_fields]
    converters = compiler.get_converters(columns)
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    comment_names = [f.attname for f in comment_fields]
    user_names = [f.attname for f in user_fields]
    split = len(comment_fields)
    author_cache = Comment._meta.get_field("author")
    authors: dict[int, Any] = {}
    for row in rows:
        comment = Comment.from_db(db, comment_names, row[:split])
        author = authors.get(comment.author_id)
        if author is None:
            author = authors[comment.author_id] = user_model.from_db(db, user_names, row[split:])
        author_cache.set_cached_value(comment, author)
        result[comment.post_id].append(comment)
    return result


def reaction_summaries(target: str, ids: Sequence[int], person: User) -> dict[int, ReactionSummary]:
    """Reaction counts by kind and ``person``'s own reaction, for posts or comments, one query.

    ``target`` is "post" or "comment"; post reactions are those without a comment.
    """
    result: dict[int, ReactionSummary] = {pk: {"counts": {}, "mine": None} for pk in ids}
    if not ids:
        return result
    column = {"post": "post_id", "comment": "comment_id"}[target]
    only_posts = " AND comment_id IS NULL" if target == "post" else ""
    sql = (
        f"SELECT {column}, kind, COUNT(*), COUNT(CASE WHEN user_id = %s THEN 1 END)"  # noqa: S608 - table/column names from models; values are parameters
        f" FROM {Reaction._meta.db_table}"
        f" WHERE {column} IN ({_placeholders(len(ids))}){only_posts}"
        f" GROUP BY {column}, kind ORDER BY {column}, kind"
    )
    with connections[router.db_for_read(Reaction)].cursor() as cursor:
        cursor.execute(sql, [person.pk, *ids])
        for target_id, kind, count, mine in cursor.fetchall():
            result[target_id]["counts"][kind] = count
            if mine:
                result[target_id]["mine"] = kind
    return result


def roles(person: User, group_ids: Sequence[int]) -> dict[int, str]:
    """{group id: ``person``'s role} for the groups of ``group_ids`` they are a member of."""
    if not group_ids:
        return {}
    sql = (
        f"SELECT group_id, role FROM {Membership._meta.db_table}"  # noqa: S608 - table/column names from models; values are parameters
        f" WHERE user_id = %s AND group_id IN ({_placeholders(len(group_ids))})"
    )
    with connections[router.db_for_read(Membership)].cursor() as cursor:
        cursor.execute(sql, [person.pk, *group_ids])
        return dict(cursor.fetchall())
