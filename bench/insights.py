"""Insights benchmark (issue 8): the rollup job over raw events, and dashboard load.

Two modes.

``events`` (issue 8's figure: 100,000 people and over 10,000,000 raw events)::

    .venv/bin/python -m bench.generate --preset large \\
        --database-url postgres://postgres@127.0.0.1:5432/torg_bench
    .venv/bin/python -m bench.insights events --template torg_bench \\
        --database-url postgres://postgres@127.0.0.1:5432/torg_bench_ins

Works on a copy of the feed dataset (``CREATE DATABASE … TEMPLATE``; the template is never
written). On first use (``prepare``) it adds what the generator does not write: seen-by rows
(``feed.PostSeen``: 2 + the post's reactions, capped at the group's size, by distinct members,
within three days of the post; the posts' ``seen_count`` set to match) and chat messages (10,000
direct conversations: one per ten people, 200 messages each), all in the dataset's last 365
days. The process then runs at the dataset's "now" (``bench.generate.ANCHOR``: Django's clock
is set back, the timestamps are left as generated). ``rollup`` empties the insights tables and times
``do_roll_up_recent_days(days=365)`` (the backfill after installing) and then one hourly run
(yesterday + today), printing rows written, queries and seconds per day. ``pages`` measures
the insights pages that exist (network, the busiest group's dashboard, a post's insights,
topics, people; absent ones are skipped with a note) through Django's test client as the network
admin, interleaved with a replay of the same SQL statements on a bare psycopg connection, and
lists any raw-table scan in their plans. ``--phases`` picks phases; ``--suggested-indexes``
first adds the indexes proposed in docs/benchmarks.md (in the bench database only).

``synthetic`` (the default; own database, e.g. ``torg_bench_insights``) fills the rollup tables
directly with what such a year leaves behind (365 ``NetworkDay``, 40 departments + 15 locations,
10,000 groups × 365 ``GroupDay``, ``GroupHour`` for 1,000 busy groups) with INSERT … SELECT
generate_series, and measures the network and a group dashboard against hand-written SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from bench.feed import git_revision, machine, setup_django

ADMIN_EMAIL = "admin@bench-insights.torg.example"
GROUPS = 10_000
PEOPLE = 100_000
DAYS = 365

NETWORK_SQL = [
    "SELECT * FROM insights_networkday WHERE day >= %(since)s AND day <= %(until)s ORDER BY day",
    "SELECT dimension, segment_id, max(name), max(people), avg(active) FROM insights_segmentday"
    " WHERE day >= %(since)s AND day <= %(until)s GROUP BY 1, 2 ORDER BY 1, 3",
]
GROUP_SQL = [
    "SELECT * FROM insights_groupday WHERE group_id = %(g)s AND day >= %(since)s"
    " AND day <= %(until)s ORDER BY day",
    "SELECT hour, sum(posts), sum(engagement) FROM insights_grouphour WHERE group_id = %(g)s"
    " AND day >= %(since)s AND day <= %(until)s GROUP BY hour ORDER BY hour",
]


def ensure_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(today: dt.date) -> None:
    from django.db import connection

    from torg.accounts.models import User
    from torg.groups.models import Group
    from torg.people.models import Department, Location

    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        User.objects.create_user(ADMIN_EMAIL, "bench-insights-pw", name="Bench", is_staff=True)
    if Group.objects.count() < GROUPS:
        Group.objects.bulk_create(
            [
                Group(name=f"Bench group {i}", slug=f"bench-group-{i}", privacy="open")
                for i in range(Group.objects.count(), GROUPS)
            ],
            batch_size=2000,
        )
    for i in range(40):
        Department.objects.get_or_create(name=f"Department {i}", defaults={"slug": f"dep-{i}"})
    for i in range(15):
        Location.objects.get_or_create(name=f"Location {i}", defaults={"slug": f"loc-{i}"})
    since = today - dt.timedelta(days=DAYS - 1)
    params: dict[str, Any] = {"since": since, "today": today, "days": DAYS, "people": PEOPLE}
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM insights_groupday")
        if cur.fetchone()[0] >= GROUPS * DAYS:
            return
        print("filling rollup tables ...", flush=True)
        for table in ("networkday", "segmentday", "groupday", "grouphour"):
            cur.execute(f"TRUNCATE insights_{table}")
        cur.execute(
            """INSERT INTO insights_networkday (day, people, active, weekly_active,
                 monthly_active, posters, posts, comments, reactions, messages, sad_reactions,
                 negative_comments)
               SELECT %(since)s::date + d, %(people)s, 40000 + d * 7 %% 9000, 70000, 85000,
                      6000, 2700, 5500, 8200, 11000, 300, 200
               FROM generate_series(0, %(days)s - 1) d""",
            params,
        )
        cur.execute(
            """INSERT INTO insights_segmentday (dimension, segment_id, name, day, people, active)
               SELECT 'department', dep.id, dep.name, %(since)s::date + d, 2500,
                      1000 + (dep.id * 31 + d) %% 900
               FROM people_department dep, generate_series(0, %(days)s - 1) d
               UNION ALL
               SELECT 'location', loc.id, loc.name, %(since)s::date + d, 6600,
                      2600 + (loc.id * 17 + d) %% 1500
               FROM people_location loc, generate_series(0, %(days)s - 1) d""",
            params,
        )
        cur.execute(
            """INSERT INTO insights_groupday (group_id, day, members, active_members, readers,
                 posts, comments, reactions)
               SELECT g.id, %(since)s::date + d, 10 + g.id %% 500, (g.id + d) %% 10,
                      (g.id * 3 + d) %% 40, (g.id + d) %% 3, (g.id + d * 5) %% 7,
                      (g.id * 7 + d) %% 11
               FROM groups_group g, generate_series(0, %(days)s - 1) d""",
            params,
        )
        cur.execute(
            """INSERT INTO insights_grouphour (group_id, day, hour, posts, engagement)
               SELECT g.id, %(since)s::date + d, h, 1 + (g.id + h) %% 3, (g.id * h + d) %% 25
               FROM (SELECT id FROM groups_group ORDER BY id LIMIT 1000) g,
                    generate_series(0, %(days)s - 1) d, generate_series(8, 15) h""",
            params,
        )
        cur.execute("ANALYZE")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms"


def run_synthetic(args: argparse.Namespace) -> int:
    ensure_database(args.database_url)
    os.environ.setdefault("TORG_ALLOWED_HOSTS", "localhost")
    setup_django(args.database_url)
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from torg.accounts.models import User
    from torg.groups.models import Group

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    fill(today)
    admin = User.objects.get(email=ADMIN_EMAIL)
    group = Group.objects.order_by("pk")[GROUPS // 2]
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    network_url, group_url = (
        "/insights/network/?period=365",
        f"/insights/groups/{group.slug}/?period=365",
    )
    bare = psycopg.connect(args.database_url, autocommit=True)
    params = {"since": today - dt.timedelta(days=DAYS - 1), "until": today, "g": group.pk}

    def page(url: str) -> float:
        start = time.perf_counter()
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - start

    def sql(statements: list[str]) -> float:
        start = time.perf_counter()
        for statement in statements:
            bare.execute(statement, params).fetchall()
        return time.perf_counter() - start

    def count_queries(url: str) -> int:
        seen: list[str] = []

        def wrapper(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            page(url)
        return len(seen)

    network_queries, group_queries = count_queries(network_url), count_queries(group_url)
    timings: dict[str, list[float]] = {k: [] for k in ("network", "nsql", "group", "gsql")}
    for i in range(args.warmup + args.iterations):
        values = (page(network_url), sql(NETWORK_SQL), page(group_url), sql(GROUP_SQL))
        if i >= args.warmup:
            for key, value in zip(timings, values, strict=True):
                timings[key].append(value)
    with connection.cursor() as cur:
        counts = {}
        for table in ("networkday", "segmentday", "groupday", "grouphour"):
            cur.execute(f"SELECT count(*) FROM insights_{table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0]
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(
        "uptime:"
        + subprocess.run(["uptime"], capture_output=True, text=True)
        .stdout.split("load")[-1]
        .rstrip()
    )
    print(f"database: PostgreSQL {server}; " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"code under test: git {git_revision()} + working tree")
    print(f"iterations: {args.iterations} (after {args.warmup} warm-up), interleaved")
    print(
        f"network dashboard page (365 days): {percentiles(timings['network'])}; "
        f"{network_queries} queries"
    )
    print(f"  bare SQL, same rollup rows:       {percentiles(timings['nsql'])}")
    print(
        f"group dashboard page (365 days):   {percentiles(timings['group'])}; "
        f"{group_queries} queries"
    )
    print(f"  bare SQL, same rollup rows:       {percentiles(timings['gsql'])}")
    print(
        f"mean: network {statistics.mean(timings['network']) * 1000:.1f} ms, "
        f"group {statistics.mean(timings['group']) * 1000:.1f} ms"
    )
    return 0


# ---------------------------------------------------------------------------------------------
# events mode: the rollup job over raw events, then the pages

CONVERSATIONS_PER_PERSON = 0.1  # 10,000 direct conversations for 100,000 people
MESSAGES_EACH = 200
YEAR = dt.timedelta(days=365)
# Raw event tables and their timestamp; PostSeen and chat messages count as events (activity).
EVENT_SOURCES = {
    "posts_post": "created_at",
    "posts_comment": "created_at",
    "posts_reaction": "created_at",
    "feed_postseen": "seen_at",
    "chat_message": "created_at",
}
# Proposed in docs/benchmarks.md: the rollup's per-day filters on these columns have no index.
SUGGESTED_INDEXES = [
    ("bench_reaction_created", "posts_reaction", "created_at"),
    ("bench_comment_created", "posts_comment", "created_at"),
    ("bench_postseen_seen", "feed_postseen", "seen_at"),
    ("bench_message_created", "chat_message", "created_at"),
]
BODIES = [
    "ok, takk",
    "Ser på det nå",
    "Can you send me the latest version?",
    "Møtet er flyttet til 14",
    "Thanks, that helps",
    "Jeg sitter fast med rapporten",
    "Lunch?",
    "Great work on the release",
]


def say(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def load() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.split("load average:")[-1].strip()


def copy_database(url: str, template: str) -> None:
    """Create the bench database as a copy of ``template`` (needs no open connection to it)."""
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        if not template:
            raise SystemExit(f"database {name} does not exist; pass --template torg_bench")
        for attempt in range(60):
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                say(f"created {name} from template {template}")
                return
            except psycopg.errors.ObjectInUse:
                say(f"template {template} is in use, retrying ({attempt + 1}/60)")
                time.sleep(10)
    raise SystemExit(f"could not copy {template}: it stayed in use")


def add_seen(cur: Any, anchor: dt.datetime) -> None:
    """Seen-by rows for every post of the dataset's last year: 2 + its reactions, capped at the
    group's size, seen by distinct members (anyone for profile posts) within 3 days."""
    params = {"anchor": anchor, "since": anchor - YEAR}
    cur.execute(
        """CREATE TEMP TABLE bench_members AS
           SELECT group_id, user_id,
                  row_number() OVER (PARTITION BY group_id ORDER BY user_id)::int AS rn
           FROM groups_membership"""
    )
    cur.execute(
        "CREATE TEMP TABLE bench_sizes AS"
        " SELECT group_id, count(*)::int AS n FROM bench_members GROUP BY group_id"
    )
    cur.execute("ANALYZE bench_members")
    cur.execute("ANALYZE bench_sizes")
    cur.execute("SELECT setseed(0.8)")
    cur.execute(
        """INSERT INTO feed_postseen (post_id, user_id, seen_at)
           SELECT p.id, m.user_id,
                  least(p.created_at + random() ^ 3 * interval '3 days', %(anchor)s)
           FROM posts_post p
           JOIN bench_sizes s ON s.group_id = p.group_id
           CROSS JOIN LATERAL generate_series(0, least(s.n, 2 + p.reaction_count) - 1) AS i
           JOIN bench_members m ON m.group_id = p.group_id
                AND m.rn = 1 + (p.id::bigint * 7919 + i) %% s.n
           WHERE p.deleted_at IS NULL AND p.created_at > %(since)s""",
        params,
    )
    cur.execute("SELECT count(*), max(id) FROM accounts_user")
    people, top = cur.fetchone()
    assert people == top, "people ids are expected to be 1..n"
    # 4729 is prime, so i * 4729 mod people differs for every i: distinct readers.
    cur.execute(
        """INSERT INTO feed_postseen (post_id, user_id, seen_at)
           SELECT p.id, 1 + (p.id::bigint * 7919 + i * 4729) %% %(people)s,
                  least(p.created_at + random() ^ 3 * interval '3 days', %(anchor)s)
           FROM posts_post p
           CROSS JOIN LATERAL generate_series(0, least(%(people)s, 2 + p.reaction_count) - 1) AS i
           WHERE p.group_id IS NULL AND p.deleted_at IS NULL AND p.created_at > %(since)s""",
        {**params, "people": people},
    )
    cur.execute("DROP TABLE bench_members, bench_sizes")


