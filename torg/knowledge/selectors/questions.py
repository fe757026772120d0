"""Question state for cards, answers in their order, the unanswered list and similar questions.

Words (docs/knowledge.md):
- An *answer* is a live top-level comment on a question written by someone other than the asker.
- *Unanswered*: no best answer and no answers. *Open*: no best answer (answers or not).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.knowledge.models import AnswerVote, Question
from torg.posts.access import parse_id, visible_posts
from torg.posts.models import Comment, Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

State = Literal["unanswered", "open"]
STATES: tuple[str, ...] = ("unanswered", "open")
PAGE_SIZE = 20
MAX_ANSWERS = 200
SIMILAR_LIMIT = 5


@dataclass
class QuestionCard:
    """What a post card shows about its question."""

    question: Question
    best_answer: Comment | None
    answer_count: int
    can_mark_best: bool
    is_asker: bool
    votes: dict[int, int] = field(default_factory=dict)
    my_votes: set[int] = field(default_factory=set)

    @property
    def is_answered(self) -> bool:
        return self.best_answer is not None


@dataclass
class AnswerCard:
    """What an answer (a top-level comment of a question) shows: badge, votes, buttons."""

    comment_id: int
    post_id: int
    is_best: bool
    votes: int
    voted: bool
    can_vote: bool
    can_mark_best: bool


def _answers() -> Q:
    return Q(parent__isnull=True, deleted_at__isnull=True) & ~Q(author_id=F("post__author_id"))


def question_cards(viewer: User | AnonymousUser, posts: Iterable[Post]) -> dict[int, QuestionCard]:
    """{post id: card} for the questions among ``posts`` (already access-checked for the viewer).

    At most four queries whatever the number of posts: questions (with best answers), answer
    counts, votes, and the viewer's admin roles.
    """
    person = as_person(viewer)
    by_id = {p.pk: p for p in posts}
    if person is None or not by_id:
        return {}
    questions = list(
        Question.objects.filter(post_id__in=list(by_id)).select_related("best_answer__author")
    )
    if not questions:
        return {}
    ids = [q.post_id for q in questions]
    counts = dict(
        Comment.objects.filter(_answers(), post_id__in=ids)
        .values_list("post_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    votes: dict[int, dict[int, int]] = defaultdict(dict)
    mine: dict[int, set[int]] = defaultdict(set)
    rows = (
        AnswerVote.objects.filter(question__in=questions, comment__deleted_at__isnull=True)
        .values_list("question__post_id", "comment_id")
        .annotate(n=Count("id"), me=Count("id", filter=Q(user=person)))
        .order_by()
    )
    for post_id, comment_id, n, me in rows:
        votes[post_id][comment_id] = n
        if me:
            mine[post_id].add(comment_id)
    group_ids = {
        group_id
        for pid in ids
        if by_id[pid].author_id != person.pk and (group_id := by_id[pid].group_id) is not None
    }
    admin_of: set[int] = set()
    if group_ids:
        admin_of = set(
            Membership.objects.filter(
                user=person, group_id__in=group_ids, role=Membership.Role.ADMIN
            ).values_list("group_id", flat=True)
        )
    cards: dict[int, QuestionCard] = {}
    for question in questions:
        post = by_id[question.post_id]
        best = question.best_answer
        if best is not None and best.deleted_at is not None:
            best = None
        is_asker = post.author_id == person.pk
        cards[post.pk] = QuestionCard(
            question=question,
            best_answer=best,
            answer_count=counts.get(post.pk, 0),
            can_mark_best=is_asker or (post.group_id in admin_of),
            is_asker=is_asker,
            votes=votes.get(post.pk, {}),
            my_votes=mine.get(post.pk, set()),
        )
    return cards


def answer_card(card: QuestionCard, comment: Comment, person: User) -> AnswerCard | None:
    if comment.parent_id is not None or comment.deleted_at is not None:
        return None
    return AnswerCard(
        comment_id=comment.pk,
        post_id=card.question.post_id,
        is_best=card.best_answer is not None and card.best_answer.pk == comment.pk,
        votes=card.votes.get(comment.pk, 0),
        voted=comment.pk in card.my_votes,
        can_vote=comment.author_id != person.pk,
        can_mark_best=card.can_mark_best,
    )


# --- the question page ---------------------------------------------------------------------------


@dataclass
class AnswersThread:
    """Shaped like ``posts.comment_actions.CommentsPage`` so ``posts/_comments.html`` renders it."""

    comments: list[Comment]
    has_earlier: bool = False
    earlier_before: int | None = None


def ordered_answers(viewer: User | AnonymousUser, question: Question) -> AnswersThread:
    """The question's top-level comments: the best answer first, then by votes (most first),
    then oldest first; each with ``visible_replies`` and ``reaction_summary``. Fixed queries."""
    from torg.posts.comment_actions import comment_tree
    from torg.posts.reaction_actions import attach_comment_reactions

    person = as_person(viewer)
    if person is None:
        return AnswersThread(comments=[])
    votes = dict(
        AnswerVote.objects.filter(question=question)
        .values_list("comment_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    comments = list(
        Comment.objects.filter(
            Q(deleted_at__isnull=True) | Q(reply_count__gt=0),
            post_id=question.post_id,
            parent__isnull=True,
        )
        .select_related("author")
        .order_by("created_at", "id")[:MAX_ANSWERS]
    )
    best_id = question.best_answer_id

    def rank(comment: Comment) -> tuple[int, int, datetime, int]:
        is_best = comment.pk == best_id and comment.deleted_at is None
        return (0 if is_best else 1, -votes.get(comment.pk, 0), comment.created_at, comment.pk)

    comments.sort(key=rank)
    replies: dict[int, list[Comment]] = {c.pk: [] for c in comments}
    if replies:
        for reply in (
            Comment.objects.filter(parent_id__in=list(replies), deleted_at__isnull=True)
            .select_related("author")
            .order_by("created_at", "id")
        ):
            replies[reply.parent_id].append(reply)  # type: ignore[index]
    for comment in comments:
        comment.visible_replies = replies[comment.pk]  # type: ignore[attr-defined]
    attach_comment_reactions(comment_tree(comments), person)
    return AnswersThread(comments=comments)


# --- lists ---------------------------------------------------------------------------------------


class InvalidListParams(ValueError):
    """A bad ``state`` or ``before``."""


@dataclass
class QuestionRow:
    post: Post
    answer_count: int
    is_answered: bool

    @property
    def title(self) -> str:
        return question_title(self.post)


@dataclass
class QuestionPage:
    rows: list[QuestionRow]
    next_before: int | None


def visible_questions(viewer: User | AnonymousUser) -> QuerySet[Question]:
    person = as_person(viewer)
    if person is None:
        return Question.objects.none()
    return Question.objects.filter(post__in=visible_posts(person).values("pk"))


def _no_best() -> Q:
    return Q(best_answer__isnull=True) | Q(best_answer__deleted_at__isnull=False)


def question_list(
    viewer: User | AnonymousUser,
    *,
    state: str = "unanswered",
    group: Group | None = None,
    before: Any = None,
    limit: int = PAGE_SIZE,
) -> QuestionPage:
    """Visible questions that are unanswered (or open), newest first, keyset-paged by post.

    ``before`` is the post id of the last row of the previous page. Three queries.
    """
    if state not in STATES:
        raise InvalidListParams
    limit = max(1, min(int(limit), 50))
    questions = visible_questions(viewer).filter(_no_best())
    if state == "unanswered":
        answered = Comment.objects.filter(_answers(), post_id=OuterRef("post_id"))
        questions = questions.filter(~Exists(answered))
    if group is not None:
        questions = questions.filter(post__group=group)
    if before not in (None, ""):
        pk = parse_id(before)
        anchor = Post.objects.filter(pk=pk).values_list("created_at", "pk").first() if pk else None
        if anchor is None:
            raise InvalidListParams
        questions = questions.filter(
            Q(post__created_at__lt=anchor[0]) | Q(post__created_at=anchor[0], post_id__lt=anchor[1])
        )
    rows = list(
        questions.select_related("post__author", "post__group").order_by(
            "-post__created_at", "-post_id"
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    counts = (
        dict(
            Comment.objects.filter(_answers(), post_id__in=[q.post_id for q in rows])
            .values_list("post_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        if rows
        else {}
    )
    return QuestionPage(
        rows=[
            QuestionRow(
                post=q.post,
                answer_count=counts.get(q.post_id, 0),
                is_answered=q.best_answer_id is not None,
            )
            for q in rows
        ],
        next_before=rows[-1].post_id if more and rows else None,
    )


def similar_questions(
    viewer: User | AnonymousUser,
    text: str,
    *,
    limit: int = SIMILAR_LIMIT,
    group_id: int | None = None,
) -> list[QuestionRow]:
    """Questions the viewer may see that match ``text``, best match first (the search app ranks
    and applies permissions; this keeps the questions among its hits)."""
    from torg.knowledge.selectors.matching import fused_search
    from torg.search.query import search_post_ids

    person = as_person(viewer)
    text = (text or "").strip()[:1000]
    if person is None or len(text) < 3:
        return []
    ids = fused_search(search_post_ids, person, text, limit=50, group_id=group_id)
    if not ids:
        return []
    questions = {
        q.post_id: q
        for q in visible_questions(person)
        .filter(post_id__in=ids)
        .select_related("post__author", "post__group")
    }
    ordered = [questions[pk] for pk in ids if pk in questions][:limit]
    counts = (
        dict(
            Comment.objects.filter(_answers(), post_id__in=[q.post_id for q in ordered])
            .values_list("post_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        if ordered
        else {}
    )
    return [
        QuestionRow(
            post=q.post,
            answer_count=counts.get(q.post_id, 0),
            is_answered=q.best_answer_id is not None,
        )
        for q in ordered
    ]


MENTION = re.compile(r"@\[([^\]]*)\]\(user:\d+\)")


def question_title(post: Post) -> str:
    """A one-line title: the first line of the text, mentions as plain names, shortened."""
    first = next((line.strip() for line in post.body.splitlines() if line.strip()), "")
    first = MENTION.sub(lambda m: "@" + m.group(1), first)
    return first if len(first) <= 140 else first[:139] + "…"
