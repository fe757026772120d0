"""Search quality on a labelled set: a seeded corpus of Norwegian and English posts and queries
with the posts a person would expect at the top.

Measures, per query, over the first five results:
- precision@5 = relevant results in the top 5 / min(5, number of relevant posts), so a query
  with one right answer scores 1.0 when that answer is anywhere in the top five;
- reciprocal rank = 1 / position of the first relevant result (0 when none is in the top 10).
``manage.py search_quality`` prints them; tests/test_quality.py asserts the thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from torg.search.query import search_post_ids
from torg.search.tests.fixtures.quality_corpus import CORPUS, QUERIES

if TYPE_CHECKING:
    from torg.accounts.models import User

__all__ = ["CORPUS", "QUERIES", "Report", "evaluate", "seed"]


@dataclass
class QueryScore:
    query: str
    precision_at_5: float
    reciprocal_rank: float
    top: list[str]


@dataclass
class Report:
    scores: list[QueryScore]

    @property
    def precision_at_5(self) -> float:
        return sum(s.precision_at_5 for s in self.scores) / len(self.scores)

    @property
    def mrr(self) -> float:
        return sum(s.reciprocal_rank for s in self.scores) / len(self.scores)


def evaluate(actor: User, keys_by_id: dict[int, str], *, group_id: int | None = None) -> Report:
    """Run every query as ``actor``; ``keys_by_id`` maps seeded post ids to corpus keys.

    With ``group_id`` only that group is searched (the command seeds a group of its own, so a
    database's other posts do not compete)."""
    scores = []
    for text, relevant in QUERIES:
        found = search_post_ids(actor, text, limit=10, group_id=group_id)
        ranked = [keys_by_id.get(i, "?") for i in found]
        top5 = ranked[:5]
        hits = sum(1 for key in top5 if key in relevant)
        precision = hits / min(5, len(relevant))
        first = next((n for n, key in enumerate(ranked, 1) if key in relevant), None)
        scores.append(QueryScore(text, precision, 1 / first if first else 0.0, top5))
    return Report(scores)


def seed(author: User, group_id: int | None = None) -> dict[int, str]:
    """Write the corpus as posts of ``author`` (in ``group_id``, else on the profile) and index
    them at once. Returns {post id: corpus key}."""
    from torg.groups.models import Group
    from torg.posts.actions import do_create_post
    from torg.search.indexing import index_post

    group = Group.objects.get(pk=group_id) if group_id else None
    keys: dict[int, str] = {}
    for key, text in CORPUS:
        post = do_create_post(author=author, group=group, body=text)
        index_post(post.pk)
        keys[post.pk] = key
    return keys