def add_messages(cur: Any, anchor: dt.datetime) -> None:
    """Direct conversations (one per 10 people) with 200 messages each, spread over the
    dataset's last year."""
    cur.execute("SELECT count(*) FROM accounts_user")
    people = cur.fetchone()[0]
    cur.execute("SELECT coalesce(max(id), 0) FROM chat_conversation")
    base = cur.fetchone()[0]
    params = {
        "anchor": anchor,
        "since": anchor - YEAR,
        "people": people,
        "base": base,
        "n": int(people * CONVERSATIONS_PER_PERSON),
        "each": MESSAGES_EACH,
        "bodies": BODIES,
    }
    cur.execute(
        """INSERT INTO chat_conversation (id, kind, name, direct_key, created_by_id, created_at,
             last_seq, last_message_at)
           SELECT %(base)s + c, 'direct', '', least(a, b) || ':' || greatest(a, b), a,
                  %(since)s, %(each)s, %(anchor)s
           FROM (SELECT c, 1 + (c * 7919) %% %(people)s AS a,
                        1 + ((c * 7919) %% %(people)s + 1 + c %% least(997, %(people)s - 1))
                            %% %(people)s AS b
                 FROM generate_series(1, %(n)s) c) pairs
           ON CONFLICT (direct_key) DO NOTHING""",
        params,
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('chat_conversation', 'id'), max(id))"
        " FROM chat_conversation"
    )
    cur.execute(
        """INSERT INTO chat_participant (conversation_id, user_id, last_read_seq, muted, joined_at)
           SELECT c.id, split_part(c.direct_key, ':', k)::bigint, %(each)s, false, c.created_at
           FROM chat_conversation c, generate_series(1, 2) k WHERE c.id > %(base)s""",
        params,
    )
    cur.execute("SELECT setseed(0.3)")
    cur.execute(
        """INSERT INTO chat_message (conversation_id, seq, sender_id, client_id, body, body_html,
             parent_id, reply_count, created_at)
           SELECT c.id, m, split_part(c.direct_key, ':', 1 + m %% 2)::bigint,
                  'bench-' || c.id || '-' || m, body, '<p>' || body || '</p>', NULL, 0,
                  %(since)s + ((m - 1) + random()) / %(each)s * interval '365 days'
           FROM chat_conversation c
           CROSS JOIN LATERAL generate_series(1, %(each)s) m
           CROSS JOIN LATERAL (SELECT (%(bodies)s::text[])[1 + (c.id * 31 + m) %% 8] AS body) b
           WHERE c.id > %(base)s""",
        params,
    )
    cur.execute(
        """UPDATE chat_conversation c SET last_message_at = x.at
           FROM (SELECT conversation_id, max(created_at) AS at FROM chat_message
                 WHERE conversation_id > %(base)s GROUP BY 1) x
           WHERE x.conversation_id = c.id""",
        params,
    )


