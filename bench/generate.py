"""Generate a benchmark organisation into the real tables created by Django's migrations.

    .venv/bin/python -m bench.generate --preset large --database-url postgres://…/torg_bench
    .venv/bin/python -m bench.generate --preset small --database-url sqlite:///var/bench.sqlite3

PostgreSQL is loaded with COPY (psycopg 3), SQLite with executemany in big transactions. The
output depends only on the preset, --scale and --seed. A dataset is recognised by its "typical
person" (typical@bench.torg.example): when it exists, generation is skipped unless --force is
given, which empties the tables first (nothing Django owns is dropped or recreated).

The typical person is a member of exactly 30 groups (the company-wide group included) and follows
exactly 50 people. Comment reactions have an empty post_id; post reactions an empty comment_id.
"""

from __future__ import annotations

import argparse
import array
import bisect
import contextlib
import datetime as dt
import itertools
import multiprocessing
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TYPICAL_EMAIL = "typical@bench.torg.example"
ADMIN_EMAIL = "admin@bench.torg.example"
TYPICAL_ID = 2
TYPICAL_GROUPS = 30  # company-wide group included
TYPICAL_FOLLOWS = 50
COMPANY_GROUP_ID = 1
DAY = 86_400
SPAN_DAYS = 730
ANCHOR = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # "now" of the dataset; fixed for determinism

# A complete dataset has its typical person and reactions (the table loaded last).
COMPLETE_SQL = (
    "SELECT 1 FROM accounts_user WHERE email = ? AND EXISTS (SELECT 1 FROM posts_reaction)"
)

# Every table the generator writes, in load order (children last); emptied by --force.
TABLES = [
    "people_department",
    "people_location",
    "accounts_user",
    "groups_group",
    "groups_membership",
    "feed_personfollow",
    "posts_hashtag",
    "posts_post",
    "posts_posthashtag",
    "posts_comment",
    "posts_reaction",
]


@dataclass(frozen=True)
class Plan:
    people: int
    groups: int
    posts: int
    comments: int
    reactions: int
    hashtags: int
    departments: int = 40
    locations: int = 15


PRESETS = {
    "large": Plan(100_000, 5_000, 1_000_000, 3_000_000, 10_000_000, 500),
    "small": Plan(5_000, 300, 50_000, 150_000, 500_000, 100),
}


def scaled(plan: Plan, scale: float) -> Plan:
    if scale == 1:
        return plan
    return Plan(
        people=max(200, round(plan.people * scale)),
        groups=max(40, round(plan.groups * scale)),
        posts=round(plan.posts * scale),
        comments=round(plan.comments * scale),
        reactions=round(plan.reactions * scale),
        hashtags=max(10, round(plan.hashtags * scale)),
        departments=plan.departments,
        locations=plan.locations,
    )


# ---------------------------------------------------------------------------------------------
# Writers: one for PostgreSQL (COPY), one for SQLite (executemany)

Put = Callable[[Sequence[Any]], None]


