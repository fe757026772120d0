"""Rebuilding the whole index (``manage.py rebuild_search_index``).

PostgreSQL: set-based SQL. The documents are re-inserted with ``INSERT … SELECT`` straight from
the source tables with their tsvector computed by PostgreSQL, the GIN index dropped during the
load and created once at the end. Extracted file text is kept (files never change), so the
rebuild does not re-read every PDF. The table is locked for the duration: searches wait.
SQLite: set-based too for posts and comments (nearly all documents): ``INSERT … SELECT`` from
the source tables, then the FTS5 rows ``INSERT … SELECT`` with the terms made by the Python
function ``torg.search.text.index_terms`` registered on the connection; the table's indexes
dropped during the load and the FTS5 tables re-created empty (their migration's statements), all
in one transaction. People, groups, topics and files go in batches through ``write_documents``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from torg.accounts.models import User
from torg.groups.models import Group
from torg.posts.models import Attachment, Comment, Hashtag, Post
from torg.search import indexing
from torg.search.backends import NAME_KINDS, DocumentData, postgres_vector_sql
from torg.search.extract import TEXT_SUFFIXES
from torg.search.models import SearchDocument
from torg.search.text import index_terms

Report = Callable[[str], None]
BATCH = 5000


def _quiet(message: str) -> None:
    return


def rebuild(*, report: Report = _quiet) -> dict[str, int]:
    if connection.vendor == "postgresql":
        return _rebuild_postgres(report)
    return _rebuild_sqlite(report)


# --- PostgreSQL ------------------------------------------------------------------------------

_COLUMNS = "kind, object_id, post_id, comment_id, group_id, author_id, created_at, title, body"


def _postgres_statements() -> list[tuple[str, str]]:
    body_only = "torg_vector('', {b})"
    return [
        (
            "post",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'post', p.id, p.id, NULL, p.group_id, p.author_id, p.created_at, '', p.body, "
            f"{body_only.format(b='p.body')} FROM posts_post p WHERE p.deleted_at IS NULL",
        ),
        (
            "comment",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'comment', c.id, c.post_id, c.id, NULL, c.author_id, c.created_at, '', c.body, "
            f"{body_only.format(b='c.body')} FROM posts_comment c WHERE c.deleted_at IS NULL",
        ),
        (
            "group",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'group', g.id, NULL, NULL, g.id, NULL, g.created_at, left(g.name, 255), "
            f"g.description, {postgres_vector_sql('g.name', 'g.description')} "
            "FROM groups_group g",
        ),
        (
            "person",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'person', u.id, NULL, NULL, NULL, NULL, u.date_joined, left(u.name, 255), "
            "u.text, " + postgres_vector_sql("u.name", "u.text") + " FROM ("
            "SELECT u.id, u.date_joined, u.name, concat_ws(' ', nullif(u.job_title, ''), "
            "(SELECT string_agg(s.name, ' ') FROM accounts_user_skills us "
            "JOIN people_skill s ON s.id = us.skill_id WHERE us.user_id = u.id), "
            "nullif(u.bio, '')) AS text FROM accounts_user u WHERE u.is_active) u",
        ),
        (
            "topic",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'topic', h.id, NULL, NULL, NULL, NULL, h.created_at, h.display_name, '', "
            + postgres_vector_sql("h.display_name", "''")
            + " FROM posts_hashtag h",
        ),
        (
            "file",
            f"INSERT INTO search_searchdocument ({_COLUMNS}, vector) "  # noqa: S608 - fixed SQL fragments; values are parameters
            "SELECT 'file', a.id, coalesce(a.post_id, c.post_id), a.comment_id, NULL, "
            "a.uploader_id, a.created_at, left(a.name, 255), coalesce(f.body, ''), "
            + postgres_vector_sql("a.name", "coalesce(f.body, '')")
            + " FROM posts_attachment a LEFT JOIN posts_comment c ON c.id = a.comment_id "
            "LEFT JOIN search_saved_files f ON f.object_id = a.id "
            "WHERE a.kind = 'file' AND (a.post_id IS NOT NULL OR a.comment_id IS NOT NULL)",
        ),
    ]


def _rebuild_postgres(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE search_saved_files ON COMMIT DROP AS "
            "SELECT object_id, body FROM search_searchdocument WHERE kind = 'file'"
        )
        cursor.execute("TRUNCATE search_searchdocument")
        cursor.execute("DROP INDEX IF EXISTS search_doc_vector")
        for kind in NAME_KINDS:
            cursor.execute(f"DROP INDEX IF EXISTS search_doc_names_{kind}")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for kind, sql in _postgres_statements():
            started = time.monotonic()
            cursor.execute(sql)
            counts[kind] = cursor.rowcount
            report(f"{kind}: {cursor.rowcount} documents in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        cursor.execute("CREATE INDEX search_doc_vector ON search_searchdocument USING gin (vector)")
        # One small index of names (weight A) per suggested kind (migrations 0003, 0004).
        for kind in sorted(NAME_KINDS):
            cursor.execute(
                f"CREATE INDEX search_doc_names_{kind} ON search_searchdocument "
                f"USING gin (ts_filter(vector, '{{a}}')) WHERE kind = '{kind}'"
            )
        report(f"full-text index built in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    _extract_missing_files(report)
    return counts


def _extract_missing_files(report: Report) -> None:
    """Files whose text was never extracted (new since the last index) get it now."""
    readable = Q()
    for suffix in (".pdf", ".docx", *TEXT_SUFFIXES):
        readable |= Q(name__iendswith=suffix)
    missing = list(
        Attachment.objects.filter(readable, kind=Attachment.Kind.FILE)
        .exclude(post__isnull=True, comment__isnull=True)
        .exclude(
            pk__in=SearchDocument.objects.filter(kind=SearchDocument.Kind.FILE)
            .exclude(body="")
            .values("object_id")
        )
        .values_list("pk", "post_id", "comment_id")
    )
    for _pk, post_id, comment_id in missing:
        if post_id is not None:
            indexing.index_post(post_id)
        elif comment_id is not None:
            indexing.index_comment(comment_id)
    if missing:
        report(f"files read: {len(missing)}")


# --- SQLite (and any other database) ---------------------------------------------------------


def _batches(queryset: Any, build: Callable[[Any], DocumentData]) -> Iterator[list[DocumentData]]:
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        last = rows[-1].pk
        yield [build(row) for row in rows]


# Posts and comments straight from their tables; the terms by ``torg_index_terms`` (the Python
# ``index_terms``, what ``SqliteBackend.write_full_text`` stores). Ids follow the source ids, so
# FTS rowid order (newest first) stays creation order.
_SQLITE_BULK = [
    (
        "post",
        f"INSERT INTO search_searchdocument ({_COLUMNS}) "  # noqa: S608 - fixed SQL fragments
        "SELECT 'post', p.id, p.id, NULL, p.group_id, p.author_id, p.created_at, '', p.body "
        "FROM posts_post p WHERE p.deleted_at IS NULL ORDER BY p.id",
    ),
    (
        "comment",
        f"INSERT INTO search_searchdocument ({_COLUMNS}) "  # noqa: S608 - fixed SQL fragments
        "SELECT 'comment', c.id, c.post_id, c.id, NULL, c.author_id, c.created_at, '', c.body "
        "FROM posts_comment c WHERE c.deleted_at IS NULL ORDER BY c.id",
    ),
]
_SQLITE_FTS_BULK = (
    "INSERT INTO search_fts (rowid, kind, title, body) "
    "SELECT d.id, d.kind, torg_index_terms(d.title), torg_index_terms(d.body) "
    "FROM search_searchdocument d WHERE d.kind = %s ORDER BY d.id"
)


def _sqlite_full_text_tables() -> tuple[list[str], list[str]]:
    """The statements that create and drop the FTS5 tables: migration 0002's own."""
    migration = importlib.import_module("torg.search.migrations.0002_full_text")
    return list(migration.SQLITE_FORWARD), list(migration.SQLITE_BACKWARD)