def prepare() -> None:
    """Add seen-by rows and chat messages if absent (in the dataset's last year), and set the
    posts' ``seen_count`` from the seen-by rows. The template's timestamps are kept."""
    from django.db import connection, transaction

    from bench.generate import ANCHOR

    with connection.cursor() as cur:
        cur.execute("SELECT max(created_at) FROM posts_post")
        latest = cur.fetchone()[0]
        if latest is None:
            raise SystemExit("no posts: generate the dataset first (python -m bench.generate)")
        assert latest <= ANCHOR, f"newest post {latest} is after bench.generate.ANCHOR"
        cur.execute("SELECT EXISTS (SELECT 1 FROM feed_postseen)")
        if cur.fetchone()[0]:
            say("dataset already prepared (it has seen-by rows)")
            return
        with transaction.atomic():
            # The rows are consistent by construction: skip the per-row foreign key triggers
            # (Django's are deferred to COMMIT, where millions of checks take minutes).
            cur.execute("SET LOCAL session_replication_role = replica")
            started = time.perf_counter()
            add_seen(cur, ANCHOR)
            cur.execute("SELECT count(*) FROM feed_postseen")
            seen = cur.fetchone()[0]
            say(f"added {seen:,} seen-by rows in {time.perf_counter() - started:.0f} s")
            cur.execute(
                """UPDATE posts_post p SET seen_count = s.n
                   FROM (SELECT post_id, count(*) AS n FROM feed_postseen GROUP BY 1) s
                   WHERE s.post_id = p.id"""
            )
            say(f"set seen_count of {cur.rowcount:,} posts")
            cur.execute("SELECT EXISTS (SELECT 1 FROM chat_message)")
            if not cur.fetchone()[0]:
                started = time.perf_counter()
                add_messages(cur, ANCHOR)
                say(f"added chat messages in {time.perf_counter() - started:.0f} s")
        say("ANALYZE")
        cur.execute(
            "ANALYZE feed_postseen, posts_post, chat_conversation, chat_participant, chat_message"
        )