class Writer:
    dialect = ""

    def table(self, name: str, columns: Sequence[str]) -> contextlib.AbstractContextManager[Put]:
        raise NotImplementedError

    def has_typical(self) -> bool:
        raise NotImplementedError

    def user_count(self) -> int:
        raise NotImplementedError

    def empty(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class PostgresWriter(Writer):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        for setting in [
            # Rows are generated consistent: skip the per-row FK triggers while loading.
            "session_replication_role = replica",
            "synchronous_commit = off",
            # Random index inserts write many full-page images to the WAL; compress them.
            "wal_compression = on",
            "maintenance_work_mem = '256MB'",
        ]:
            try:
                self.conn.execute(f"SET {setting}")
            except psycopg.errors.InsufficientPrivilege:
                print(f"  (not allowed: SET {setting}; loading without it)", flush=True)
        self.conn.autocommit = False

    @contextlib.contextmanager
    def table(self, name: str, columns: Sequence[str]) -> Iterator[Put]:
        sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            yield copy.write_row
        self.conn.commit()

    def has_typical(self) -> bool:
        with self.conn.cursor() as cur:
            cur.execute(COMPLETE_SQL.replace("?", "%s"), [TYPICAL_EMAIL])
            found = cur.fetchone() is not None
        self.conn.commit()
        return found

    def user_count(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM accounts_user")
            row = cur.fetchone()
        self.conn.commit()
        return int(row[0]) if row else 0

    def empty(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    def finish(self) -> None:
        with self.conn.cursor() as cur:
            for name in TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
        self.conn.commit()
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            for name in TABLES:
                cur.execute(f"ANALYZE {name}")
        self.conn.close()


class SqliteWriter(Writer):
    """Loads with executemany, one transaction per table, with the tables' secondary indexes
    dropped while loading and built once (sorted) at the end: inserting 10,000,000 reactions
    into seven randomly ordered indexes was what made the large dataset take hours.

    Dropped indexes are remembered in a table of their own (``DROPPED``) in the same database
    and recreated by ``finish``, also by a later ``--force`` run after an interrupted one; while
    it exists the dataset does not count as complete. Indexes SQLite makes for inline UNIQUE
    constraints (``sqlite_autoindex_*``) cannot be dropped and stay.
    """

    dialect = "sqlite"
    batch = 50_000
    DROPPED = "bench_dropped_index"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA cache_size=-1048576")  # 1 GiB: the kept unique index fits
        self.conn.execute("PRAGMA temp_store=FILE")
        self.loading = False

    def _start_loading(self) -> None:
        """No rollback journal while loading: pages are written once instead of to the WAL and
        then to the file. A failed load is never rolled back: run again with --force (after a
        crash of the machine itself, delete the file first)."""
        if not self.loading:
            self._journal_mode("OFF")
            self.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.DROPPED} (name TEXT PRIMARY KEY, sql TEXT)"
            )
            self.loading = True

    def _journal_mode(self, mode: str) -> None:
        """Switch the journal mode if no other connection has the file open (leaving WAL needs
        that); otherwise carry on in the current mode, only slower."""
        self.conn.execute("PRAGMA busy_timeout=0")
        try:
            now = self.conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0]
        except sqlite3.OperationalError:
            now = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
        self.conn.execute("PRAGMA busy_timeout=5000")
        if now != mode.lower():
            print(f"  (journal_mode stays {now}: another connection has the file open)", flush=True)

    def _drop_indexes(self, table: str) -> None:
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name",
            [table],
        ).fetchall()
        self.conn.execute("BEGIN")
        for name, sql in indexes:
            self.conn.execute(
                f"INSERT OR REPLACE INTO {self.DROPPED} (name, sql) VALUES (?, ?)", [name, sql]
            )
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def table(self, name: str, columns: Sequence[str]) -> Iterator[Put]:
        self._start_loading()
        self._drop_indexes(name)
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        rows: list[Sequence[Any]] = []
        self.conn.execute("BEGIN")

        def put(row: Sequence[Any]) -> None:
            rows.append(row)
            if len(rows) >= self.batch:
                self.conn.executemany(sql, rows)
                rows.clear()

        yield put
        if rows:
            self.conn.executemany(sql, rows)
        self.conn.execute("COMMIT")

    def has_typical(self) -> bool:
        if self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.DROPPED]
        ).fetchone():
            return False  # an interrupted load: indexes are missing
        return self.conn.execute(COMPLETE_SQL, [TYPICAL_EMAIL]).fetchone() is not None

    def user_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM accounts_user").fetchone()[0])

    def empty(self) -> None:
        self._start_loading()
        for name in TABLES:
            self._drop_indexes(name)
        self.conn.execute("BEGIN")
        for name in reversed(TABLES):
            self.conn.execute(f"DELETE FROM {name}")
        self.conn.execute("DELETE FROM sqlite_sequence")
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def _recreate_indexes(self) -> None:
        if not self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.DROPPED]
        ).fetchone():
            return
        for name, sql in self.conn.execute(
            f"SELECT name, sql FROM {self.DROPPED} ORDER BY name"
        ).fetchall():
            if not self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]
            ).fetchone():
                self.conn.execute(sql)
        self.conn.execute(f"DROP TABLE {self.DROPPED}")

    def finish(self) -> None:
        self._recreate_indexes()
        self.conn.execute("BEGIN")
        for name in TABLES:
            self.conn.execute(
                "INSERT OR REPLACE INTO sqlite_sequence (name, seq) "
                f"SELECT '{name}', coalesce(max(id), 0) FROM {name}"
            )
        self.conn.execute("COMMIT")
        self._journal_mode("WAL")  # what torg.settings uses
        self.conn.execute("ANALYZE")
        self.conn.close()


