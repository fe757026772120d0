"""Topics and questions: the hourly rollup and the dashboard reads (docs/insights.md, "Topics").

Rollup (called from ``rollup.do_roll_up_day`` for each day it recomputes):

- ``TopicDay``: per hashtag, group (empty: profile posts) and day — posts carrying the tag that
  were published that day, and the comments, post reactions, "sad" reactions and negative
  comments (``sentiment.is_negative``) those tagged posts received that day.
- ``QuestionStat``: per question — answers (top-level comments by someone other than the
  asker), seconds from the post to its first answer and to the answer marked best. A question
  is recomputed when the day being rolled up touched it (asked, marked a question, answered,
  an answer deleted, best answer marked, the post deleted), so running twice changes nothing.

Reads use only these two tables (and ``Hashtag``/``Group`` for names and privacy).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from torg.groups.models import Group
from torg.insights.models import QuestionStat, TopicDay
from torg.insights.selectors import Table, ratio
from torg.insights.sentiment import is_negative
from torg.knowledge.models import Question
from torg.posts.models import Comment, PostHashtag, Reaction

TOPIC_LIMIT = 20
# "What frustrates" ranks topics by their share of negative signals; a topic needs this many
# comments + reactions in the period, else one sad reaction would put it on top at 100 %.
MIN_TOPIC_SIGNALS = 5
MIN_TRENDING_POSTS = 2  # as the right rail's trending topics (docs/knowledge.md)
BATCH = 1000


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), BATCH):
        yield ordered[i : i + BATCH]


# ---------------------------------------------------------------------------------------------
# Rollup


def roll_up_topics_day(day: date, start: datetime, end: datetime) -> None:
    """Recompute ``TopicDay`` rows of ``day`` in full (callers hold a transaction)."""
    in_day = Q(created_at__gte=start, created_at__lt=end)
    # (hashtag, group) -> posts, comments, reactions, sad reactions, negative comments
    cells: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for tag_id, group_id in PostHashtag.objects.filter(
        in_day, post__deleted_at__isnull=True
    ).values_list("hashtag_id", "post__group_id"):
        cells[(tag_id, group_id)][0] += 1
    tagged = Exists(PostHashtag.objects.filter(post_id=OuterRef("post_id")))
    # post id -> comments, reactions, sad reactions, negative comments of the day
    per_post: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for post_id, body in (
        Comment.objects.filter(
            in_day, tagged, deleted_at__isnull=True, post__deleted_at__isnull=True
        )
        .values_list("post_id", "body")
        .iterator(chunk_size=2000)
    ):
        per_post[post_id][0] += 1
        per_post[post_id][3] += is_negative(body)
    for post_id, kind in (
        Reaction.objects.filter(in_day, tagged, post__isnull=False, post__deleted_at__isnull=True)
        .values_list("post_id", "kind")
        .iterator(chunk_size=5000)
    ):
        per_post[post_id][1] += 1
        per_post[post_id][2] += kind == Reaction.Kind.SAD
    for ids in _batches(per_post):
        for post_id, tag_id, group_id in PostHashtag.objects.filter(post_id__in=ids).values_list(
            "post_id", "hashtag_id", "post__group_id"
        ):
            cell = cells[(tag_id, group_id)]
            for i, value in enumerate(per_post[post_id], start=1):
                cell[i] += value
    TopicDay.objects.filter(day=day).delete()
    TopicDay.objects.bulk_create(
        [
            TopicDay(
                hashtag_id=tag_id,
                group_id=group_id,
                day=day,
                posts=posts,
                comments=comments,
                reactions=reactions,
                sad_reactions=sad,
                negative_comments=negative,
            )
            for (tag_id, group_id), (posts, comments, reactions, sad, negative) in cells.items()
        ],
        batch_size=2000,
    )


def _touched_questions(start: datetime, end: datetime) -> set[int]:
    between = {"gte": start, "lt": end}
    touched = set(
        Question.objects.filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(answered_at__gte=start, answered_at__lt=end)
            | Q(post__created_at__gte=start, post__created_at__lt=end)
            | Q(post__deleted_at__gte=start, post__deleted_at__lt=end)
        ).values_list("pk", flat=True)
    )
    answers = Comment.objects.filter(parent__isnull=True, post__question__isnull=False)
    for field in ("created_at", "deleted_at"):
        touched.update(
            answers.filter(**{f"{field}__{op}": value for op, value in between.items()})
            .values_list("post__question__id", flat=True)
            .distinct()
        )
    return touched


def roll_up_questions_day(day: date, start: datetime, end: datetime) -> None:
    """Recompute ``QuestionStat`` for every question the day touched."""
    tz = timezone.get_current_timezone()
    for ids in _batches(_touched_questions(start, end)):
        questions = list(
            Question.objects.filter(pk__in=ids).values_list(
                "pk",
                "post_id",
                "post__group_id",
                "post__created_at",
                "post__deleted_at",
                "answered_at",
                "best_answer__deleted_at",
                "best_answer_id",
            )
        )
        firsts = {
            row["post_id"]: row
            for row in Comment.objects.filter(
                post_id__in=[q[1] for q in questions], parent__isnull=True, deleted_at__isnull=True
            )
            .exclude(author_id=F("post__author_id"))
            .values("post_id")
            .annotate(first=Min("created_at"), n=Count("id"))
            .order_by()
        }
        rows = []
        for pk, post_id, group_id, asked, deleted, answered_at, best_deleted, best_id in questions:
            if deleted is not None:
                continue
            first = firsts.get(post_id)
            best = answered_at if best_id is not None and best_deleted is None else None
            rows.append(
                QuestionStat(
                    question_id=pk,
                    group_id=group_id,
                    day=asked.astimezone(tz).date(),
                    answers=first["n"] if first else 0,
                    first_answer_seconds=_seconds(asked, first["first"]) if first else None,
                    best_answer_seconds=_seconds(asked, best) if best else None,
                )
            )
        QuestionStat.objects.filter(question_id__in=ids).delete()
        QuestionStat.objects.bulk_create(rows)


def _seconds(since: datetime, until: datetime) -> int:
    # A post made a question after it was answered has answers older than "asked": count 0.
    return max(0, int((until - since).total_seconds()))


# ---------------------------------------------------------------------------------------------
# Reads


def percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile (the smallest value with at least ``share`` of values at or below
    it); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def trend_score(recent: int, previous: int) -> float:
    """The right rail's score (docs/knowledge.md): growth, damped for topics already busy."""
    return round((recent - previous) / math.sqrt(previous + 1), 2)


