"""The two full-text backends behind one interface, chosen by the database vendor.

A backend knows how to store the full-text part of documents and how to express "matches this
query" and "how well" in SQL. Everything else (which documents a person may see, filters,
ordering, paging) is shared SQL built in ``torg.search.selectors``.

- ``SqliteBackend``: an FTS5 table ``search_fts`` (rowid = document id) fed with terms stemmed in
  Python (``torg.search.text``); relevance is FTS5's bm25 with names weighing 10× text.
- ``PostgresBackend``: the ``vector`` tsvector column (Norwegian + English stems and unaccented
  "simple" lexemes; names weighted A) with a GIN index; relevance is ``ts_rank`` normalised by
  document length. Lexemes are made by PostgreSQL itself, so a rebuild is plain set-based SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from torg.search.text import ParsedQuery, index_terms, plain, terms_for


@dataclass(frozen=True)
class DocumentData:
    kind: str
    object_id: int
    created_at: datetime
    title: str = ""
    body: str = ""
    post_id: int | None = None
    comment_id: int | None = None
    group_id: int | None = None
    author_id: int | None = None


@dataclass(frozen=True)
class MatchSql:
    """SQL fragments that restrict ``search_searchdocument`` to a query's matches."""

    tables: str
    table_params: list[Any]
    where: str
    where_params: list[Any]
    score: str
    score_params: list[Any]
    # The order of the candidates that relevance ranking looks at (newest first); empty: any
    # order (the first matches found, so the scan stops as soon as the window is full).
    window_order: str


class Backend:
    vendor = ""

    def write_full_text(self, ids_and_docs: Sequence[tuple[int, DocumentData]]) -> None:
        raise NotImplementedError

    def delete_full_text(self, ids: Sequence[int]) -> None:
        raise NotImplementedError

    def match(self, query: ParsedQuery, kind: str, *, names_only: bool = False) -> MatchSql:
        raise NotImplementedError


