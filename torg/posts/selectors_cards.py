"""The per-page card reads of ``prefetch_for_cards``, as fixed SQL.

Why: on a feed page these statements are small and fast in the database; most of their cost was
Django building and compiling the same querysets on every page (the latest comments' window query
alone took a tenth of the page) and ``Model.__init__``. Here the SQL text is fixed (id lists are
one array parameter on PostgreSQL, see ``id_in``), portable between SQLite and PostgreSQL, and run
through Django's connection (so query counting, logging and transactions are unchanged). Rows
become model instances with Django's own column converters (``from_row``). Results are exactly
what the ORM versions return (``torg.posts.tests.test_cards_sql`` compares them):

- ``latest_comments``: as ``torg.posts.comment_actions.latest_comments_for`` (the newest ``n``
  shown top-level comments per post, oldest first, author attached);
- ``attachments_with_videos``: as ``Attachment.objects.filter(post or comment in the lists)
  .select_related("video")`` (the posts' videos are taken from it: one query instead of two);
- ``polls``: as ``Poll.objects.filter(post_id__in=...)``;
- ``reaction_summaries``: as ``torg.posts.reaction_actions.reaction_summary_for`` /
  ``reaction_summary_for_comments`` ({"counts": {kind: n}, "mine": kind or None});
- ``roles``: {group id: role} of ``person`` in these groups.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from torg.groups.models import Membership
from torg.posts.models import Attachment, Comment, Poll, Reaction

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.posts.reaction_actions import ReactionSummary


def id_in(connection: Any, column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL for ``column IN ids`` and its parameters.

    On PostgreSQL the ids go as one array parameter (``= ANY``; the planner treats an IN list the
    same way), so the statement's text and parameter count stay the same whatever the number of
    ids: psycopg then reuses its parsed form of the statement (it caches statements of at most
    50 parameters). Elsewhere, one ``%s`` per id.
    """
    if connection.vendor == "postgresql":
        # An array literal: psycopg adapts a string faster than a list (whose items it adapts
        # one by one in Python); int() keeps it to digits.
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


# --- rows of fixed SQL into model instances --------------------------------------------------

# Per connection (a connection object belongs to one thread) and model: the column converters
# Django applies to the model's columns, found once rather than on every compiled queryset.
_CONVERTERS: WeakKeyDictionary[Any, dict[type[Model], tuple[tuple[int, Any, Any], ...]]] = (
    WeakKeyDictionary()
)
# Field descriptors whose ``__set__`` does nothing on a new instance but store the value.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


@cache
def select_columns(model: type[Model], alias: str) -> str:
    """The SELECT list of every concrete column of ``model`` under table alias ``alias``."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


@cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(_attnames(model))


def _converters(connection: Any, model: type[Model]) -> tuple[tuple[int, Any, Any], ...]:
    per_connection = _CONVERTERS.setdefault(connection, {})
    found = per_connection.get(model)
    if found is None:
        compiler = model._default_manager.none().query.get_compiler(connection=connection)
        columns = [field.get_col("t") for field in model._meta.concrete_fields]
        found = per_connection[model] = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        )
    return found


@cache
def _plain_init(model: type[Model]) -> bool:
    """Whether ``Model.__init__`` with every column does nothing for ``model`` but set each
    attribute (no own ``__init__``/``from_db``, no image dimension fields, no descriptor with
    side effects)."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    for field in model._meta.concrete_fields:
        descriptor = inspect.getattr_static(model, field.attname, None)
        if not isinstance(descriptor, _PLAIN_DESCRIPTORS):
            return False
        if isinstance(descriptor, ImageFileDescriptor) and (
            getattr(field, "width_field", None) or getattr(field, "height_field", None)
        ):
            return False
    return True


def from_row[M: Model](connection: Any, model: type[M], values: Sequence[Any]) -> M:
    """A model instance from every concrete column of ``model`` (in field order), as the ORM
    makes it: Django's column converters applied (booleans and dates on SQLite, JSON, ...), then
    what ``Model.from_db`` does. When nothing listens to the model's init signals and its
    ``__init__`` would only set attributes (``_plain_init``), the attributes are set directly:
    the same instance, made several times faster (a feed page makes about a hundred)."""
    converters = _converters(connection, model)
    if converters:
        values = list(values)
        for position, functions, expression in converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
    if not _plain_init(model) or (
        (pre_init.receivers or post_init.receivers)  # any at all: then ask about this model
        and (pre_init.has_listeners(model) or post_init.has_listeners(model))
    ):
        return model.from_db(connection.alias, _attnames(model), values)
    new = model.__new__(model)
    new._state = ModelState()
    new._state.adding = False
    new._state.db = connection.alias
    new.__dict__.update(zip(_attnames(model), values, strict=True))
    return new


@cache
def _comment_select() -> str:
    """Comment and author columns (aliases c and u)."""
    return f"{select_columns(Comment, 'c')}, {select_columns(get_user_model(), 'u')}"


