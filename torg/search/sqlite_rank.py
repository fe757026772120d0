"""FTS5's bm25 on SQLite without its per-query walks over whole posting lists.

FTS5's ``bm25()`` works out each query phrase's inverse document frequency (IDF) by counting the
rows that contain the phrase: a walk over the phrase's whole posting list, on every query. On
the 1,000,000-post dataset a common word is in 1,300,000 of the 4,000,000 documents and each of
its terms (stems and plain form) costs about 40 ms: 60–250 ms per search, to rank 1,000
candidates.

Here the same bm25 (the formula, constants and order of floating-point operations of SQLite's
``ext/fts5/fts5_aux.c``, so the very same scores while the counts below are fresh) is
computed in Python over the candidates:
- the candidates and their stored terms: one statement (the FTS5 match, the access test, the
  1,000 newest) that also reads each row's kind, title and body terms;
- rows and tokens in the index: FTS5's own "averages" record (``search_fts_data`` id 1);
- rows per phrase (for the IDF): counted once (FTS5's ``fts5vocab`` table; a MATCH count for the
  words that are also document kinds), then kept per process for as long as the index is
  unchanged: the key holds FTS5's "structure" record (id 10, which changes with every
  write to the index), the averages and the schema version (a rebuild re-creates the table).
  After a write, counts of the previous state are reused for up to ``REUSE_SECONDS`` from when
  they were counted, while the number of rows has changed by at most 1 in ``REUSE_ROWS_RATIO``
  (a small index is recounted after every change; a rebuild is never bridged). A busy index
  changes with every post, and counting a common term costs ~40 ms on 4,000,000 documents; a
  term's weight (IDF) then lags the newest documents by at most a minute, as in search engines
  that merge their statistics lazily;
- per row: each phrase's occurrences in the title (weight 10) and body (1) and the row's tokens.
Occurrences are counted by splitting the stored terms on spaces. That is what FTS5's unicode61
tokenizer does when the text holds only a–z, 0–9, æ, ø, å and spaces (generated terms of
Norwegian and English words); for any other text, prefix queries and inside a transaction
(where FTS5 may not have saved its totals yet) ``None`` is returned and the caller uses the
statement with ``bm25()``. ``tests/test_sqlite_rank.py`` compares the two.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from torg.search.models import SearchDocument
from torg.search.text import ParsedQuery, terms_for

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
_SAFE_TEXT = re.compile(r"[0-9a-zæøå ]*")
_SAFE_TERM = re.compile(r"[0-9a-zæøå]+")
_AVERAGES_ID = 1
# The words in the FTS5 kind column (the document kinds).
_KIND_TERMS = frozenset(value for value, _label in SearchDocument.Kind.choices)
_STRUCTURE_ID = 10

# Per database: the rows containing each phrase, counted in one index state (see the module
# docstring), with that state, its row count and when the counts were started.
_kept: dict[str, _Kept] = {}
PHRASES_KEPT_MAX = 10_000
# Counts of an older state are reused while they are younger than this and the index has gained
# or lost at most one row in REUSE_ROWS_RATIO since (module docstring); an index under 1,000 rows
# (the tests') is recounted after every change and stays exact.
REUSE_SECONDS = 60.0
REUSE_ROWS_RATIO = 1_000


@dataclass
class _Kept:
    state: tuple[Any, ...]
    n_row: int
    started: float
    counts: dict[str, int] = field(default_factory=dict)


def _kept_counts(state: tuple[Any, ...], n_row: int) -> dict[str, int]:
    """The kept counts for ``state`` (database, schema version, structure, averages)."""
    database, schema_version = str(state[0]), state[1]
    kept = _kept.get(database)
    now = time.monotonic()
    if kept is not None and kept.state != state:
        reusable = (
            kept.state[1] == schema_version  # a rebuild re-creates the table: never reuse
            and now - kept.started < REUSE_SECONDS
            and abs(n_row - kept.n_row) * REUSE_ROWS_RATIO <= kept.n_row
        )
        if not reusable:
            kept = None
    if kept is None or len(kept.counts) >= PHRASES_KEPT_MAX:
        kept = _Kept(state=state, n_row=n_row, started=now)
        _kept[database] = kept
    return kept.counts


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    """SQLite's varint at ``buf[i]``: (value, next offset)."""
    value = 0
    for k in range(8):
        byte = buf[i + k]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + k + 1
    return (value << 8) | buf[i + 8], i + 9