def use_dataset_clock() -> dt.datetime:
    """Run this process at the dataset's "now" (``bench.generate.ANCHOR``): Django's
    ``timezone.now`` (and so ``localdate``, which the job and the pages use for "today") runs
    that far behind the real clock. The template's 14,000,000 timestamps stay as generated."""
    from django.utils import timezone

    from bench.generate import ANCHOR

    real = timezone.now
    offset = real() - ANCHOR
    timezone.now = lambda: real() - offset
    return ANCHOR


def add_suggested_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for name, table, column in SUGGESTED_INDEXES:
            started = time.perf_counter()
            cur.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
            say(f"index {name} on {table}({column}): {time.perf_counter() - started:.1f} s")
        cur.execute("ANALYZE")


def count_events(now: dt.datetime) -> dict[str, int]:
    """Raw events in the year before ``now``, by table."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for table, column in EVENT_SOURCES.items():
            cur.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}" > %s AND "{column}" <= %s',
                [now - YEAR, now],
            )
            counts[table] = cur.fetchone()[0]
    return counts


def rollup_models() -> list[Any]:
    from django.apps import apps

    return list(apps.get_app_config("insights").get_models())


def empty_rollups() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    tables = [model._meta.db_table for model in rollup_models()]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def rollup_rows(days: Sequence[dt.date] | None = None) -> dict[str, int]:
    """Rows per rollup table (only those of ``days`` for tables with a ``day`` column)."""
    rows = {}
    for model in rollup_models():
        query = model.objects.all()
        if days is not None and any(f.name == "day" for f in model._meta.fields):
            query = query.filter(day__in=days)
        rows[model.__name__] = query.count()
    return rows


@dataclass
class RollupRun:
    label: str
    days: list[dt.date]
    seconds: float
    queries: int
    rows: dict[str, int]
    day_seconds: list[float] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""


def time_rollup(label: str, *, today: dt.date, days: int, progress: bool = False) -> RollupRun:
    """Time ``do_roll_up_recent_days`` as the periodic job calls it; count its queries and the
    rollup rows of the days it did. Per-day times come from watching ``do_roll_up_day``."""
    from django.db import connection

    from torg.insights import rollup

    queries = 0
    day_seconds: list[float] = []

    def counting(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    original = rollup.do_roll_up_day

    def timed_day(*, day: dt.date) -> None:
        started = time.perf_counter()
        original(day=day)
        day_seconds.append(time.perf_counter() - started)
        if progress and (days <= 30 or len(day_seconds) % 30 == 0):
            say(
                f"  {len(day_seconds)}/{days} days, last {day}: {day_seconds[-1]:.1f} s,"
                f" median {statistics.median(day_seconds):.1f} s/day (load {load()})"
            )

    before = load()
    rollup.do_roll_up_day = timed_day
    try:
        started = time.perf_counter()
        with connection.execute_wrapper(counting):
            done = rollup.do_roll_up_recent_days(today=today, days=days)
        seconds = time.perf_counter() - started
    finally:
        rollup.do_roll_up_day = original
    return RollupRun(label, done, seconds, queries, rollup_rows(done), day_seconds, before, load())


def print_rollup(run: RollupRun) -> None:
    per_day = ""
    if run.day_seconds:
        ordered = sorted(run.day_seconds)
        per_day = (
            f"; per day median {statistics.median(ordered):.2f} s,"
            f" max {ordered[-1]:.2f} s ({len(ordered)} days)"
        )
    print(
        f"{run.label}: {run.days[0]} .. {run.days[-1]} ({len(run.days)} days) in"
        f" {run.seconds:.1f} s, {run.queries:,} queries{per_day}"
    )
    print("  rows of those days: " + ", ".join(f"{k} {v:,}" for k, v in run.rows.items()))
    print(f"  load before: {run.load_before}; after: {run.load_after}")


def explain_rollup(day: dt.date, top: int = 10) -> None:
    """Roll up one day with every statement timed, then EXPLAIN ANALYZE the slowest reads."""
    import json

    from django.db import connection

    from torg.insights.rollup import do_roll_up_day

    timed: list[tuple[float, str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - started, sql, params))

    started = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        do_roll_up_day(day=day)
    total = time.perf_counter() - started
    print(
        f"one day ({day}) with statements timed: {total:.1f} s, {len(timed)} statements,"
        f" {sum(t for t, _, _ in timed):.1f} s in execute() (server-side cursors fetch later)"
    )
    plans = []
    with connection.cursor() as cur:
        for _, sql, params in timed:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            raw = cur.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            scans, stack = [], [plan["Plan"]]
            while stack:
                node = stack.pop()
                stack.extend(node.get("Plans", []))
                if "Scan" in node["Node Type"] and "Relation Name" in node:
                    removed = node.get("Rows Removed by Filter", 0)
                    scans.append(
                        f"{node['Node Type']} {node['Relation Name']}"
                        f" ({node.get('Actual Rows', 0):,.0f} rows"
                        + (f", {removed:,.0f} removed by filter" if removed else "")
                        + ")"
                    )
            plans.append((plan["Execution Time"], sql, scans))
    plans.sort(key=lambda item: -item[0])
    reads = sum(ms for ms, _, _ in plans) / 1000
    print(f"  EXPLAIN ANALYZE of its {len(plans)} reads: {reads:.1f} s; slowest {top}:")
    for ms, sql, scans in plans[:top]:
        print(f"  {ms:8.0f} ms  {' '.join(sql.split())[:160]}")
        print(f"             {'; '.join(scans)}")


@dataclass
class PageResult:
    name: str
    path: str
    queries: int
    tables: list[str]
    raw_scans: list[str]
    page: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)


Replay = Callable[[list[tuple[str, Any]]], None]
TABLE_RE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


@contextmanager
def capturing() -> Iterator[list[tuple[str, Any]]]:
    from django.db import connection

    seen: list[tuple[str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def django_replay(statements: list[tuple[str, Any]]) -> None:
    """Replay through Django's cursor (SQLite in tests); the PostgreSQL run uses psycopg."""
    from django.db import connection

    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            if cur.description:
                cur.fetchall()