def _rebuild_sqlite(report: Report) -> dict[str, int]:
    saved_files = dict(
        SearchDocument.objects.filter(kind=SearchDocument.Kind.FILE).values_list(
            "object_id", "body"
        )
    )
    create_fts, drop_fts = _sqlite_full_text_tables()
    table = SearchDocument._meta.db_table
    counts: dict[str, int] = {}
    connection.ensure_connection()
    connection.connection.create_function("torg_index_terms", 1, index_terms, deterministic=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the model's table name
        for sql in [*drop_fts, *create_fts]:
            cursor.execute(sql)
        for kind, sql in _SQLITE_BULK:
            started = time.monotonic()
            cursor.execute(sql)
            counts[kind] = cursor.rowcount
            cursor.execute(_SQLITE_FTS_BULK, [kind])
            report(f"{kind}: {counts[kind]} documents in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        for _name, sql in indexes:
            cursor.execute(sql)
        report(f"indexes built in {time.monotonic() - started:.1f} s")
        counts.update(_rebuild_in_batches(report, saved_files, skip={"post", "comment"}))
        started = time.monotonic()
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        report(f"full-text index merged in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    _extract_missing_files(report)
    return counts


def _rebuild_in_batches(
    report: Report, saved_files: dict[int, str], skip: set[str]
) -> dict[str, int]:
    """The documents of every kind not in ``skip``, read and written in batches."""
    comment_posts: dict[int, int] = {}
    if "file" not in skip:
        comment_posts = dict(
            Comment.objects.filter(
                pk__in=Attachment.objects.filter(comment__isnull=False).values("comment_id")
            ).values_list("pk", "post_id")
        )

    def file_doc(attachment: Attachment) -> DocumentData:
        post_id = attachment.post_id or comment_posts.get(attachment.comment_id or 0)
        return indexing.file_document(attachment, post_id or 0, saved_files.get(attachment.pk, ""))

    sources: list[tuple[str, Any, Callable[[Any], DocumentData]]] = [
        ("post", Post.objects.filter(deleted_at__isnull=True), indexing.post_document),
        ("comment", Comment.objects.filter(deleted_at__isnull=True), indexing.comment_document),
        ("group", Group.objects.all(), indexing.group_document),
        (
            "person",
            User.objects.filter(is_active=True).prefetch_related("skills"),
            indexing.person_document,
        ),
        ("topic", Hashtag.objects.all(), indexing.topic_document),
        (
            "file",
            Attachment.objects.filter(kind=Attachment.Kind.FILE).exclude(
                post__isnull=True, comment__isnull=True
            ),
            file_doc,
        ),
    ]
    counts: dict[str, int] = {}
    for kind, queryset, build in sources:
        if kind in skip:
            continue
        started = time.monotonic()
        total = 0
        for docs in _batches(queryset, build):
            indexing.write_documents(docs)
            total += len(docs)
        counts[kind] = total
        report(f"{kind}: {total} documents in {time.monotonic() - started:.1f} s")
    return counts
