"""Measure the home feed and post creation for the dataset's typical person, in-process.

    .venv/bin/python -m bench.feed --database-url postgres://postgres@127.0.0.1:5432/torg_bench

For each operation: warm-up, then --iterations timed calls, one after another; prints p50, p95
and p99 latency, requests per second (1 / mean) and queries per call. The Django figures go
through torg.feed.selectors.home_feed and torg.posts.actions.do_create_post; the baseline is one
hand-written SQL statement through the driver (psycopg, or sqlite3), no Django, fetching the same
rows. Posts created by the benchmark are deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import math
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TYPICAL_EMAIL = "typical@bench.torg.example"
PAGE = 20

# Same semantics as the feed: my groups (unless unfollowed), followed open groups, company-wide
# groups; people and hashtags I follow where I may see the post; not deleted; newest first.
FEED_SQL = """
SELECT p.id, p.author_id, p.group_id, p.body, p.body_html, p.created_at, p.edited_at,
       p.pinned_at, p.comment_count, p.reaction_count, p.share_count, p.seen_count,
       p.shared_post_id
FROM posts_post p
WHERE p.deleted_at IS NULL {keyset}
  AND (
    p.group_id IN (
      SELECT m.group_id FROM groups_membership m
      WHERE m.user_id = %(v)s AND NOT EXISTS (
        SELECT 1 FROM feed_groupfeedsetting s
        WHERE s.user_id = %(v)s AND s.group_id = m.group_id AND NOT s.in_feed)
      UNION ALL
      SELECT s.group_id FROM feed_groupfeedsetting s JOIN groups_group g ON g.id = s.group_id
      WHERE s.user_id = %(v)s AND s.in_feed AND g.privacy = 'open'
      UNION ALL
      SELECT g.id FROM groups_group g WHERE g.is_company_wide)
    OR (
      (p.author_id IN (SELECT f.followee_id FROM feed_personfollow f WHERE f.follower_id = %(v)s)
       OR EXISTS (
         SELECT 1 FROM posts_posthashtag ph JOIN feed_hashtagfollow hf
           ON hf.hashtag_id = ph.hashtag_id
         WHERE ph.post_id = p.id AND hf.user_id = %(v)s))
      AND (p.group_id IS NULL
           OR p.group_id IN (SELECT m.group_id FROM groups_membership m WHERE m.user_id = %(v)s)
           OR p.group_id IN (SELECT g.id FROM groups_group g WHERE g.privacy = 'open'))))
ORDER BY p.created_at DESC, p.id DESC
LIMIT {limit}
"""
KEYSET = "AND (p.created_at, p.id) < (%(ts)s, %(id)s)"
INSERT_SQL = """
INSERT INTO posts_post (body, body_html, created_at, comment_count, reaction_count,
                        share_count, seen_count, author_id, group_id)
