"""SQLite: bm25 computed in Python (``torg.search.sqlite_rank``) ranks exactly as FTS5's
``bm25()`` does, stays exact after the index changes, and steps aside when it cannot be exact."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from torg.posts import actions as post_actions
from torg.search import selectors, sqlite_rank
from torg.search.backends import SqliteBackend
from torg.search.models import SearchDocument
from torg.search.selectors import parse
from torg.search.tests.conftest import write

Kind = SearchDocument.Kind

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="FTS5 ranking is SQLite's (PostgreSQL: ts_rank)"
)

BODIES = [
    "Budsjett for prosjektet i Bergen",
    "Budsjett budsjett budsjett: prosjektene og budsjettene",
    "Et langt innlegg om mye annet, blant annet budsjett, kaffe, møter og prosjekter i år",
    "Running the projects: budget, budget and more budget",
    "The project budget review is on Friday",
    "Kaffe og kaker i kantina",
    "Prosjekt",
    "Ærlig talt, budsjettet for prosjektet er for stramt",
]
QUERIES = ["budsjett", "prosjekt", "budget", "budsjett prosjekt", "kaffe", "project budget"]


def by_bm25(actor: Any, text: str, kind: str, *, offset: int = 0, limit: int = 20) -> list[int]:
    """The one statement with FTS5's bm25() (what ranked_ids runs when Python cannot rank)."""
    sql, params = selectors.ranked_statement(actor, parse(text), kind, offset=offset, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def by_python(actor: Any, text: str, kind: str, *, offset: int = 0, limit: int = 20) -> Any:
    window_sql, params = selectors.window_statement(actor, parse(text), kind)
    return sqlite_rank.rank(window_sql, params, parse(text), offset=offset, limit=limit)


def fts5_scores(text: str, kind: str) -> dict[int, float]:
    """Document id → ``-bm25()`` of every match (the score FTS5 itself computes)."""
    match = SqliteBackend().match(parse(text), kind)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT search_searchdocument.id, {match.score} FROM {match.tables} "  # noqa: S608 - fixed SQL fragments
            f"WHERE {match.where}",
            match.where_params,
        )
        return dict(cursor.fetchall())


def test_python_bm25_ranks_exactly_as_fts5(org: dict[str, Any], make_group: Any) -> None:
    owner, g = org["owner"], org["g"]
    for number, body in enumerate(BODIES):
        post = write(owner, g["open"] if number % 2 else g["closed"], body)
        write(owner, g["open"], f"Svar på {body.lower()}")  # more rows of the same words
        assert post.pk
    make_group("Budsjett og prosjekt", by=owner, description="Budsjett for alle prosjekter")
    make_group("Budsjettgruppa", by=owner, description="Budsjett budsjett")
    compared = 0
    for actor in (owner, org["outsider"]):
        for text in QUERIES:
            for kind in (Kind.POST, Kind.GROUP):
                expected = by_bm25(actor, text, kind)
                assert by_python(actor, text, kind) == expected, (text, kind)
                assert selectors.ranked_ids(actor, parse(text), kind) == expected
            # Pages further on.
            assert by_python(actor, text, Kind.POST, offset=2, limit=3) == by_bm25(
                actor, text, Kind.POST, offset=2, limit=3
            )
            # The very same floating-point scores, not only the same order.
            for kind in (Kind.POST, Kind.GROUP):
                window_sql, params = selectors.window_statement(actor, parse(text), kind)
                python = sqlite_rank.scores(window_sql, params, parse(text))
                assert python is not None
                compared += len(python)
                expected = fts5_scores(text, kind)
                assert {doc_id: score for score, doc_id, _object_id in python} == {
                    doc_id: expected[doc_id] for _score, doc_id, _object_id in python
                }
    assert compared > 60
    # The ranking is not trivially the newest first: more occurrences rank higher.
    ranked = by_bm25(owner, "budsjett", Kind.POST)
    assert len(ranked) >= 8
    assert ranked != sorted(ranked, reverse=True)