def latest_comments(post_ids: Sequence[int], n: int) -> dict[int, list[Comment]]:
    """The newest ``n`` shown top-level comments of each post (oldest first), authors attached."""
    result: dict[int, list[Comment]] = {pk: [] for pk in post_ids}
    if not post_ids or n <= 0:
        return result
    user_model = get_user_model()
    comments, users = Comment._meta.db_table, user_model._meta.db_table
    db = router.db_for_read(Comment)
    connection = connections[db]
    of_posts, params = id_in(connection, "post_id", post_ids)
    sql = (
        f"SELECT {_comment_select()} FROM ("  # noqa: S608 - table/column names from models; values are parameters
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY created_at DESC, id DESC)"
        f" AS latest_rank FROM {comments}"
        f" WHERE {of_posts} AND parent_id IS NULL"
        f" AND (deleted_at IS NULL OR reply_count > 0)) c"
        f' JOIN {users} u ON u."id" = c."author_id"'
        f" WHERE c.latest_rank <= %s ORDER BY c.post_id, c.created_at, c.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, n])
        rows = cursor.fetchall()
    if not rows:
        return result
    split = column_count(Comment)
    author_cache = Comment._meta.get_field("author")
    authors: dict[int, Any] = {}
    for row in rows:
        comment = from_row(connection, Comment, row[:split])
        author = authors.get(comment.author_id)
        if author is None:
            author = authors[comment.author_id] = from_row(connection, user_model, row[split:])
        author_cache.set_cached_value(comment, author)
        result[comment.post_id].append(comment)
    return result


def attachments_with_videos(
    post_ids: Sequence[int], comment_ids: Sequence[int]
) -> list[Attachment]:
    """The attachments of these posts and comments in their order (position, id), each with its
    ``video`` (a ``torg.media`` Video, or None) loaded, as
    ``Attachment.objects.filter(...).select_related("video")`` returns them, in one query."""
    from torg.media.models import Video  # media builds on posts: imported when first used

    if not post_ids and not comment_ids:
        return []
    db = router.db_for_read(Attachment)
    connection = connections[db]
    where: list[str] = []
    params: list[Any] = []
    for column, ids in (("a.post_id", post_ids), ("a.comment_id", comment_ids)):
        if ids:
            sql, more = id_in(connection, column, ids)
            where.append(sql)
            params += more
    sql = (
        f"SELECT {select_columns(Attachment, 'a')}, {select_columns(Video, 'v')}"  # noqa: S608 - table/column names from models; values are parameters
        f" FROM {Attachment._meta.db_table} a"
        f' LEFT JOIN {Video._meta.db_table} v ON v."attachment_id" = a."id"'
        f" WHERE {' OR '.join(where)} ORDER BY a.position, a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    split = column_count(Attachment)
    video_field = Video._meta.get_field("attachment")
    attachments: list[Attachment] = []
    for row in rows:
        attachment = from_row(connection, Attachment, row[:split])
        video = None if row[split] is None else from_row(connection, Video, row[split:])
        video_field.remote_field.set_cached_value(attachment, video)  # attachment.video
        if video is not None:
            video_field.set_cached_value(video, attachment)  # video.attachment
        attachments.append(attachment)
    return attachments


def polls(post_ids: Sequence[int]) -> list[Poll]:
    """The polls of these posts (``Poll`` instances, options not loaded), one query."""
    if not post_ids:
        return []
    db = router.db_for_read(Poll)
    connection = connections[db]
    of_posts, params = id_in(connection, "p.post_id", post_ids)
    sql = (
        f"SELECT {select_columns(Poll, 'p')} FROM {Poll._meta.db_table} p"  # noqa: S608 - table/column names from models; values are parameters
        f" WHERE {of_posts}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [from_row(connection, Poll, row) for row in rows]


def reaction_summaries(target: str, ids: Sequence[int], person: User) -> dict[int, ReactionSummary]:
    """Reaction counts by kind and ``person``'s own reaction, for posts or comments, one query.

    ``target`` is "post" or "comment"; post reactions are those without a comment.
    """
    result: dict[int, ReactionSummary] = {pk: {"counts": {}, "mine": None} for pk in ids}
    if not ids:
        return result
    column = {"post": "post_id", "comment": "comment_id"}[target]
    only_posts = " AND comment_id IS NULL" if target == "post" else ""
    connection = connections[router.db_for_read(Reaction)]
    of_targets, params = id_in(connection, column, ids)
    sql = (
        f"SELECT {column}, kind, COUNT(*), COUNT(CASE WHEN user_id = %s THEN 1 END)"  # noqa: S608 - table/column names from models; values are parameters
        f" FROM {Reaction._meta.db_table}"
        f" WHERE {of_targets}{only_posts}"
        f" GROUP BY {column}, kind ORDER BY {column}, kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, *params])
        for target_id, kind, count, mine in cursor.fetchall():
            result[target_id]["counts"][kind] = count
            if mine:
                result[target_id]["mine"] = kind
    return result


def roles(person: User, group_ids: Sequence[int]) -> dict[int, str]:
    """{group id: ``person``'s role} for the groups of ``group_ids`` they are a member of."""
    if not group_ids:
        return {}
    connection = connections[router.db_for_read(Membership)]
    of_groups, params = id_in(connection, "group_id", group_ids)
    sql = (
        f"SELECT group_id, role FROM {Membership._meta.db_table}"  # noqa: S608 - table/column names from models; values are parameters
        f" WHERE user_id = %s AND {of_groups}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, *params])
        return dict(cursor.fetchall())