VALUES (%(body)s, %(html)s, %(now)s, 0, 0, 0, 0, %(author)s, %(group)s)
RETURNING id
"""


@dataclass
class Result:
    name: str
    timings: list[float]
    queries: int | None = None

    def pct(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000

    @property
    def rps(self) -> float:
        return len(self.timings) / sum(self.timings)


def measure(name: str, fn: Callable[[], object], iterations: int, warmup: int) -> Result:
    for _ in range(warmup):
        fn()
    timings = []
    clock = time.perf_counter
    for _ in range(iterations):
        start = clock()
        fn()
        timings.append(clock() - start)
    return Result(name, timings)


class Bare:
    """The driver, no Django: psycopg for PostgreSQL, sqlite3 for SQLite."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite:")
        if self.sqlite:
            import dj_database_url

            self.conn: Any = sqlite3.connect(
                str(dj_database_url.parse(url)["NAME"]), isolation_level=None
            )
        else:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)

    def sql(self, text: str) -> str:
        return re.sub(r"%\((\w+)\)s", r":\1", text) if self.sqlite else text

    def rows(self, text: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        if self.sqlite:
            return list(self.conn.execute(self.sql(text), params).fetchall())
        with self.conn.cursor() as cur:
            cur.execute(text, params, prepare=True)
            return list(cur.fetchall())

    def close(self) -> None:
        self.conn.close()


def setup_django(url: str) -> None:
    os.environ["TORG_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "torg.settings"  # the URL given, never test settings
    import django

    django.setup()


def load_contract(standin: bool) -> tuple[Callable[..., Any], Callable[..., Any], str]:
    """The real selector and action when they exist, else the stand-ins (said so loudly)."""
    from bench import _standin

    feed: Callable[..., Any] = _standin.home_feed
    create: Callable[..., Any] = _standin.do_create_post
    if standin:
        return feed, create, "home_feed and do_create_post: STAND-IN (forced with --standin)"
    notes = []
    try:
        feed = importlib.import_module("torg.feed.selectors").home_feed
        notes.append("home_feed: real")
    except (ImportError, AttributeError) as exc:
        notes.append(f"home_feed: STAND-IN (bench/_standin.py; {exc})")
    try:
        create = importlib.import_module("torg.posts.actions").do_create_post
        notes.append("do_create_post: real")
    except (ImportError, AttributeError) as exc:
        notes.append(f"do_create_post: STAND-IN (bench/_standin.py; {exc})")
    return feed, create, "; ".join(notes)


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = sys.version.split()[0]
    return f"{os.cpu_count()} CPUs, {mem:.0f} GiB RAM, {platform.platform()}, Python {python}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feed", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--standin", action="store_true", help="use bench/_standin.py")
    args = parser.parse_args(argv)
    url: str = args.database_url
    n, warm = args.iterations, args.warmup

    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from torg.accounts.models import User
    from torg.groups.models import Group, Membership
    from torg.posts.models import Post

    home_feed, do_create_post, contract = load_contract(args.standin)

    viewer = User.objects.filter(email=TYPICAL_EMAIL).first()
    if viewer is None:
        print("no benchmark dataset here: run python -m bench.generate first", file=sys.stderr)
        return 1
    bare = Bare(url)
    server = (
        "SQLite " + sqlite3.sqlite_version
        if bare.sqlite
        else str(bare.rows("SHOW server_version", {})[0][0]).join(["PostgreSQL ", ""])
    )
    counts = {
        "people": User.objects.count(),
        "groups": Group.objects.count(),
        "posts": Post.objects.count(),
        "viewer's groups": Membership.objects.filter(user=viewer).count(),
        "viewer follows": viewer.following.count(),
    }
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(f"database: {server}; {', '.join(f'{k} {v:,}' for k, v in counts.items())}")
    print(f"code under test: {contract} (git {git_revision()} + working tree)")
    print(f"iterations: {n} after {warm} warm-up calls each, sequential, one thread\n")

    def touch(posts: Sequence[Any]) -> None:
        # What rendering reads: author and group of each post.
        for post in posts:
            _ = (post.author.name, post.group.name if post.group_id else "")

    def django_first() -> Any:
        page = home_feed(viewer, order="recent", cursor=None, limit=PAGE)
        touch(page.posts)
        return page

    first = django_first()
    cursor = first.next_cursor

    def django_next() -> Any:
        page = home_feed(viewer, order="recent", cursor=cursor, limit=PAGE)
        touch(page.posts)
        return page

    first_sql = FEED_SQL.format(keyset="", limit=PAGE)
    next_sql = FEED_SQL.format(keyset=KEYSET, limit=PAGE)
    bare_first_rows = bare.rows(first_sql, {"v": viewer.pk})
    last = bare_first_rows[-1]
    next_params = {"v": viewer.pk, "ts": last[5], "id": last[0]}
    bare_next_rows = bare.rows(next_sql, next_params)

    same_first = [p.pk for p in first.posts] == [r[0] for r in bare_first_rows]
    same_next = [p.pk for p in django_next().posts] == [r[0] for r in bare_next_rows]

    results: list[Result] = []
    for name, fn in [
        ("feed first page, Django", django_first),
        ("feed first page, bare SQL", lambda: bare.rows(first_sql, {"v": viewer.pk})),
        ("feed next page, Django", django_next),
        ("feed next page, bare SQL", lambda: bare.rows(next_sql, next_params)),
    ]:
        result = measure(name, fn, n, warm)
        if "Django" in name:
            with CaptureQueriesContext(connection) as ctx:
                fn()
            result.queries = len(ctx.captured_queries)
        else:
            result.queries = 1
        results.append(result)

    # Post creation: in an open group the viewer is not in, by its admin; deleted afterwards.
    group = (
        Group.objects.filter(privacy=Group.Privacy.OPEN, is_company_wide=False)
        .exclude(memberships__user=viewer)
        .order_by("id")
        .first()
    )
    assert group is not None
    author = User.objects.get(pk=group.memberships.order_by("id").values("user_id")[:1])
    created: list[int] = []
    body = "Benchmark post: status update with a #benchmark tag."

    def django_create() -> None:
        created.append(do_create_post(author=author, group=group, body=body).pk)

    def bare_create() -> None:
        now = dt.datetime.now(dt.UTC)
        params = {
            "body": body,
            "html": f"<p>{body}</p>",
            "now": now.strftime("%Y-%m-%d %H:%M:%S.%f") if bare.sqlite else now,
            "author": author.pk,
            "group": group.pk,
        }
        created.append(int(bare.rows(INSERT_SQL, params)[0][0]))

    try:
        create = measure("create post, Django", django_create, n, warm)
        with CaptureQueriesContext(connection) as ctx:
            django_create()
        create.queries = len(ctx.captured_queries)
        results.append(create)
        bare_insert = measure("create post, bare INSERT", bare_create, n, warm)
        bare_insert.queries = 1
        results.append(bare_insert)
    finally:
        Post.objects.filter(pk__in=created).delete()

    render = render_page(viewer)
    if render:
        results.append(measure("feed page, HTTP via test Client", render, max(n // 3, 10), 5))

    print(f"{'operation':<34}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'queries':>9}")
    for r in results:
        queries = "" if r.queries is None else str(r.queries)
        print(
            f"{r.name:<34}{r.pct(0.5):9.2f}{r.pct(0.95):9.2f}{r.pct(0.99):9.2f}"
            f"{r.rps:9.0f}{queries:>9}"
        )
    by_name = {r.name: r for r in results}
    ratio_first = by_name["feed first page, Django"].rps / by_name["feed first page, bare SQL"].rps
    ratio_next = by_name["feed next page, Django"].rps / by_name["feed next page, bare SQL"].rps
    print()
    print(f"same rows as bare SQL: first page {same_first}, next page {same_next}")
    print(f"throughput Django / bare SQL: first page {ratio_first:.0%}, next page {ratio_next:.0%}")
    worst_feed = max(
        by_name["feed first page, Django"].pct(0.99), by_name["feed next page, Django"].pct(0.99)
    )
    targets = [
        ("feed page p99 <= 100 ms", worst_feed <= 100, f"{worst_feed:.1f} ms"),
        ("throughput >= 30 % of bare SQL", min(ratio_first, ratio_next) >= 0.3,
         f"{min(ratio_first, ratio_next):.0%}"),
        ("post creation p99 <= 50 ms", create.pct(0.99) <= 50, f"{create.pct(0.99):.1f} ms"),
    ]  # fmt: skip
    for label, ok, value in targets:
        print(f"target {label:<32} {'met' if ok else 'MISSED'} ({value})")
    bare.close()
    return 0


def render_page(viewer: Any) -> Callable[[], None] | None:
    """The home feed page through Django's test Client, if a feed view exists."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    for name in ("feed:home", "home"):
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue
        client = Client(HTTP_HOST="localhost")
        client.force_login(viewer)
        response = client.get(path)
        if response.status_code != 200:
            print(f"(feed view {path} answered {response.status_code}; not measured)")
            return None

        def get(client: Client = client, path: str = path) -> None:
            client.get(path)

        return get
    print("(no feed view yet; HTTP not measured)")
    return None


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
