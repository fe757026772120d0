"""The benchmark generator, at 2 % of the small preset on SQLite, and the harness on its output."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TORG_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def generate(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("-m", "bench.generate", "--preset", "small", "--scale", "0.02", "--database-url",
               url, *extra)  # fmt: skip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    done = generate(f"sqlite:///{path}")
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def one(db: sqlite3.Connection, sql: str) -> object:
    return db.execute(sql).fetchone()[0]


def test_exact_row_counts(dataset: Path) -> None:
    db = sqlite3.connect(dataset)
    counts = {
        table: one(db, f"SELECT count(*) FROM {table}")
        for table in ["accounts_user", "groups_group", "posts_post", "posts_comment",
                      "posts_reaction", "posts_hashtag", "people_department", "people_location"]
    }  # fmt: skip
    assert counts == {
        "accounts_user": 200,
        "groups_group": 40,
        "posts_post": 1000,
        "posts_comment": 3000,
        "posts_reaction": 10000,
        "posts_hashtag": 10,
        "people_department": 40,
        "people_location": 15,
    }
    # 85 % of reactions are on posts, the rest on comments.
    assert one(db, "SELECT count(*) FROM posts_reaction WHERE comment_id IS NULL") == 8500
    assert one(db, "SELECT count(*) FROM posts_reaction WHERE post_id IS NULL") == 1500


def test_counters_match_rows(dataset: Path) -> None:
    db = sqlite3.connect(dataset)
    checks = [
        "SELECT count(*) FROM posts_post p WHERE comment_count != "
        "(SELECT count(*) FROM posts_comment c WHERE c.post_id = p.id)",
        "SELECT count(*) FROM posts_post p WHERE reaction_count != (SELECT count(*) "
        "FROM posts_reaction r WHERE r.post_id = p.id AND r.comment_id IS NULL)",
        "SELECT count(*) FROM posts_comment c WHERE reaction_count != "
        "(SELECT count(*) FROM posts_reaction r WHERE r.comment_id = c.id)",
        "SELECT count(*) FROM posts_comment c WHERE reply_count != "
        "(SELECT count(*) FROM posts_comment r WHERE r.parent_id = c.id)",
        "SELECT count(*) FROM groups_group g WHERE member_count != "
        "(SELECT count(*) FROM groups_membership m WHERE m.group_id = g.id)",
        # Replies are one level deep and on the same post as their parent.
        "SELECT count(*) FROM posts_comment r JOIN posts_comment c ON c.id = r.parent_id "
        "WHERE c.parent_id IS NOT NULL OR c.post_id != r.post_id",
        # Hashtag rows carry their post's time.
        "SELECT count(*) FROM posts_posthashtag h JOIN posts_post p ON p.id = h.post_id "
        "WHERE h.created_at != p.created_at",
    ]
    assert [one(db, sql) for sql in checks] == [0] * len(checks)
    assert one(db, "SELECT sum(comment_count) FROM posts_post") == 3000
    assert one(db, "SELECT sum(reaction_count) FROM posts_post") == 8500
    assert one(db, "SELECT sum(reaction_count) FROM posts_comment") == 1500


def test_people_groups_and_the_typical_person(dataset: Path) -> None:
    db = sqlite3.connect(dataset)
    typical = one(db, "SELECT id FROM accounts_user WHERE email = 'typical@bench.torg.example'")
    assert typical == 2
    assert one(db, "SELECT count(*) FROM groups_membership WHERE user_id = 2") == 30
    assert one(db, "SELECT count(*) FROM feed_personfollow WHERE follower_id = 2") == 50
    # Everyone is in the company-wide group and in at least one other group.
    assert one(db, "SELECT member_count FROM groups_group WHERE is_company_wide") == 200
    assert (
        one(
            db,
            "SELECT count(*) FROM accounts_user u WHERE NOT EXISTS (SELECT 1 FROM "
            "groups_membership m WHERE m.user_id = u.id AND m.group_id != 1)",
        )
        == 0
    )
    assert one(db, "SELECT count(*) FROM feed_personfollow WHERE follower_id = followee_id") == 0
    # Group posts are written by members of the group.
    assert (
        one(
            db,
            "SELECT count(*) FROM posts_post p WHERE p.group_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM groups_membership m WHERE m.group_id = p.group_id "
            "AND m.user_id = p.author_id)",
        )
        == 0
    )
    # Two years of posts, ids in time order.
    assert one(db, "SELECT min(created_at) FROM posts_post") >= "2024-11-01"
    assert one(db, "SELECT max(created_at) FROM posts_post") <= "2026-11-01 00:00:00"
    assert (
        one(
            db,
            "SELECT count(*) FROM posts_post a JOIN posts_post b ON b.id = a.id + 1 "
            "WHERE b.created_at < a.created_at",
        )
        == 0
    )


def checksum(path: Path) -> str:
    db = sqlite3.connect(path)
    digest = hashlib.sha256()
    for table in ["accounts_user", "groups_membership", "feed_personfollow", "posts_post",
                  "posts_comment", "posts_reaction", "posts_posthashtag"]:  # fmt: skip
        for row in db.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_skips_an_existing_dataset_and_regenerates_identically(dataset: Path) -> None:
    before = checksum(dataset)
    again = generate(f"sqlite:///{dataset}")
    assert again.returncode == 0
    assert "dataset already present" in again.stdout
    forced = generate(f"sqlite:///{dataset}", "--force")
    assert forced.returncode == 0, forced.stderr
    assert checksum(dataset) == before


def test_feed_harness_runs_and_matches_bare_sql(dataset: Path) -> None:
    done = run("-m", "bench.feed", "--database-url", f"sqlite:///{dataset}", "--iterations", "3",
               "--warmup", "1")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "same rows as bare SQL: first page True, next page True" in done.stdout
    for operation in ["feed first page, Django", "feed next page, bare SQL", "create post, Django",
                      "create post, bare INSERT"]:  # fmt: skip
        assert operation in done.stdout
    db = sqlite3.connect(dataset)
    assert one(db, "SELECT count(*) FROM posts_post") == 1000  # benchmark posts removed


def test_feed_harness_feed_only_reads(dataset: Path) -> None:
    before = checksum(dataset)
    done = run("-m", "bench.feed", "--database-url", f"sqlite:///{dataset}", "--iterations", "3",
               "--warmup", "1", "--runs", "1", "--only", "feed")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "same rows as bare SQL: first page True, next page True" in done.stdout
    assert "feed sources cache: off" in done.stdout  # process-local cache: the cache is off
    assert "create post" not in done.stdout and "HTTP" not in done.stdout
    # The same-data baseline makes as many round trips as Django (9, with the videos query).
    rows = {
        line[:38].strip(): line.split()[-1]
        for line in done.stdout.splitlines()
        if line.startswith("feed ")
    }
    assert rows["feed first page, bare SQL, same data"] == rows["feed first page, Django"]
    assert checksum(dataset) == before


def indexes(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
    finally:
        db.close()


def test_an_interrupted_load_is_not_a_dataset_and_force_restores_its_indexes(
    tmp_path: Path,
) -> None:
    # The SQLite writer drops the tables' indexes while loading and keeps their definitions
    # in bench_dropped_index until it has built them again.
    path = tmp_path / "interrupted.sqlite3"
    done = generate(f"sqlite:///{path}")
    assert done.returncode == 0, done.stdout + done.stderr
    complete = indexes(path)
    generated = checksum(path)
    sql = dict(complete)["posts_reaction_user_id_286f6cba"]
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE bench_dropped_index (name TEXT PRIMARY KEY, sql TEXT)")
    db.execute(
        "INSERT INTO bench_dropped_index VALUES ('posts_reaction_user_id_286f6cba', ?)", [sql]
    )
    db.execute("DROP INDEX posts_reaction_user_id_286f6cba")
    db.commit()
    db.close()

    again = generate(f"sqlite:///{path}")
    assert again.returncode == 1
    assert "no benchmark dataset" in again.stdout
    forced = generate(f"sqlite:///{path}", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert indexes(path) == complete
    assert checksum(path) == generated