def psycopg_replay(url: str) -> Replay:
    import psycopg

    bare = psycopg.connect(url, autocommit=True)

    def replay(statements: list[tuple[str, Any]]) -> None:
        with bare.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                if cur.description:
                    cur.fetchall()

    return replay


def raw_scans(statements: list[tuple[str, Any]]) -> list[str]:
    """Sequential scans of tables over 10,000 rows in the plans of the pages' statements."""
    import json

    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            raw = cur.fetchone()[0]
            plan = json.loads(raw) if isinstance(raw, str) else raw
            stack = [plan[0]["Plan"]]
            while stack:
                node = stack.pop()
                stack.extend(node.get("Plans", []))
                if node["Node Type"] == "Seq Scan":
                    table = node["Relation Name"]
                    cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
                    rows = cur.fetchone()[0]
                    if rows > 10_000:
                        found.append(f"{table} (~{rows:,.0f} rows)")
    return found


def measure_pages(
    pages: Sequence[tuple[str, str]],
    user: Any,
    *,
    iterations: int,
    warmup: int,
    replay: Replay = django_replay,
) -> tuple[list[PageResult], list[str]]:
    """Each page that resolves and answers 200: its queries, then page and bare replay
    interleaved. Returns the results and a note per page skipped."""
    from django.test import Client
    from django.urls import Resolver404, resolve

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    results: list[PageResult] = []
    notes: list[str] = []
    captured: dict[str, list[tuple[str, Any]]] = {}
    for name, path in pages:
        try:
            resolve(urlparse(path).path)
        except Resolver404:
            notes.append(f"{name}: {urlparse(path).path} does not exist (yet), skipped")
            continue
        client.get(path, secure=True)  # warm caches and the session
        with capturing() as statements:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            notes.append(f"{name}: {path} answered {response.status_code}, skipped")
            continue
        reads = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
        tables = sorted({t for sql, _ in reads for t in TABLE_RE.findall(sql)})
        results.append(PageResult(name, path, len(statements), tables, raw_scans(reads)))
        captured[name] = reads

    def page(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    def bare(statements: list[tuple[str, Any]]) -> float:
        started = time.perf_counter()
        replay(statements)
        return time.perf_counter() - started

    for i in range(warmup + iterations):
        for result in results:
            page_time, bare_time = page(result.path), bare(captured[result.name])
            if i >= warmup:
                result.page.append(page_time)
                result.bare.append(bare_time)
    return results, notes


def print_pages(results: list[PageResult], notes: list[str]) -> None:
    for r in results:
        ratio = statistics.median(r.page) / statistics.median(r.bare)
        print(f"{r.name} page {r.path}: {percentiles(r.page)}; {r.queries} queries")
        print(f"  bare SQL, same statements: {percentiles(r.bare)}; page/bare p50 {ratio:.1f}x")
        print(f"  tables read: {', '.join(r.tables)}")
        print(f"  raw-table scans in plans: {', '.join(r.raw_scans) or 'none'}")
    for note in notes:
        print(f"note: {note}")


def bench_pages(url: str, today: dt.date, extra: list[str]) -> list[tuple[str, str]]:
    """The insights pages to measure, on the busiest group and its most engaging post."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT group_id FROM insights_postday GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "SELECT group_id FROM groups_membership GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
            row = cur.fetchone()
        group_id = row[0]
        cur.execute("SELECT slug FROM groups_group WHERE id = %s", [group_id])
        slug = cur.fetchone()[0]
        cur.execute(
            """SELECT id FROM posts_post WHERE group_id = %s AND deleted_at IS NULL
               AND created_at >= %s ORDER BY reaction_count + comment_count DESC LIMIT 1""",
            [group_id, today - dt.timedelta(days=30)],
        )
        post = cur.fetchone()
    pages = [
        ("network", "/insights/network/?period=365"),
        ("group", f"/insights/groups/{slug}/?period=365"),
        ("post", f"/insights/posts/{post[0] if post else 0}/"),
        ("topics", "/insights/topics/?period=365"),
        ("people", "/insights/people/?period=365"),
        ("group topics", f"/insights/groups/{slug}/topics/?period=365"),
        ("group people", f"/insights/groups/{slug}/people/?period=365"),
    ]
    for item in extra:
        name, _, path = item.partition("=")
        pages.append((name, path.format(slug=slug, post=post[0] if post else 0)))
    return pages


def run_events(args: argparse.Namespace) -> int:
    phases = set(args.phases.split(","))
    copy_database(args.database_url, args.template)
    os.environ.setdefault("TORG_ALLOWED_HOSTS", "localhost")
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from torg.accounts.models import User

    call_command("migrate", verbosity=0)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"database: PostgreSQL {cur.fetchone()[0]} ({urlparse(args.database_url).path[1:]})")
    print(f"code under test: git {git_revision()} + working tree")
    if "prepare" in phases:
        say(f"prepare (load {load()})")
        prepare()
    now = use_dataset_clock()
    today = timezone.localdate()
    print(f"clock: the dataset's now, {now:%Y-%m-%d %H:%M} UTC; today (local) {today}")
    if args.suggested_indexes:
        add_suggested_indexes()
    events = count_events(now)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_user WHERE is_active")
        people = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM groups_group")
        groups = cur.fetchone()[0]
    print(
        f"dataset: {people:,} people, {groups:,} groups; events in the last 365 days:"
        f" {sum(events.values()):,} (" + ", ".join(f"{k} {v:,}" for k, v in events.items()) + ")"
    )
    print("suggested indexes: " + ("present" if args.suggested_indexes else "not added"))
    if "rollup" in phases:
        empty_rollups()
        if args.days:
            say(f"backfill of {args.days} days (load {load()})")
            print_rollup(time_rollup("backfill", today=today, days=args.days, progress=True))
        say(f"hourly run (load {load()})")
        print_rollup(time_rollup("hourly run", today=today, days=2))
        print("rollup tables now: " + ", ".join(f"{k} {v:,}" for k, v in rollup_rows().items()))
    if "explain" in phases:
        say(f"explain: yesterday's rollup, statement by statement (load {load()})")
        explain_rollup(today - dt.timedelta(days=1))
    if "pages" in phases:
        admin = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
        assert admin is not None, "the dataset has no network admin"
        pages = bench_pages(args.database_url, today, args.page)
        say(f"pages, {args.iterations} iterations after {args.warmup} (load {load()})")
        results, notes = measure_pages(
            pages,
            admin,
            iterations=args.iterations,
            warmup=args.warmup,
            replay=psycopg_replay(args.database_url),
        )
        print_pages(results, notes)
        say(f"pages done (load {load()})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.insights",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("mode", nargs="?", choices=["synthetic", "events"], default="synthetic")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--template", default="", help="events: copy this database if missing")
    parser.add_argument(
        "--phases",
        default="prepare,rollup,pages",
        help="events: comma-separated, of prepare, explain, rollup, pages",
    )
    parser.add_argument(
        "--days", type=int, default=365, help="events: days to backfill (0: hourly run only)"
    )
    parser.add_argument(
        "--suggested-indexes", action="store_true", help="events: add the proposed indexes"
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        help="events: extra page NAME=PATH ({slug} and {post} are filled in)",
    )
    args = parser.parse_args(argv)
    if args.mode == "events":
        return run_events(args)
    return run_synthetic(args)


if __name__ == "__main__":
    sys.exit(main())