# Kinds whose names are suggested while typing.
NAME_KINDS = frozenset({"person", "group", "topic"})


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class SqliteBackend(Backend):
    vendor = "sqlite"

    def write_full_text(self, ids_and_docs: Sequence[tuple[int, DocumentData]]) -> None:
        if not ids_and_docs:
            return
        with connection.cursor() as cursor:
            self._delete(cursor, [pk for pk, _ in ids_and_docs])
            cursor.executemany(
                "INSERT INTO search_fts (rowid, kind, title, body) VALUES (%s, %s, %s, %s)",
                [
                    (pk, doc.kind, index_terms(doc.title), index_terms(doc.body))
                    for pk, doc in ids_and_docs
                ],
            )
            cursor.executemany(
                "INSERT INTO search_fts_names (rowid, title) VALUES (%s, %s)",
                [
                    (pk, index_terms(doc.title))
                    for pk, doc in ids_and_docs
                    if doc.kind in NAME_KINDS
                ],
            )

    def delete_full_text(self, ids: Sequence[int]) -> None:
        if ids:
            with connection.cursor() as cursor:
                self._delete(cursor, ids)

    @staticmethod
    def _delete(cursor: Any, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608 - fixed SQL fragments; values are parameters
            cursor.execute(f"DELETE FROM search_fts_names WHERE rowid IN ({marks})", chunk)  # noqa: S608 - fixed SQL fragments; values are parameters

    @staticmethod
    def expression(query: ParsedQuery) -> str:
        """The FTS5 query: every word must match one of its terms; the last may be a prefix."""
        groups = []
        last = len(query.words) - 1
        for position, word in enumerate(query.words):
            alternatives = [_quote(t) for t in terms_for(word)]
            if query.prefix and position == last:
                alternatives.append(_quote(plain(word)) + "*")
            groups.append("(" + " OR ".join(alternatives) + ")")
        return " AND ".join(groups)

    def match(self, query: ParsedQuery, kind: str, *, names_only: bool = False) -> MatchSql:
        if names_only and kind in NAME_KINDS:
            return MatchSql(
                tables=(
                    "search_fts_names CROSS JOIN search_searchdocument "
                    "ON search_searchdocument.id = search_fts_names.rowid"
                ),
                table_params=[],
                where="search_fts_names MATCH %s",
                where_params=[self.expression(query)],
                score="(-bm25(search_fts_names))",
                score_params=[],
                window_order="search_fts_names.rowid DESC",
            )
        columns = "{title}" if names_only else "{title body}"
        expression = f"{{kind}} : {_quote(kind)} AND {columns} : ({self.expression(query)})"
        return MatchSql(
            # CROSS JOIN fixes SQLite's join order: the FTS index drives, documents are looked up
            # by rowid (the other way round probes the FTS table once per document).
            tables=(
                "search_fts CROSS JOIN search_searchdocument "
                "ON search_searchdocument.id = search_fts.rowid"
            ),
            table_params=[],
            where="search_fts MATCH %s",
            where_params=[expression],
            score="(-bm25(search_fts, 0.0, 10.0, 1.0))",
            score_params=[],
            # Newest first by rowid: FTS5 streams rowids in order, so no sort is needed (rowids
            # follow indexing order, which follows creation order).
            window_order="search_fts.rowid DESC",
        )


def postgres_vector_sql(title: str, body: str) -> str:
    """The tsvector of SQL expressions ``title`` and ``body`` (``torg_vector``, migration 0002:
    Norwegian + English stems and unaccented words; names weighted A)."""
    return f"torg_vector({title}, {body})"


class PostgresBackend(Backend):
    vendor = "postgresql"

    def write_full_text(self, ids_and_docs: Sequence[tuple[int, DocumentData]]) -> None:
        ids = [pk for pk, _ in ids_and_docs]
        if not ids:
            return
        vector = postgres_vector_sql("d.title", "d.body")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE search_searchdocument d SET vector = {vector} WHERE d.id = ANY(%s)",  # noqa: S608 - fixed SQL fragments; values are parameters
                [ids],
            )

    def delete_full_text(self, ids: Sequence[int]) -> None:
        # The vector lives in the document row: deleting the row deletes it.
        return

    @staticmethod
    def tsquery(query: ParsedQuery, *, names_only: bool = False) -> tuple[str, list[Any]]:
        """A tsquery expression: every word must match one of its lexemes.

        Words are runs of letters and digits (``torg.search.text.words``), so they carry no
        tsquery operators; ``:A`` keeps only lexemes of names (weighted A).
        """
        weight = "A" if names_only else ""
        parts: list[str] = []
        params: list[Any] = []
        last = len(query.words) - 1
        for position, word in enumerate(query.words):
            alternatives = [
                "to_tsquery('norwegian', %s)",
                "to_tsquery('english', %s)",
                "to_tsquery('simple', %s)",
            ]
            suffix = f":{weight}" if weight else ""
            params.extend([word + suffix, word + suffix, plain(word) + suffix])
            if query.prefix and position == last:
                alternatives.append("to_tsquery('simple', %s)")
                params.append(plain(word) + ":*" + weight)
            parts.append("(" + " || ".join(alternatives) + ")")
        return " && ".join(parts), params

    def match(self, query: ParsedQuery, kind: str, *, names_only: bool = False) -> MatchSql:
        expression, params = self.tsquery(query, names_only=names_only)
        # The tsquery is written out (not a joined subquery): its functions are immutable, so
        # the planner folds it to a constant and estimates how many documents match.
        where = f"search_searchdocument.vector @@ ({expression})"
        if names_only and kind in NAME_KINDS:
            # The expression of the kind's small partial index of names (migrations 0003 and
            # 0004; the kind condition implies its predicate): prefixes are looked up among
            # names only (weight A), not in job titles, posts or comments.
            where = f"ts_filter(search_searchdocument.vector, '{{a}}') @@ ({expression})"
        return MatchSql(
            tables="search_searchdocument",
            table_params=[],
            where=where,
            where_params=params,
            score=f"ts_rank(search_searchdocument.vector, ({expression}), 1)",
            score_params=list(params),
            # Names (suggestions while typing): no newest-first sort. A two-letter prefix
            # matches thousands of the 100,000 names; sorting them means fetching, rechecking
            # and access-testing every one, where the first matches fill the window at once.
            window_order=(
                "" if names_only and kind in NAME_KINDS else "search_searchdocument.created_at DESC"
            ),
        )


def backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    return SqliteBackend()
