"""Measure search for the dataset's typical person, in-process.

    .venv/bin/python -m bench.search --database-url postgres://postgres@127.0.0.1:5432/torg_bench
    .venv/bin/python -m bench.search --database-url sqlite:///var/bench.sqlite3

The search index must be built first (``manage.py rebuild_search_index`` with the same
TORG_DATABASE_URL). Operations, each called with the next query of a fixed rotation (common
single words of the generated text, pairs of them, words with no match, Norwegian words):
- "ranked search, first page": ``torg.search.selectors.ranked_ids`` — the 20 best posts the
  person may see (relevance order, permissions inside the query);
- "search page data": ``torg.search.results.search(kind="post")`` — ids, the capped total and the
  hits with their highlighted snippets (what the results page shows, without the template);
- "autocomplete": ``torg.search.results.suggest`` — people, groups and topics by name prefix;
- SQLite only, "ranked search, after that write": each search right after a post was indexed
  again ("index a post again (write)", its own line), as on a busy site; "ranked search, counts
  dropped first": the kept rows-per-term counts dropped before each search (``sqlite_rank``:
  the first search of a process, or after a minute or a change of more than 0.1 % of the rows).
Baselines through the driver (psycopg, or sqlite3), no Django, interleaved with the Django call:
- "bare FTS, same SQL": the very statement Django runs, with the same parameters (on SQLite the
  window of 1,000 candidates with their terms, which Django ranks by bm25 in Python:
  ``torg.search.sqlite_rank``);
- SQLite only, "bare FTS + bm25(), one statement": the window ranked by FTS5's ``bm25()`` in
  one statement (what Django ran before; its ids must equal Django's);
- "bare FTS, no permissions": the ranked full-text query (``bm25()`` on SQLite) without the
  access test.
Like bench.feed: warm-up, then --iterations timed calls of each in turn, best of --runs runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from bench.feed import TYPICAL_EMAIL, Bare, Result, best_of, machine, setup_django

QUERIES = [
    "budget",
    "coffee",
    "release",
    "hiring sprint",
    "customer feedback",
    "security incident",
    "launch",
    "quarter metrics",
    "zebra",
    "budsjett prosjekt",
    "design review",
    "workshop",
]
PREFIXES = ["gr", "tea", "mar", "kr", "and", "pla", "bud", "ol", "sec", "jo"]
PAGE = 20


class Rotation:
    """The next item of a list on every call (all operations of a turn share one)."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.position = -1

    def advance(self) -> str:
        self.position = (self.position + 1) % len(self.items)
        return self.items[self.position]

    @property
    def current(self) -> str:
        return self.items[max(self.position, 0)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--iterations", type=int, default=240)
    parser.add_argument("--warmup", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3, help="report the best of this many runs")
    args = parser.parse_args(argv)
    url: str = args.database_url
    n, warm = args.iterations, args.warmup

    setup_django(url)
    from torg.accounts.models import User
    from torg.posts.models import Post
    from torg.search import results, selectors
    from torg.search.models import SearchDocument
    from torg.search.text import parse_query

    viewer = User.objects.filter(email=TYPICAL_EMAIL).first()
    if viewer is None:
        print("no benchmark dataset here: run python -m bench.generate first", file=sys.stderr)
        return 1
    documents = SearchDocument.objects.count()
    if not documents:
        print("the search index is empty: run manage.py rebuild_search_index", file=sys.stderr)
        return 1
    bare = Bare(url)
    if not bare.sqlite:
        # Django turns JIT off for search statements (SET LOCAL); the driver does the same.
        bare.conn.execute("SET jit = off")
    server = (
        "SQLite " + sqlite3.sqlite_version
        if bare.sqlite
        else str(bare.rows("SHOW server_version", {})[0][0]).join(["PostgreSQL ", ""])
    )
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(f"load average (uptime): {load_average()}")
    print(f"database: {server}; posts {Post.objects.count():,}, search documents {documents:,}")
    print(f"code under test: git {git_revision()} + working tree")
    print(
        f"iterations: {n} after {warm} warm-up calls each, interleaved with the baselines, "
        f"one thread; best of {args.runs} runs; queries rotate over {len(QUERIES)}\n"
    )

    words = Rotation(QUERIES)
    # Keys: (query, with access, what): "ranked" is the one ranked statement, "window" the
    # statement Django runs on SQLite (the candidates it ranks in Python).
    statements: dict[tuple[str, bool, str], tuple[str, list[Any]]] = {}
    for text in QUERIES:
        for with_access in (True, False):
            sql, params = selectors.ranked_statement(
                viewer, parse_query(text), "post", limit=PAGE, with_access=with_access
            )
            statements[text, with_access, "ranked"] = (driver_sql(sql, bare.sqlite), params)
            sql, params = selectors.window_statement(
                viewer, parse_query(text), "post", with_access=with_access
            )
            statements[text, with_access, "window"] = (driver_sql(sql, bare.sqlite), params)
    same_sql = "window" if bare.sqlite else "ranked"

    def run_bare(with_access: bool, what: str = "ranked") -> Callable[[], object]:
        def call() -> object:
            sql, params = statements[words.current, with_access, what]
            if bare.sqlite:
                return bare.conn.execute(sql, params).fetchall()
            with bare.conn.cursor() as cur:
                cur.execute(sql, params, prepare=True)
                return cur.fetchall()

        return call

    def django_ranked() -> object:
        return selectors.ranked_ids(viewer, parse_query(words.advance()), "post", limit=PAGE)

    same = all(
        selectors.ranked_ids(viewer, parse_query(text), "post", limit=PAGE)
        == [row[0] for row in rows_of(bare, statements[text, True, "ranked"])]
        for text in QUERIES
    )

    names = ["ranked search first page, Django", "bare FTS, same SQL"]
    calls = [django_ranked, run_bare(True, same_sql)]
    if bare.sqlite:
        names.append("bare FTS + bm25(), one statement")
        calls.append(run_bare(True))
    ranked = best_of(
        args.runs, [*names, "bare FTS, no permissions"], [*calls, run_bare(False)], n, warm
    )

    def django_page() -> object:
        found = results.search(viewer, parse_query(words.advance()), kind="post")
        return [str(hit.snippet_html) for hit in found.sections[0].hits] if found.sections else []

    page = best_of(args.runs, ["search page data (ids+count+hits)"], [django_page], n // 2, warm)

    # SQLite keeps FTS5's rows-per-term counts per process (``sqlite_rank``): exact while the
    # index is unchanged, reused for up to a minute across small changes. Two more lines: each
    # search right after a post was indexed again (a write between every two searches, as on a
    # busy site; the write is its own line), and the worst case, the counts dropped first (the
    # first search of a process, or after a minute or a bigger change).
    cold: list[Result] = []
    if bare.sqlite:
        from torg.posts.models import Post
        from torg.search import indexing, sqlite_rank

        live = Post.objects.filter(deleted_at__isnull=True).order_by("-pk")
        post_ids = list(live.values_list("pk", flat=True)[:50])
        rewritten = Rotation([str(pk) for pk in post_ids])

        def index_a_post() -> object:
            indexing.index_post(int(rewritten.advance()))
            return None

        def django_ranked_cold() -> object:
            sqlite_rank._kept.clear()
            return django_ranked()

        cold = best_of(
            args.runs,
            ["index a post again (write)", "ranked search, after that write"],
            [index_a_post, django_ranked],
            max(1, n // 2),
            2,
        )
        cold += best_of(
            args.runs,
            ["ranked search, counts dropped first"],
            [django_ranked_cold],
            max(1, n // 4),
            2,
        )

    prefixes = Rotation(PREFIXES)

    def django_suggest() -> object:
        return results.suggest(viewer, prefixes.advance())

    suggest = best_of(
        args.runs, ["autocomplete (people, groups, topics)"], [django_suggest], n, warm
    )

    everything: list[Result] = [*ranked, *cold, *page, *suggest]
    print(f"{'operation':<40}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    for r in everything:
        print(f"{r.name:<40}{r.pct(0.5):9.2f}{r.pct(0.95):9.2f}{r.pct(0.99):9.2f}{r.rps:9.0f}")
    print()
    print(f"same ids as the bare ranked statement (bm25 in SQL): {same}")
    limit = 100 if bare.sqlite else 50
    targets = [
        (f"ranked search p95 <= {limit} ms", ranked[0].pct(0.95) <= limit, ranked[0].pct(0.95)),
        ("autocomplete p95 <= 30 ms", suggest[0].pct(0.95) <= 30, suggest[0].pct(0.95)),
    ]
    for label, ok, value in targets:
        print(f"target {label:<32} {'met' if ok else 'MISSED'} ({value:.1f} ms)")
    bare.close()
    return 0


def driver_sql(sql: str, sqlite: bool) -> str:
    """Django's ``%s`` placeholders for the driver: ``?`` for sqlite3, ``%s`` for psycopg."""
    return re.sub(r"%s", "?", sql) if sqlite else sql


def rows_of(bare: Bare, statement: tuple[str, list[Any]]) -> list[Any]:
    sql, params = statement
    if bare.sqlite:
        return list(bare.conn.execute(sql, params).fetchall())
    with bare.conn.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def load_average() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "?"


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