# ---------------------------------------------------------------------------------------------
# Values


class Clock:
    """Seconds since the start of the dataset's two years, formatted fast for either database."""

    def __init__(self, dialect: str) -> None:
        start = ANCHOR - dt.timedelta(days=SPAN_DAYS)
        self.end = SPAN_DAYS * DAY
        suffix = "+00" if dialect == "postgresql" else ""
        self.days = [
            (start + dt.timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(SPAN_DAYS + 2)
        ]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]

    def __call__(self, seconds: int) -> str:
        return self.days[seconds // DAY] + self.hms[seconds % DAY]


FIRST = [
    "Ada",
    "Anne",
    "Bjørn",
    "Camilla",
    "Dag",
    "Eva",
    "Finn",
    "Gro",
    "Hans",
    "Ingrid",
    "Jon",
    "Kari",
    "Lars",
    "Liv",
    "Magnus",
    "Nora",
    "Ola",
    "Per",
    "Rita",
    "Sven",
    "Tone",
    "Ulf",
    "Vera",
    "Øystein",
    "Åse",
]
LAST = [
    "Andersen",
    "Berg",
    "Dahl",
    "Eriksen",
    "Fossum",
    "Hansen",
    "Johansen",
    "Karlsen",
    "Larsen",
    "Moe",
    "Nilsen",
    "Olsen",
    "Pedersen",
    "Rønning",
    "Solberg",
    "Strand",
    "Thorsen",
    "Vik",
    "Aas",
]
WORDS = [
    "plan",
    "status",
    "update",
    "release",
    "customer",
    "meeting",
    "review",
    "draft",
    "roadmap",
    "budget",
    "launch",
    "team",
    "office",
    "coffee",
    "deadline",
    "design",
    "report",
    "quarter",
    "metrics",
    "hiring",
    "onboarding",
    "security",
    "incident",
    "demo",
    "workshop",
    "feedback",
    "migration",
    "sprint",
    "goal",
    "idea",
]
TITLES = [
    "Engineer",
    "Senior engineer",
    "Designer",
    "Product manager",
    "Sales lead",
    "Accountant",
    "HR partner",
    "Support specialist",
    "Analyst",
    "Team lead",
]
KINDS = ["like", "love", "haha", "wow", "sad", "celebrate"]
KIND_WEIGHTS = list(itertools.accumulate([60, 15, 8, 5, 3, 9]))


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def allocate(
    rng: random.Random, total: int, weights: Sequence[float], caps: Sequence[int]
) -> list[int]:
    """Split ``total`` over items in proportion to ``weights``, none above its cap, exactly."""
    weight_sum = sum(weights)
    counts = [min(int(total * w / weight_sum), cap) for w, cap in zip(weights, caps, strict=True)]
    remaining = total - sum(counts)
    cum = list(itertools.accumulate(weights))
    items = range(len(weights))
    while remaining > 0:
        picks = rng.choices(items, cum_weights=cum, k=remaining)
        remaining = 0
        for i in picks:
            if counts[i] < caps[i]:
                counts[i] += 1
            else:
                remaining += 1
    return counts


class Timer:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def step(self, what: str, rows: int | None = None) -> None:
        now = time.perf_counter()
        rate = f"  ({rows / (now - self.last):>10,.0f} rows/s)" if rows else ""
        counted = f"{rows:>12,}" if rows is not None else " " * 12
        print(f"  {what:<24}{counted} rows {now - self.last:8.1f} s{rate}", flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


# ---------------------------------------------------------------------------------------------
# The organisation


def generate(writer: Writer, plan: Plan, seed: int, parallel_url: str = "") -> dict[str, int]:
    rng = random.Random(seed)
    clock = Clock(writer.dialect)
    end = clock.end
    pg = writer.dialect == "postgresql"
    true, false = (True, False) if pg else (1, 0)
    timer = Timer()
    n_people = plan.people
    counts: dict[str, int] = {}

    # Departments and locations
    with writer.table("people_department", ["id", "name", "slug"]) as put:
        for i in range(1, plan.departments + 1):
            put((i, f"Department {i}", f"department-{i}"))
    with writer.table("people_location", ["id", "name", "slug", "country"]) as put:
        for i in range(1, plan.locations + 1):
            put((i, f"Office {i}", f"office-{i}", ["NO", "SE", "DK", "FI", "DE"][i % 5]))

    # People: 1 is a network admin, 2 the typical person; a manager tree of eight reports each.
    user_cols = [
        "id", "password", "last_login", "is_superuser", "email", "name", "job_title", "phone",
        "bio", "languages", "avatar", "time_zone", "language", "is_guest", "is_active",
        "is_staff", "date_joined", "session_token", "department_id", "location_id", "manager_id",
    ]  # fmt: skip
    joined = clock(0)
    with writer.table("accounts_user", user_cols) as put:
        for i in range(1, n_people + 1):
            email = (
                ADMIN_EMAIL
                if i == 1
                else TYPICAL_EMAIL
                if i == TYPICAL_ID
                else f"person{i}@bench.torg.example"
            )
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
            put((
                i, "!bench", None, true if i == 1 else false, email, name,
                TITLES[i % len(TITLES)], "", "", "[]", "", "", "", false, true,
                true if i == 1 else false, joined, f"{i:032x}",
                1 + i % plan.departments, 1 + i % plan.locations,
                None if i == 1 else (i - 2) // 8 + 1,
            ))  # fmt: skip
    timer.step("people", n_people)
    counts["people"] = n_people

    # Groups: 1 is company-wide; sizes are skewed (most 10-200, some 200-1000, a few larger).
    group_ids = range(2, plan.groups + 1)
    members: dict[int, list[int]] = {}
    covered = bytearray(n_people + 1)
    max_size = max(20, n_people // 20)
    everyone = range(1, n_people + 1)
    for g in group_ids:
        u = rng.random()
        if u < 0.01:
            size = rng.randint(1000, 5000)
        elif u < 0.10:
            size = rng.randint(200, 1000)
        else:
            size = 10 + int(190 * rng.random() ** 2.5)
        chosen = [p for p in rng.sample(everyone, min(size, max_size)) if p != TYPICAL_ID]
        members[g] = chosen
        for p in chosen:
            covered[p] = 1
    # The typical person: exactly 29 ordinary groups of 20-500 members, plus company-wide.
    mid = [g for g in group_ids if 20 <= len(members[g]) <= 500]
    if len(mid) < TYPICAL_GROUPS - 1:
        mid = list(group_ids)
    for g in rng.sample(mid, TYPICAL_GROUPS - 1):
        members[g].append(TYPICAL_ID)
    covered[TYPICAL_ID] = 1
    group_list = list(group_ids)
    for p in range(1, n_people + 1):
        if not covered[p]:
            members[rng.choice(group_list)].append(p)
    privacy = {g: rng.choices(["open", "closed", "secret"], [70, 20, 10])[0] for g in group_ids}
    group_created = {g: rng.randrange(0, end // 4) for g in group_ids}
    group_cols = [
        "id", "created_at", "updated_at", "name", "slug", "description", "privacy", "kind",
        "is_company_wide", "member_count", "created_by_id", "parent_id",
    ]  # fmt: skip
    with writer.table("groups_group", group_cols) as put:
        put((
            COMPANY_GROUP_ID, clock(0), clock(0), "Everyone", "everyone",
            "The whole company.", "open", "announcements", true, n_people, 1, None,
        ))  # fmt: skip
        for g in group_ids:
            parent = rng.randrange(2, g) if g > 2 and rng.random() < 0.1 else None
            kind = rng.choices(["team", "discussion", "social", "announcements"], [50, 30, 15, 5])
            put((
                g, clock(group_created[g]), clock(group_created[g]),
                f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {g}", f"group-{g}",
                sentence(rng, 8), privacy[g], kind[0], false, len(members[g]),
                members[g][0], parent,
            ))  # fmt: skip
    timer.step("groups", plan.groups)
    counts["groups"] = plan.groups

    n_memberships = 0
    with writer.table(
        "groups_membership", ["id", "role", "created_at", "group_id", "rule_id", "user_id"]
    ) as put:
        for p in everyone:
            n_memberships += 1
            put((n_memberships, "admin" if p == 1 else "member", clock(0), 1, None, p))
        for g in group_ids:
            joined_at = clock(group_created[g])
            for rank, p in enumerate(members[g]):
                role = "admin" if rank == 0 else "moderator" if rank < 3 else "member"
                n_memberships += 1
                put((n_memberships, role, joined_at, g, None, p))
    timer.step("memberships", n_memberships)
    counts["memberships"] = n_memberships

    # Follows: the typical person follows exactly 50; others a skewed number of popular people.
    n_follows = 0
    with writer.table(
        "feed_personfollow", ["id", "created_at", "followee_id", "follower_id"]
    ) as put:
        for p in everyone:
            if p == TYPICAL_ID:
                followees = set(rng.sample(range(3, n_people + 1), TYPICAL_FOLLOWS))
            else:
                k = min(int(rng.paretovariate(1.5) * 3), 200)
                followees = {1 + int(n_people * rng.random() ** 3) for _ in range(k)}
                followees.discard(p)
            for f in sorted(followees):
                n_follows += 1
                put((n_follows, clock(rng.randrange(end)), f, p))
    timer.step("follows", n_follows)
    counts["follows"] = n_follows

    # Hashtags
    tag_names = [f"{rng.choice(WORDS)}{i}" for i in range(1, plan.hashtags + 1)]
    with writer.table("posts_hashtag", ["id", "name", "display_name", "created_at"]) as put:
        for i, name in enumerate(tag_names, 1):
            put((i, name, name.capitalize(), clock(0)))
    timer.step("hashtags", plan.hashtags)

    # Posts: 3 % company-wide, 10 % on profiles, the rest in groups weighted by size; two years,
    # skewed to recent; ids follow time.
    group_cum = list(itertools.accumulate(len(members[g]) ** 0.8 for g in group_list))
    post_group = array.array("i", bytes(4 * plan.posts))  # 0 = profile post
    post_author = array.array("i", bytes(4 * plan.posts))
    post_time = array.array(
        "i", sorted(end - int(end * rng.random() ** 2) for _ in range(plan.posts))
    )
    for i in range(plan.posts):
        u = rng.random()
        if u < 0.03:
            post_group[i] = COMPANY_GROUP_ID
            post_author[i] = 1 + int(n_people * rng.random() ** 2)
        elif u < 0.13:
            post_author[i] = 1 + int(n_people * rng.random() ** 2)
        else:
            g = group_list[bisect.bisect(group_cum, rng.random() * group_cum[-1])]
            post_group[i] = g
            post_author[i] = rng.choice(members[g])

    # Engagement: popular posts (Pareto), company-wide ones more so; reactions come from distinct
    # people, so a closed or secret group's post has at most as many as the group has members.
    weights = [rng.paretovariate(1.2) for _ in range(plan.posts)]
    for i in range(plan.posts):
        if post_group[i] == COMPANY_GROUP_ID:
            weights[i] *= 5
    open_cap = n_people - 1
    reaction_caps = [
        open_cap if g <= 1 or privacy[g] == "open" else len(members[g]) for g in post_group
    ]
    post_reactions_total = plan.reactions * 85 // 100
    comment_counts = allocate(rng, plan.comments, weights, [plan.comments] * plan.posts)
    reaction_counts = allocate(rng, post_reactions_total, weights, reaction_caps)
    del weights, reaction_caps
    comment_weights = [rng.paretovariate(1.5) for _ in range(plan.comments)]
    comment_reaction_counts = allocate(
        rng, plan.reactions - post_reactions_total, comment_weights, [open_cap] * plan.comments
    )
    del comment_weights
    # Comments come within days of their post, in time order per post.
    comment_time = array.array("i")
    rand = rng.random
    for i in range(plan.posts):
        n = comment_counts[i]
        if n:
            created = post_time[i]
            comment_time.extend(
                sorted(min(created + int(3 * DAY * rand() ** 3), end) for _ in range(n))
            )
    timer.step("plan posts and engagement")

    global _DATA
    _DATA = Data(
        plan=plan, seed=seed, dialect=writer.dialect, end=end, members=members,
        privacy=privacy, tag_names=tag_names, post_group=post_group, post_author=post_author,
        post_time=post_time, comment_counts=comment_counts, reaction_counts=reaction_counts,
        comment_reaction_counts=comment_reaction_counts, comment_time=comment_time,
    )  # fmt: skip
    # Post reactions in two halves (by reaction count), so two loaders can share them.
    half = bisect.bisect(list(itertools.accumulate(reaction_counts)), post_reactions_total // 2)
    tasks = [
        ("post reactions", 0, half),
        ("post reactions", half, plan.posts),
        ("comments", 0, plan.posts),
        ("comment reactions", 0, plan.comments),
        ("posts", 0, plan.posts),
    ]
    if parallel_url:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = list(pool.imap_unordered(_run_task_in_worker, tasks))
    else:
        results = [run_task(writer, task) for task in tasks]
    for name, rows in results:
        counts[name] = counts.get(name, 0) + rows
    counts["reactions"] = counts.pop("post reactions") + counts.pop("comment reactions")
    timer.step(
        "posts, comments, reactions", counts["posts"] + counts["comments"] + counts["reactions"]
    )

    writer.finish()
    timer.step("sequences + ANALYZE")
    print(f"  {'total':<24}{'':>12}      {timer.total():8.1f} s", flush=True)
    return counts


@dataclass
class Data:
    """What the loaders share; set before the worker processes fork."""

    plan: Plan
    seed: int
    dialect: str
    end: int
    members: dict[int, list[int]]
    privacy: dict[int, str]
    tag_names: list[str]
    post_group: array.array[int]
    post_author: array.array[int]
    post_time: array.array[int]
    comment_counts: list[int]
    reaction_counts: list[int]
    comment_reaction_counts: list[int]
    comment_time: array.array[int]


_DATA: Data | None = None
_URL = ""

Task = tuple[str, int, int]


def _run_task_in_worker(task: Task) -> tuple[str, int]:
    writer = open_writer(_URL)
    try:
        return run_task(writer, task)
    finally:
        writer.close()


def run_task(writer: Writer, task: Task) -> tuple[str, int]:
    name, lo, hi = task
    assert _DATA is not None
    started = time.perf_counter()
    rng = random.Random(f"{_DATA.seed}/{name}/{lo}")
    loader = {
        "posts": load_posts,
        "comments": load_comments,
        "post reactions": load_post_reactions,
        "comment reactions": load_comment_reactions,
    }[name]
    rows = loader(writer, _DATA, rng, lo, hi)
    took = time.perf_counter() - started
    print(
        f"    {name} [{lo}:{hi}] {rows:>12,} rows {took:8.1f} s ({rows / took:,.0f} rows/s)",
        flush=True,
    )
    return name, rows


def load_posts(writer: Writer, d: Data, rng: random.Random, lo: int, hi: int) -> int:
    clock = Clock(d.dialect)
    post_cols = [
        "id", "body", "body_html", "created_at", "edited_at", "deleted_at", "pinned_at",
        "comment_count", "reaction_count", "share_count", "seen_count", "author_id",
        "deleted_by_id", "group_id", "shared_post_id",
    ]  # fmt: skip
    phrases = [sentence(rng, rng.randint(6, 30)) for _ in range(2000)]
    n_tags = len(d.tag_names)
    post_tags: list[tuple[int, int, int]] = []
    rand = rng.random
    with writer.table("posts_post", post_cols) as put:
        for i in range(lo, hi):
            pid = i + 1
            text = phrases[int(rand() * 2000)]
            if rand() < 0.15:
                tags = rng.sample(range(n_tags), 1 + (rand() < 0.3))
                text += " " + " ".join("#" + d.tag_names[t] for t in tags)
                post_tags.extend((pid, t + 1, d.post_time[i]) for t in tags)
            created = d.post_time[i]
            deleted = rand() < 0.01
            author = d.post_author[i]
            put((
                pid, text, f"<p>{text}</p>", clock(created), None,
                clock(min(created + 3600, d.end)) if deleted else None, None,
                d.comment_counts[i], d.reaction_counts[i], 0, 0, author,
                author if deleted else None, d.post_group[i] or None, None,
            ))  # fmt: skip
    with writer.table("posts_posthashtag", ["id", "created_at", "hashtag_id", "post_id"]) as put:
        for n, (pid, tag, created) in enumerate(post_tags, 1):
            put((n, clock(created), tag, pid))
    return hi - lo


def load_comments(writer: Writer, d: Data, rng: random.Random, lo: int, hi: int) -> int:
    """Comments of posts lo..hi (all of them: ids are counted from the first post)."""
    clock = Clock(d.dialect)
    phrases = [sentence(rng, rng.randint(3, 20)) for _ in range(2000)]
    everyone = range(1, d.plan.people + 1)
    rand = rng.random
    comment_cols = [
        "id", "body", "body_html", "created_at", "edited_at", "deleted_at", "reaction_count",
        "reply_count", "author_id", "parent_id", "post_id",
    ]  # fmt: skip
    cid = 0
    with writer.table("posts_comment", comment_cols) as put:
        for i in range(lo, hi):
            n = d.comment_counts[i]
            if not n:
                continue
            g = d.post_group[i]
            pool: Sequence[int] = d.members[g] if g > 1 else everyone
            rows: list[list[Any]] = []
            top: list[int] = []  # indexes into rows of top-level comments
            for _ in range(n):
                cid += 1
                parent = None
                if top and rand() < 0.25:
                    parent_index = top[int(rand() * len(top))]
                    rows[parent_index][7] += 1
                    parent = rows[parent_index][0]
                else:
                    top.append(len(rows))
                text = phrases[int(rand() * 2000)]
                stamp = d.comment_time[cid - 1]
                rows.append([
                    cid, text, f"<p>{text}</p>", clock(stamp), None,
                    clock(stamp + 60) if rand() < 0.01 else None,
                    d.comment_reaction_counts[cid - 1], 0, pool[int(rand() * len(pool))],
                    parent, i + 1,
                ])  # fmt: skip
            for row in rows:
                put(row)
    return cid


# Distinct people per post or comment: an arithmetic walk over the pool with a prime stride
# larger than any pool.
STRIDES = [1_000_003, 1_000_033, 1_000_037, 1_000_039, 1_000_081, 1_000_099]
KINDS100 = [KINDS[bisect.bisect(KIND_WEIGHTS, k)] for k in range(100)]
REACTION_COLS = ["id", "kind", "created_at", "comment_id", "post_id", "user_id"]


def load_post_reactions(writer: Writer, d: Data, rng: random.Random, lo: int, hi: int) -> int:
    """Reactions to posts lo..hi, within two days of the post."""
    clock = Clock(d.dialect)
    everyone = range(1, d.plan.people + 1)
    rid = sum(itertools.islice(d.reaction_counts, lo))
    first = rid
    spread = 2 * DAY
    end = d.end
    rand = rng.random
    kinds100 = KINDS100
    with writer.table("posts_reaction", REACTION_COLS) as put:
        for i in range(lo, hi):
            n = d.reaction_counts[i]
            if not n:
                continue
            g = d.post_group[i]
            pool = everyone if g <= 1 or d.privacy[g] == "open" else d.members[g]
            size = len(pool)
            start = int(rand() * size)
            stride = STRIDES[i % 6]
            created = d.post_time[i]
            pid = i + 1
            for k in range(n):
                rid += 1
                stamp = created + int(spread * rand() ** 3)
                put((
                    rid, kinds100[int(rand() * 100)], clock(stamp if stamp < end else end),
                    None, pid, pool[(start + k * stride) % size],
                ))  # fmt: skip
    return rid - first


def load_comment_reactions(writer: Writer, d: Data, rng: random.Random, lo: int, hi: int) -> int:
    """Reactions to comments lo..hi, ten minutes after the comment; ids after post reactions."""
    clock = Clock(d.dialect)
    rid = sum(d.reaction_counts) + sum(itertools.islice(d.comment_reaction_counts, lo))
    first = rid
    size = d.plan.people
    rand = rng.random
    kinds100 = KINDS100
    with writer.table("posts_reaction", REACTION_COLS) as put:
        for c in range(lo, hi):
            n = d.comment_reaction_counts[c]
            if not n:
                continue
            start = int(rand() * size)
            stride = STRIDES[c % 6]
            stamp = clock(min(d.comment_time[c] + 600, d.end))
            for k in range(n):
                rid += 1
                put((
                    rid, kinds100[int(rand() * 100)], stamp, c + 1, None,
                    (start + k * stride) % size + 1,
                ))  # fmt: skip
    return rid - first


# ---------------------------------------------------------------------------------------------
# Command line


def ensure_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    name = str(params.get("dbname") or "")
    admin = make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")


def migrate(url: str) -> None:
    os.environ["TORG_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "torg.settings"  # the URL given, never test settings
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from django.db import connections

    connections.close_all()  # SQLite: the writer may switch the journal mode only when alone


def open_writer(url: str) -> Writer:
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresWriter(url)
    if url.startswith("sqlite:///"):
        return SqliteWriter(sqlite_path(url))
    raise SystemExit(f"unsupported database URL: {url}")


def sqlite_path(url: str) -> str:
    import dj_database_url

    return str(dj_database_url.parse(url)["NAME"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--serial", action="store_true", help="one loader (PostgreSQL)")
    parser.add_argument("--force", action="store_true", help="empty the tables and regenerate")
    args = parser.parse_args(argv)
    url: str = args.database_url
    plan = scaled(PRESETS[args.preset], args.scale)

    started = time.perf_counter()
    if url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(url)
    elif url.startswith("sqlite:///"):
        Path(sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)
    migrate(url)
    print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)

    writer = open_writer(url)
    if writer.has_typical() and not args.force:
        print("dataset already present; use --force to regenerate")
        return 0
    if writer.user_count() and not args.force:
        print("the database has people but no benchmark dataset; use --force to empty it")
        return 1
    if args.force:
        writer.empty()
    print(f"generating {args.preset} x{args.scale} (seed {args.seed}): {plan}", flush=True)
    global _URL
    _URL = url
    parallel = url if isinstance(writer, PostgresWriter) and not args.serial else ""
    generate(writer, plan, args.seed, parallel_url=parallel)
    print(f"done in {time.perf_counter() - started:.1f} s (including migrate)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
