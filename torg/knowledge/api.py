"""REST endpoints for questions, topics and experts at /api/v1/knowledge.

The same access functions, actions and selectors as the pages; hidden things answer 404 like
nonexistent ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from torg.feed.selectors import access_topic
from torg.groups.access import access_group_by_slug
from torg.knowledge import actions
from torg.knowledge.access import access_answer, access_question
from torg.knowledge.selectors import experts as expert_selectors
from torg.knowledge.selectors import questions as question_selectors
from torg.knowledge.selectors import topics as topic_selectors
from torg.knowledge.selectors.questions import InvalidListParams, QuestionRow
from torg.posts.access import access_post

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.knowledge.models import Question

router = Router(tags=["knowledge"])


class PersonOut(Schema):
    id: int
    name: str
    job_title: str


class AnswerOut(Schema):
    id: int
    author: PersonOut
    body: str
    created_at: datetime
    votes: int
    voted: bool
    is_best: bool


class QuestionOut(Schema):
    post_id: int
    title: str
    author: PersonOut
    group: str | None = Field(None, description="Slug of the group; null for a profile post")
    created_at: datetime
    answer_count: int
    best_answer_id: int | None
    answered_at: datetime | None


class QuestionDetailOut(QuestionOut):
    answers: list[AnswerOut] = Field(description="Best answer first, then by votes, then oldest")


class QuestionListOut(Schema):
    questions: list[QuestionOut]
    next_before: int | None = Field(None, description="Pass as ?before= for the next page")


class QuestionListParams(Schema):
    state: str = Field("unanswered", pattern="^(unanswered|open)$")
    group: str | None = Field(None, max_length=120, description="A group's slug")
    before: int | None = Field(None, ge=1, le=2**63 - 1)
    limit: int = Field(question_selectors.PAGE_SIZE, ge=1, le=50)


class SimilarParams(Schema):
    q: str = Field(..., min_length=1, max_length=2000)


class BestAnswerIn(Schema):
    comment_id: int = Field(..., ge=1, le=2**63 - 1)


class VoteOut(Schema):
    voted: bool
    votes: int


class TopicOut(Schema):
    name: str
    display_name: str


class TrendingOut(TopicOut):
    recent: int = Field(description="Posts with the topic in the last 3 days")
    previous: int = Field(description="Posts with the topic in the 3 days before")
    score: float


class RelatedOut(TopicOut):
    count: int = Field(description="Posts carrying both topics")


class ContributorOut(Schema):
    person: PersonOut
    count: int


class SuggestedTopicsIn(Schema):
    names: list[str] = Field(..., max_length=20)


class EvidenceOut(Schema):
    kind: str = Field(description="skill, post, comment, best_answer or group")
    label: str
    url: str
    points: int


class ExpertOut(Schema):
    person: PersonOut
    score: int
    evidence: list[EvidenceOut]


class ExpertParams(Schema):
    q: str = Field(..., min_length=1, max_length=200)
    limit: int = Field(expert_selectors.DEFAULT_LIMIT, ge=1, le=50)


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _refusal(error: ValidationError | PermissionDenied) -> HttpError:
    if isinstance(error, ValidationError):
        return HttpError(400, " ".join(str(m) for m in error.messages))
    return HttpError(403, str(error) or "Forbidden")


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "job_title": user.job_title}


def _row_out(row: QuestionRow, question: Question | None = None) -> dict[str, Any]:
    post = row.post
    return {
        "post_id": post.pk,
        "title": row.title,
        "author": _person(post.author),
        "group": post.group.slug if post.group else None,
        "created_at": post.created_at,
        "answer_count": row.answer_count,
        "best_answer_id": question.best_answer_id if question else None,
        "answered_at": question.answered_at if question else None,
    }


def _question_out(actor: User, question: Question) -> dict[str, Any]:
    post = question.post
    card = question_selectors.question_cards(actor, [post])[post.pk]
    thread = question_selectors.ordered_answers(actor, question)
    best_id = card.best_answer.pk if card.best_answer else None
    answers = [
        {
            "id": c.pk,
            "author": _person(c.author),
            "body": c.body,
            "created_at": c.created_at,
            "votes": card.votes.get(c.pk, 0),
            "voted": c.pk in card.my_votes,
            "is_best": c.pk == best_id,
        }
        for c in thread.comments
        if c.deleted_at is None
    ]
    row = QuestionRow(post=post, answer_count=card.answer_count, is_answered=best_id is not None)
    out = _row_out(row, question)
    out["best_answer_id"] = best_id
    return {**out, "answers": answers}


# --- questions -----------------------------------------------------------------------------------


@router.get("/questions", response=QuestionListOut, summary="Unanswered or open questions")
def list_questions(request: HttpRequest, params: Query[QuestionListParams]) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, params.group) if params.group else None
    try:
        page = question_selectors.question_list(
            actor, state=params.state, group=group, before=params.before, limit=params.limit
        )
    except InvalidListParams as error:
        raise HttpError(400, "Invalid page") from error
    return {"questions": [_row_out(r) for r in page.rows], "next_before": page.next_before}


@router.get("/questions/similar", response=list[QuestionOut], summary="Questions similar to a text")
def similar(request: HttpRequest, params: Query[SimilarParams]) -> list[dict[str, Any]]:
    rows = question_selectors.similar_questions(_actor(request), params.q)
    return [_row_out(r) for r in rows]


@router.get("/questions/{post_id}", response=QuestionDetailOut, summary="A question and answers")
def get_question(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _question_out(actor, access_question(actor, post_id))


@router.put("/questions/{post_id}", response=QuestionDetailOut, summary="Make my post a question")
def mark_question(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = _actor(request)
    post = access_post(actor, post_id)
    try:
        actions.do_mark_question(actor=actor, post=post)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return _question_out(actor, access_question(actor, post_id))


@router.delete("/questions/{post_id}", response={204: None}, summary="Make my question a post")
def unmark_question(request: HttpRequest, post_id: int) -> Status:
    actor = _actor(request)
    question = access_question(actor, post_id)
    try:
        actions.do_unmark_question(actor=actor, post=question.post)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return Status(204, None)


@router.put(
    "/questions/{post_id}/best-answer",
    response=QuestionDetailOut,
    summary="Choose the best answer (the asker or a group admin)",
)
def set_best_answer(request: HttpRequest, post_id: int, payload: BestAnswerIn) -> dict[str, Any]:
    actor = _actor(request)
    question = access_question(actor, post_id)
    answer = access_answer(actor, payload.comment_id)
    if answer.post_id != question.post_id:
        raise HttpError(400, "That answer is not under this question.")
    try:
        actions.do_mark_best_answer(actor=actor, question=question, comment=answer)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return _question_out(actor, access_question(actor, post_id))


@router.delete(
    "/questions/{post_id}/best-answer",
    response=QuestionDetailOut,
    summary="Remove the best answer mark",
)
def unset_best_answer(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = _actor(request)
    question = access_question(actor, post_id)
    try:
        actions.do_unmark_best_answer(actor=actor, question=question)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return _question_out(actor, access_question(actor, post_id))


def _vote_out(actor: User, comment_id: int) -> dict[str, Any]:
    answer = access_answer(actor, comment_id)
    question = answer.question  # type: ignore[attr-defined]
    question.post = answer.post
    card = question_selectors.question_cards(actor, [answer.post])[answer.post_id]
    return {"voted": answer.pk in card.my_votes, "votes": card.votes.get(answer.pk, 0)}


@router.put("/answers/{comment_id}/vote", response=VoteOut, summary="Up-vote an answer")
def vote(request: HttpRequest, comment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    answer = access_answer(actor, comment_id)
    try:
        actions.do_vote_answer(actor=actor, question=answer.question, comment=answer)  # type: ignore[attr-defined]
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return _vote_out(actor, comment_id)


@router.delete("/answers/{comment_id}/vote", response=VoteOut, summary="Take my up-vote back")
def unvote(request: HttpRequest, comment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    answer = access_answer(actor, comment_id)
    actions.do_unvote_answer(actor=actor, comment=answer)
    return _vote_out(actor, comment_id)


# --- topics --------------------------------------------------------------------------------------


@router.get("/topics/trending", response=list[TrendingOut], summary="Trending topics")
def trending(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "name": t.hashtag.name,
            "display_name": t.hashtag.display_name,
            "recent": t.recent,
            "previous": t.previous,
            "score": t.score,
        }
        for t in topic_selectors.trending_topics(_actor(request))
    ]


@router.get("/topics/{name}/related", response=list[RelatedOut], summary="Related topics")
def related(request: HttpRequest, name: str) -> list[dict[str, Any]]:
    actor = _actor(request)
    topic = access_topic(actor, name)
    return [
        {"name": r.hashtag.name, "display_name": r.hashtag.display_name, "count": r.count}
        for r in topic_selectors.related_topics(actor, topic)
    ]


@router.get(
    "/topics/{name}/contributors", response=list[ContributorOut], summary="Top contributors"
)
def contributors(request: HttpRequest, name: str) -> list[dict[str, Any]]:
    actor = _actor(request)
    topic = access_topic(actor, name)
    return [
        {"person": _person(c.person), "count": c.count}
        for c in topic_selectors.top_contributors(actor, topic)
    ]


@router.get("/groups/{slug}/suggested-topics", response=list[TopicOut], summary="A group's topics")
def group_topics(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    from torg.groups.access import can_see_content

    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    if not can_see_content(actor, group):
        return []
    return [
        {"name": t.name, "display_name": t.display_name}
        for t in topic_selectors.suggested_topics(actor, group)
    ]


@router.put(
    "/groups/{slug}/suggested-topics",
    response=list[TopicOut],
    summary="Set a group's suggested topics (group admins, at most 5)",
)
def set_group_topics(
    request: HttpRequest, slug: str, payload: SuggestedTopicsIn
) -> list[dict[str, Any]]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    try:
        topics = actions.do_set_suggested_topics(actor=actor, group=group, names=payload.names)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return [{"name": t.name, "display_name": t.display_name} for t in topics]


# --- experts -------------------------------------------------------------------------------------


@router.get("/experts", response=list[ExpertOut], summary="Who knows about a subject")
def experts(request: HttpRequest, params: Query[ExpertParams]) -> list[dict[str, Any]]:
    found = expert_selectors.find_experts(_actor(request), params.q, limit=params.limit)
    return [
        {
            "person": _person(e.person),
            "score": e.score,
            "evidence": [
                {"kind": i.kind, "label": i.label, "url": i.url, "points": i.points}
                for i in e.evidence
            ],
        }
        for e in found
    ]
