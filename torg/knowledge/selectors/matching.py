"""Turning free text (a question being typed, "Who knows about X?") into search calls.

The search app matches every word of a query (AND). A question is a sentence, so we keep its
significant words (``keywords``) and fuse the ranked ids of the whole-query search with those of
one search per keyword (reciprocal rank: a hit at rank r scores 1/(r+1), twice that for the
whole query). The search app applies the viewer's permissions to every call.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

MAX_KEYWORDS = 4
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    """
    the and for how what who whom why when where which about with does did anyone anybody know
    knows knowing can could should would will our your you this that these those are was were
    have has had from into there their them they any some all not but out use using used get got
    best way ways need needs help please thanks there here just more most very much many also
    og som det den der for med til har hvordan hva hvem hvorfor hvor hvilken hvilke vet noen
    kan kunne skal vil jeg meg vi oss dere dem deg du om på av er var en et ei ikke seg sin sitt
    sine eller når har hadde fra inn ut opp ned bare også mye mange alle andre annen annet noe
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def keywords(text: str, *, limit: int = MAX_KEYWORDS) -> list[str]:
    """The longest significant words of ``text`` (casefolded, unique), at most ``limit``."""
    found: list[str] = []
    for chunk in _WORD.findall((text or "")[:1000]):
        for word in chunk.casefold().split("_"):
            significant = len(word) >= 3 and not word.isdigit() and word not in STOPWORDS
            if significant and word not in found:
                found.append(word)
    # Longest first (stable): long words are rarer, so they say more about the subject.
    return sorted(found, key=len, reverse=True)[:limit]


def fused_search(
    search: Callable[..., list[int]], actor: Any, text: str, *, limit: int = 50, **options: Any
) -> list[int]:
    """Ids from ``search`` (a ``torg.search.query`` function) for free text, best first."""
    terms = keywords(text)
    if not terms:
        return []
    if len(terms) == 1:
        return search(actor, terms[0], limit=limit, **options)
    lists = [search(actor, " ".join(terms), limit=limit, **options)]
    lists += [search(actor, term, limit=limit, **options) for term in terms]
    score: dict[int, float] = defaultdict(float)
    for position, ids in enumerate(lists):
        weight = 2.0 if position == 0 else 1.0
        for rank, pk in enumerate(ids):
            score[pk] += weight / (rank + 1)
    return sorted(score, key=lambda pk: (-score[pk], -pk))[:limit]
