"""People: helpful contributors ("super users") and leaders' presence (docs/insights.md, "People").

Rollup (called from ``rollup.do_roll_up_day``): ``ContributorDay`` per person, group (empty:
profile posts) and day — posts and comments written; answers (top-level comments on someone
else's question); best answers (counted on the day the answer was marked best); and what their
posts and comments received that day from others: reactions, comments, answer up-votes.

Leaders (decision): the directory already has ``User.manager``, so a leader is an active person
with at least one active direct report. No new flag to keep up to date; SCIM and the directory
fill ``manager`` already.

Rankings name people, so they follow the content rules: the network page counts only activity
every employee can see anyway (open groups, company-wide groups, profile posts); a group's page
counts that group's activity and shows names only to viewers who may see the group's members.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from torg.accounts.models import User
from torg.groups.models import Group
from torg.insights.models import ContributorDay
from torg.insights.selectors import Table, ratio
from torg.insights.topics import open_scope
from torg.knowledge.models import AnswerVote, Question
from torg.posts.models import Comment, Post, Reaction

CONTRIBUTOR_LIMIT = 50
LEADER_LIMIT = 100

# Columns of ContributorDay, in the order of the rollup's cells.
FIELDS = (
    "posts",
    "comments",
    "answers",
    "best_answers",
    "reactions_received",
    "comments_received",
    "votes_received",
)
POSTS, COMMENTS, ANSWERS, BEST, REACTIONS_IN, COMMENTS_IN, VOTES_IN = range(len(FIELDS))


def roll_up_contributors_day(day: date, start: datetime, end: datetime) -> None:
    """Recompute ``ContributorDay`` rows of ``day`` in full (callers hold a transaction)."""
    in_day = Q(created_at__gte=start, created_at__lt=end)
    cells: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0] * len(FIELDS))
    for author_id, group_id in Post.objects.filter(in_day, deleted_at__isnull=True).values_list(
        "author_id", "group_id"
    ):
        cells[(author_id, group_id)][POSTS] += 1
    is_question = Exists(Question.objects.filter(post_id=OuterRef("post_id")))
    for author_id, group_id, parent_id, post_author_id, question in (
        Comment.objects.filter(in_day, deleted_at__isnull=True, post__deleted_at__isnull=True)
        .annotate(question=is_question)
        .values_list("author_id", "post__group_id", "parent_id", "post__author_id", "question")
        .iterator(chunk_size=5000)
    ):
        cell = cells[(author_id, group_id)]
        cell[COMMENTS] += 1
        if author_id != post_author_id:
            cells[(post_author_id, group_id)][COMMENTS_IN] += 1
            if question and parent_id is None:
                cell[ANSWERS] += 1
    for row in (
        Reaction.objects.filter(in_day)
        .filter(
            Q(post__isnull=False, post__deleted_at__isnull=True)
            | Q(
                comment__isnull=False,
                comment__deleted_at__isnull=True,
                comment__post__deleted_at__isnull=True,
            )
        )
        .values_list(
            "user_id",
            "post__author_id",
            "post__group_id",
            "comment__author_id",
            "comment__post__group_id",
        )
        .iterator(chunk_size=5000)
    ):
        user_id, post_author, post_group, comment_author, comment_group = row
        receiver, group_id = (
            (post_author, post_group)
            if post_author is not None
            else (comment_author, comment_group)
        )
        if receiver is not None and receiver != user_id:  # one's own reactions earn nothing
            cells[(receiver, group_id)][REACTIONS_IN] += 1
    for author_id, group_id in Question.objects.filter(
        answered_at__gte=start,
        answered_at__lt=end,
        best_answer__isnull=False,
        best_answer__deleted_at__isnull=True,
        post__deleted_at__isnull=True,
    ).values_list("best_answer__author_id", "post__group_id"):
        cells[(author_id, group_id)][BEST] += 1
    for author_id, group_id in AnswerVote.objects.filter(
        in_day, comment__deleted_at__isnull=True, question__post__deleted_at__isnull=True
    ).values_list("comment__author_id", "question__post__group_id"):
        cells[(author_id, group_id)][VOTES_IN] += 1
    ContributorDay.objects.filter(day=day).delete()
    ContributorDay.objects.bulk_create(
        [
            ContributorDay(
                user_id=user_id,
                group_id=group_id,
                day=day,
                **dict(zip(FIELDS, values, strict=True)),
            )
            for (user_id, group_id), values in cells.items()
        ],
        batch_size=2000,
    )


@dataclass
class LeaderFigures:
    leaders: int
    present: int  # leaders who posted or commented in the period
    present_share: float
    posts: int
    comments: int


@dataclass
class PeopleBoard:
    period: int
    since: date
    until: date
    group: Group | None
    contributors: Table
    leaders: Table | None  # network page only
    leader_figures: LeaderFigures | None


CONTRIBUTOR_COLUMNS = [
    "person",
    "answers",
    "best_answers",
    "votes_received",
    "reactions_received",
    "comments_received",
    "posts",
    "comments",
]


def people_board(
    *, period: int, group: Group | None = None, today: date | None = None
) -> PeopleBoard:
    """Network (``group`` empty): two queries for contributors and leaders' activity, one for
    the leaders. A group: one query."""
    until = today or timezone.localdate()
    since = until - timedelta(days=period - 1)
    rows: QuerySet[ContributorDay] = ContributorDay.objects.filter(
        day__gte=since, day__lte=until, user__is_active=True
    )
    rows = rows.filter(open_scope()) if group is None else rows.filter(group=group)
    # Champions: best answers first, then answers, then what their writing received.
    contributors = (
        rows.values("user_id")
        .annotate(
            name=Min("user__name"),
            received=Sum(F("reactions_received") + F("comments_received") + F("votes_received")),
            posts=Sum("posts"),
            comments=Sum("comments"),
            answers=Sum("answers"),
            best_answers=Sum("best_answers"),
            reactions_received=Sum("reactions_received"),
            comments_received=Sum("comments_received"),
            votes_received=Sum("votes_received"),
        )
        .order_by("-best_answers", "-answers", "-received", "name", "user_id")[:CONTRIBUTOR_LIMIT]
    )
    table = Table(
        "contributors",
        CONTRIBUTOR_COLUMNS,
        [
            [
                c["name"],
                c["answers"],
                c["best_answers"],
                c["votes_received"],
                c["reactions_received"],
                c["comments_received"],
                c["posts"],
                c["comments"],
            ]
            for c in contributors
        ],
    )
    leaders_table = None
    figures = None
    if group is None:
        leaders_table, figures = _leaders(rows)
    return PeopleBoard(
        period=period,
        since=since,
        until=until,
        group=group,
        contributors=table,
        leaders=leaders_table,
        leader_figures=figures,
    )


def leaders_queryset() -> QuerySet[User]:
    """Active people with at least one active direct report (``User.manager``)."""
    return User.objects.filter(is_active=True, direct_reports__is_active=True)


def _leaders(rows: QuerySet[ContributorDay]) -> tuple[Table, LeaderFigures]:
    leaders = list(
        leaders_queryset()
        .values("pk", "name", "job_title")
        .annotate(reports=Count("direct_reports", filter=Q(direct_reports__is_active=True)))
        .order_by("name", "pk")
    )
    activity = {
        row["user_id"]: row
        for row in rows.filter(user_id__in=leaders_queryset().values("pk"))
        .values("user_id")
        .annotate(posts=Sum("posts"), comments=Sum("comments"))
        .order_by()
    }
    ranked = []
    for leader in leaders:
        done = activity.get(leader["pk"], {"posts": 0, "comments": 0})
        ranked.append(
            [
                leader["name"],
                leader["job_title"],
                leader["reports"],
                done["posts"],
                done["comments"],
            ]
        )
    ranked.sort(key=lambda r: (-(r[3] + r[4]), -r[3], r[0].lower()))
    present = sum(1 for r in ranked if r[3] + r[4])
    figures = LeaderFigures(
        leaders=len(ranked),
        present=present,
        present_share=ratio(present, len(ranked)),
        posts=sum(r[3] for r in ranked),
        comments=sum(r[4] for r in ranked),
    )
    table = Table(
        "leaders",
        ["person", "job_title", "direct_reports", "posts", "comments"],
        ranked[:LEADER_LIMIT],
    )
    return table, figures
