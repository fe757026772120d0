"""Insights benchmark (issue 8): dashboard load from the rollup tables, against bare SQL.

    .venv/bin/python -m bench.insights \\
        --database-url postgres://postgres@127.0.0.1:5432/torg_bench_insights

Uses its own database (created if missing, migrated). On first use it fills the rollup tables
with what a year of activity of 100,000 people in 10,000 groups leaves behind, with INSERT ...
SELECT generate_series (server side, like COPY): 365 ``NetworkDay`` rows, ``SegmentDay`` for 40
departments and 15 locations, 3,650,000 ``GroupDay`` rows (every group, every day) and
``GroupHour`` rows (8 posting hours a day per group for 1,000 busy groups). It does NOT generate
the 10,000,000 raw events nor time the rollup job over them (see docs/benchmarks.md).

Then, interleaved, --iterations times each: the network dashboard page (365 days) and a group
dashboard page (365 days) through Django's test client as a network admin (the full view:
session, access checks, selector, template), and the bare SQL reads of the same rollup rows
(psycopg, no Django). Prints p50/p95/p99 and queries per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
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
    params = {"since": since, "today": today, "days": DAYS, "people": PEOPLE}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
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

        def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
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


if __name__ == "__main__":
    sys.exit(main())