def open_scope() -> Q:
    """What the network pages count: posts every employee may read (open groups — company-wide
    groups are open — and profile posts). Closed and secret groups stay in their own pages."""
    return Q(group__isnull=True) | Q(group__privacy=Group.Privacy.OPEN)


@dataclass
class QuestionFigures:
    asked: int
    answered: int
    unanswered: int
    best_answered: int
    answered_share: float
    median_first_hours: float | None
    p90_first_hours: float | None
    median_best_hours: float | None
    p90_best_hours: float | None


@dataclass
class TopicsBoard:
    period: int
    since: date
    until: date
    group: Group | None
    questions: QuestionFigures
    trending: Table
    engaging: Table
    frustrating: Table
    questions_daily: Table


TOPIC_COLUMNS = [
    "topic",
    "posts",
    "previous_posts",
    "trend_score",
    "comments",
    "reactions",
    "engagement_per_post",
    "negative_signals",
    "negative_share",
]


def topics_board(
    *, period: int, group: Group | None = None, today: date | None = None
) -> TopicsBoard:
    """Two queries: topics over this period and the one before it, and the period's questions.

    ``group`` empty: the network (open groups and profile posts for topics — the rows name
    hashtags; every question for the Q&A counts, which name nothing).
    """
    until = today or timezone.localdate()
    since = until - timedelta(days=period - 1)
    before = since - timedelta(days=period)
    topic_rows: QuerySet[TopicDay] = TopicDay.objects.filter(day__gte=before, day__lte=until)
    questions: QuerySet[QuestionStat] = QuestionStat.objects.filter(day__gte=since, day__lte=until)
    if group is None:
        topic_rows = topic_rows.filter(open_scope())
    else:
        topic_rows = topic_rows.filter(group=group)
        questions = questions.filter(group=group)
    now = Q(day__gte=since)
    aggregated = (
        topic_rows.values("hashtag_id")
        .annotate(
            name=Min("hashtag__display_name"),
            recent=Sum("posts", filter=now, default=0),
            previous=Sum("posts", filter=~now, default=0),
            comments=Sum("comments", filter=now, default=0),
            reactions=Sum("reactions", filter=now, default=0),
            negative=Sum(F("sad_reactions") + F("negative_comments"), filter=now, default=0),
        )
        .order_by()
    )
    topics = []
    for row in aggregated:
        signals = row["comments"] + row["reactions"]
        topics.append(
            {
                **row,
                "score": trend_score(row["recent"], row["previous"]),
                "per_post": ratio(signals, row["recent"]),
                "signals": signals,
                "negative_share": ratio(row["negative"], signals),
            }
        )

    def table(key: str, chosen: list[dict]) -> Table:
        return Table(
            key,
            TOPIC_COLUMNS,
            [
                [
                    f"#{t['name']}",
                    t["recent"],
                    t["previous"],
                    t["score"],
                    t["comments"],
                    t["reactions"],
                    t["per_post"],
                    t["negative"],
                    t["negative_share"],
                ]
                for t in chosen[:TOPIC_LIMIT]
            ],
        )

    trending = sorted(
        (t for t in topics if t["recent"] >= MIN_TRENDING_POSTS and t["recent"] > t["previous"]),
        key=lambda t: (-t["score"], -t["recent"], t["name"].lower()),
    )
    engaging = sorted(
        (t for t in topics if t["recent"] or t["signals"]),
        key=lambda t: (-t["signals"], -t["recent"], t["name"].lower()),
    )
    frustrating = sorted(
        (t for t in topics if t["signals"] >= MIN_TOPIC_SIGNALS and t["negative"]),
        key=lambda t: (-t["negative_share"], -t["negative"], t["name"].lower()),
    )
    figures, daily = _question_figures(
        questions.values_list("day", "answers", "first_answer_seconds", "best_answer_seconds")
    )
    return TopicsBoard(
        period=period,
        since=since,
        until=until,
        group=group,
        questions=figures,
        trending=table("trending", trending),
        engaging=table("engaging", engaging),
        frustrating=table("frustrating", frustrating),
        questions_daily=daily,
    )


def _question_figures(
    rows: Iterable[tuple[date, int, int | None, int | None]],
) -> tuple[QuestionFigures, Table]:
    by_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    firsts: list[int] = []
    bests: list[int] = []
    for day, answers, first, best in rows:
        cell = by_day[day]
        cell[0] += 1
        cell[1] += answers > 0
        cell[2] += best is not None
        if first is not None:
            firsts.append(first)
        if best is not None:
            bests.append(best)
    asked = sum(c[0] for c in by_day.values())
    answered = sum(c[1] for c in by_day.values())
    figures = QuestionFigures(
        asked=asked,
        answered=answered,
        unanswered=asked - answered,
        best_answered=sum(c[2] for c in by_day.values()),
        answered_share=ratio(answered, asked),
        median_first_hours=hours(percentile(firsts, 0.5)),
        p90_first_hours=hours(percentile(firsts, 0.9)),
        median_best_hours=hours(percentile(bests, 0.5)),
        p90_best_hours=hours(percentile(bests, 0.9)),
    )
    daily = Table(
        "questions",
        ["day", "asked", "answered", "unanswered", "best_answered"],
        [[day.isoformat(), n, a, n - a, b] for day, (n, a, b) in sorted(by_day.items())],
    )
    return figures, daily