def phrases(query: ParsedQuery) -> list[str] | None:
    """The query's phrases after the kind phrase, in the order ``SqliteBackend.expression``
    writes them (each word's terms); None when they cannot be counted by splitting."""
    if query.prefix:
        return None
    terms = [term for word in query.words for term in terms_for(word)]
    if not all(_SAFE_TERM.fullmatch(term) for term in terms):
        return None
    return terms


def rank(
    window_sql: str, params: list[Any], query: ParsedQuery, *, offset: int, limit: int
) -> list[int] | None:
    """Object ids of one page of ``window_sql``'s rows (object_id, id, kind, title, body),
    best first by bm25 (ties: newest document first); None: use FTS5's ``bm25()``."""
    scored = scores(window_sql, params, query)
    if scored is None:
        return None
    scored.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [object_id for _score, _doc_id, object_id in scored[offset : offset + limit]]


def scores(
    window_sql: str, params: list[Any], query: ParsedQuery
) -> list[tuple[float, int, int]] | None:
    """(bm25 score, document id, object id) of each row of ``window_sql``: the value of
    ``-bm25(search_fts, 0.0, 10.0, 1.0)``; None when it cannot be computed exactly here."""
    terms = phrases(query)
    if terms is None or connection.in_atomic_block:
        return None
    # One read transaction: the candidates and the index's totals from the same snapshot.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT block FROM search_fts_data WHERE id = %s), "
            "(SELECT block FROM search_fts_data WHERE id = %s), "
            "(SELECT schema_version FROM pragma_schema_version)",
            [_AVERAGES_ID, _STRUCTURE_ID],
        )
        averages, structure, schema_version = cursor.fetchone()
        if not averages or not structure:
            return None
        averages = bytes(averages)
        n_row, i = _varint(averages, 0)
        n_token = 0
        for _column in range(3):  # kind, title, body
            if i >= len(averages):
                break
            column_tokens, i = _varint(averages, i)
            n_token += column_tokens
        if n_row <= 0:
            return []
        cursor.execute(window_sql, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        state = (connection.settings_dict["NAME"], schema_version, bytes(structure), averages)
        counts = _kept_counts(state, n_row)
        idf = [_idf(cursor, counts, term, n_row) for term in terms]
    avgdl = float(n_token) / float(n_row)
    scored: list[tuple[float, int, int]] = []
    for object_id, doc_id, kind, title, body in rows:
        if not all(_SAFE_TEXT.fullmatch(text) for text in (kind, title, body)):
            return None
        title_tokens = title.split()
        body_tokens = body.split()
        row_tokens = float(len(kind.split()) + len(title_tokens) + len(body_tokens))
        norm = 1 - B + B * row_tokens / avgdl
        # The kind phrase comes first and weighs 0.0: it adds exactly 0.0, so it is left out.
        score = 0.0
        for term, term_idf in zip(terms, idf, strict=True):
            freq = TITLE_WEIGHT * title_tokens.count(term) + BODY_WEIGHT * body_tokens.count(term)
            score += term_idf * ((freq * (K1 + 1.0)) / (freq + K1 * norm))
        scored.append((score, doc_id, object_id))
    return scored


def _idf(cursor: Any, counts: dict[str, int], term: str, n_row: int) -> float:
    """FTS5's IDF of ``term`` in the title and body columns (fts5Bm25GetData)."""
    n_hit = counts.get(term)
    if n_hit is None:
        if term in _KIND_TERMS:
            # The kind column holds these words too; count the title and body only.
            cursor.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH %s",
                ['{title body} : "' + term + '"'],
            )
        else:
            # FTS5's vocabulary table: rows holding the term (it walks the posting list once,
            # faster than the same count through a MATCH).
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.torg_search_vocabulary "
                "USING fts5vocab(main, search_fts, row)"
            )
            cursor.execute("SELECT doc FROM temp.torg_search_vocabulary WHERE term = %s", [term])
        found = cursor.fetchone()
        n_hit = int(found[0]) if found else 0
        counts[term] = n_hit
    idf = math.log((n_row - n_hit + 0.5) / (n_hit + 0.5))
    return idf if idf > 0.0 else 1e-6
