"""Search quality on the labelled Norwegian/English set (torg/search/quality.py)."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from torg.search import quality

# Honest thresholds, a little under what was measured (SQLite 0.977 / 0.966; PostgreSQL
# 0.955 / 0.943 before its accent folding was fixed). The misses: a Norwegian compound
# ("sykkel" does not find "sykkelparkeringen") and "møter" ranking "Vi møtes" first.
MIN_PRECISION_AT_5 = 0.93
MIN_MRR = 0.92


def test_the_labelled_set_is_large_enough() -> None:
    assert len(quality.QUERIES) >= 30
    keys = {key for key, _text in quality.CORPUS}
    assert all(set(relevant) <= keys for _q, relevant in quality.QUERIES)


def test_precision_and_mrr_reach_the_thresholds(org: dict[str, Any]) -> None:
    owner = org["owner"]
    keys = quality.seed(owner, org["g"]["open"].pk)
    report = quality.evaluate(owner, keys)
    misses = [s.query for s in report.scores if s.reciprocal_rank < 1]
    assert report.precision_at_5 >= MIN_PRECISION_AT_5, misses
    assert report.mrr >= MIN_MRR, misses


def test_the_command_prints_the_measures_and_leaves_no_trace(org: dict[str, Any]) -> None:
    from torg.posts.models import Post

    before = Post.objects.count()
    out = StringIO()
    call_command("search_quality", stdout=out)
    assert f"{len(quality.QUERIES)} queries" in out.getvalue()
    assert "precision@5 0.9" in out.getvalue()
    assert Post.objects.count() == before