def test_counts_kept_per_index_state_follow_every_change(org: dict[str, Any]) -> None:
    owner, group = org["owner"], org["g"]["open"]
    with connection.cursor() as cursor:  # earlier tests' rows would weigh in the counts
        cursor.execute(
            "DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_searchdocument)"
        )
    more_budsjett = write(owner, group, "Budsjett budsjett budsjett prosjekt").pk
    more_prosjekt = write(owner, group, "Budsjett prosjekt prosjekt prosjekt").pk
    for number in range(30):
        write(owner, group, f"Lunsj i kantina {number}")
    for _ in range(4):
        write(owner, group, "Prosjekt")

    def both() -> list[int]:
        python = by_python(owner, "budsjett prosjekt", Kind.POST)
        assert python == by_bm25(owner, "budsjett prosjekt", Kind.POST)
        return list(python)

    # "prosjekt" is the commoner word, so the row with more "budsjett" ranks first ...
    assert both() == [more_budsjett, more_prosjekt]
    # ... until "budsjett" is the commoner: the kept counts of the old index are not used.
    added = [write(owner, group, "Budsjett") for _ in range(12)]
    assert both() == [more_prosjekt, more_budsjett]
    # Removed documents leave the counts too (FTS5 rows deleted, not only added).
    for post in added:
        post_actions.do_delete_post(actor=owner, post=post)
    assert both() == [more_budsjett, more_prosjekt]


def test_text_it_cannot_count_exactly_falls_back_to_fts5(org: dict[str, Any]) -> None:
    owner, group = org["owner"], org["g"]["open"]
    write(owner, group, "Budsjett for prosjektet")
    greek = write(owner, group, "Budsjett λόγος")
    assert by_python(owner, "budsjett", Kind.POST) is None  # the Greek row's terms
    assert greek.pk in selectors.ranked_ids(owner, parse("budsjett"), Kind.POST)
    assert selectors.ranked_ids(owner, parse("budsjett"), Kind.POST) == by_bm25(
        owner, "budsjett", Kind.POST
    )
    # Prefixes (suggestions) and searches inside a transaction use bm25() too.
    assert sqlite_rank.rank("SELECT 1", [], parse("bud", prefix=True), offset=0, limit=5) is None
    with transaction.atomic():
        assert by_python(owner, "prosjekt", Kind.POST) is None


def test_varint_reads_sqlite_varints() -> None:
    assert sqlite_rank._varint(bytes([0x05]), 0) == (5, 1)
    assert sqlite_rank._varint(bytes([0x81, 0x00]), 0) == (128, 2)
    assert sqlite_rank._varint(bytes([0xFF] * 8 + [0x01]), 0) == ((1 << 64) - 255, 9)


def test_kept_counts_bridge_small_recent_changes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_rank, "_kept", {})
    first = sqlite_rank._kept_counts(("db", 7, b"structure 1", b"averages 1"), 4_000_000)
    first["budsjett"] = 1_300_000
    # A post was indexed (new structure, 1 row more): the counts are reused.
    bridged = sqlite_rank._kept_counts(("db", 7, b"structure 2", b"averages 2"), 4_000_001)
    assert bridged is first
    # 4,001 rows more than when counted is over 1 in 1,000: counted again.
    grown = sqlite_rank._kept_counts(("db", 7, b"structure 3", b"averages 3"), 4_004_001)
    assert grown is not first and grown == {}
    grown["budsjett"] = 1_300_100
    # A rebuild (new schema version) is never bridged, however small the change.
    rebuilt = sqlite_rank._kept_counts(("db", 8, b"structure 4", b"averages 4"), 4_004_001)
    assert rebuilt is not grown and rebuilt == {}
    # Nor are counts older than REUSE_SECONDS.
    monkeypatch.setattr(sqlite_rank, "REUSE_SECONDS", 0.0)
    rebuilt["prosjekt"] = 5
    aged = sqlite_rank._kept_counts(("db", 8, b"structure 5", b"averages 5"), 4_004_001)
    assert aged is not rebuilt and aged == {}
    # The same state always finds its counts.
    assert sqlite_rank._kept_counts(("db", 8, b"structure 5", b"averages 5"), 4_004_001) is aged
