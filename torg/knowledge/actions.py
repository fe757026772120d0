"""Every write on questions, answers and suggested topics: ``check_*`` validates and checks
access, ``do_*`` writes in one transaction.

Decisions (see docs/knowledge.md):
- Only the author marks a post as a question (when writing it, or later) or unmarks it.
- The asker or an admin of the question's group marks (or unmarks) the best answer; any live
  top-level comment of the question can be it, the asker's own included.
- An up-vote is one per person and answer; people cannot vote for their own answers.
- A group has at most ``MAX_SUGGESTED_TOPICS`` suggested topics, each one a topic the admin can
  see in use (so a tag nobody can open is never recommended).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.core.markdown import normalize_hashtag
from torg.groups.access import as_person, is_group_admin
from torg.knowledge.access import can_mark_best
from torg.knowledge.models import AnswerVote, Question, SuggestedTopic
from torg.posts.models import Comment, Hashtag, Post

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.groups.models import Group

MAX_SUGGESTED_TOPICS = 5


def _best_answer_refusal() -> str:
    return _("Only the asker and the group's admins can choose the best answer.")


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


# --- questions -----------------------------------------------------------------------------------


def do_mark_new_post_as_question(*, post: Post) -> Question:
    """Called by ``posts.actions.do_create_post`` inside its transaction (composer option)."""
    return Question.objects.create(post=post, created_at=post.created_at)


def check_mark_question(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if post.author_id != person.pk:
        raise PermissionDenied(_("Only the author can make a post a question."))
    if post.deleted_at is not None:
        raise ValidationError(_("This post is not available."))


def do_mark_question(*, actor: User, post: Post) -> Question:
    """Make ``post`` a question. Marking a question again changes nothing."""
    with transaction.atomic():
        check_mark_question(actor=actor, post=post)
        question, _created = Question.objects.get_or_create(
            post=post, defaults={"created_at": post.created_at}
        )
    return question


def check_unmark_question(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if post.author_id != person.pk:
        raise PermissionDenied(_("Only the author can change whether a post is a question."))


def do_unmark_question(*, actor: User, post: Post) -> None:
    """The post becomes an ordinary post again; its best answer and votes are dropped."""
    with transaction.atomic():
        check_unmark_question(actor=actor, post=post)
        Question.objects.filter(post=post).delete()


# --- best answer ---------------------------------------------------------------------------------


def _live_answer(question: Question, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_related("author")
        .filter(
            pk=comment_id,
            post_id=question.post_id,
            parent__isnull=True,
            deleted_at__isnull=True,
        )
        .first()
    )
    if comment is None:
        raise ValidationError(_("That answer is not under this question."))
    return comment


def check_mark_best_answer(*, actor: User, question: Question, comment: Comment) -> Comment:
    person = _require_person(actor)
    if not can_mark_best(person, question.post):
        raise PermissionDenied(_best_answer_refusal())
    return _live_answer(question, comment.pk)


def do_mark_best_answer(*, actor: User, question: Question, comment: Comment) -> Question:
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("post").get(pk=question.pk)
        answer = check_mark_best_answer(actor=actor, question=question, comment=comment)
        if question.best_answer_id != answer.pk:
            question.best_answer = answer
            question.best_marked_by = actor
            question.answered_at = timezone.now()
            question.save(update_fields=["best_answer", "best_marked_by", "answered_at"])
    return question


def check_unmark_best_answer(*, actor: User, question: Question) -> None:
    person = _require_person(actor)
    if not can_mark_best(person, question.post):
        raise PermissionDenied(_best_answer_refusal())


def do_unmark_best_answer(*, actor: User, question: Question) -> Question:
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("post").get(pk=question.pk)
        check_unmark_best_answer(actor=actor, question=question)
        if question.best_answer_id is not None:
            question.best_answer = None
            question.best_marked_by = None
            question.answered_at = None
            question.save(update_fields=["best_answer", "best_marked_by", "answered_at"])
    return question


# --- votes ---------------------------------------------------------------------------------------


def check_vote_answer(*, actor: User, comment: Comment) -> None:
    person = _require_person(actor)
    if comment.author_id == person.pk:
        raise PermissionDenied(_("You cannot vote for your own answer."))
    if comment.deleted_at is not None or comment.parent_id is not None:
        raise ValidationError(_("Only answers to a question can be voted for."))


def do_vote_answer(*, actor: User, question: Question, comment: Comment) -> bool:
    """Up-vote ``comment``; voting twice keeps one vote. True if a vote was added."""
    check_vote_answer(actor=actor, comment=comment)
    if comment.post_id != question.post_id:
        raise ValidationError(_("That answer is not under this question."))
    try:
        with transaction.atomic():
            _vote, created = AnswerVote.objects.get_or_create(
                comment=comment, user=actor, defaults={"question": question}
            )
    except IntegrityError:  # a concurrent request voted first
        return False
    return created


def do_unvote_answer(*, actor: User, comment: Comment) -> bool:
    """Take one's vote back. True if there was one."""
    _require_person(actor)
    with transaction.atomic():
        deleted, _rows = AnswerVote.objects.filter(comment=comment, user=actor).delete()
    return deleted > 0


def do_toggle_vote_answer(*, actor: User, question: Question, comment: Comment) -> bool:
    """Vote, or take the vote back if there is one. True if the actor now votes for it."""
    if AnswerVote.objects.filter(comment=comment, user=actor).exists():
        do_unvote_answer(actor=actor, comment=comment)
        return False
    do_vote_answer(actor=actor, question=question, comment=comment)
    return True


# --- suggested topics ----------------------------------------------------------------------------


def check_set_suggested_topics(*, actor: User, group: Group, names: Sequence[str]) -> list[Hashtag]:
    """The topics in order, or a clear refusal. Each must be in use where the actor can see it."""
    from torg.feed.selectors import TopicNotFound, access_topic

    person = _require_person(actor)
    if not is_group_admin(person, group):
        raise PermissionDenied(_("Only the group's admins can choose its suggested topics."))
    keys: list[str] = []
    for raw in names:
        text = str(raw).strip().lstrip("#").strip()
        if not text:
            continue
        key = normalize_hashtag(text)
        if not key or len(key) > 64 or not key.replace("_", "").isalnum():
            raise ValidationError(
                _("“%(name)s” is not a topic. Use letters, digits and _ only.")
                % {"name": text[:70]}
            )
        if key not in keys:
            keys.append(key)
    if len(keys) > MAX_SUGGESTED_TOPICS:
        raise ValidationError(
            _("A group can suggest at most %(limit)d topics.") % {"limit": MAX_SUGGESTED_TOPICS}
        )
    topics = []
    for key in keys:
        try:
            topics.append(access_topic(person, key))
        except TopicNotFound as error:
            raise ValidationError(
                _("No post you can see uses #%(name)s yet. Post about it first.") % {"name": key}
            ) from error
    return topics


def do_set_suggested_topics(*, actor: User, group: Group, names: Sequence[str]) -> list[Hashtag]:
    """Replace the group's suggested topics with ``names`` (in that order)."""
    with transaction.atomic():
        topics = check_set_suggested_topics(actor=actor, group=group, names=names)
        SuggestedTopic.objects.filter(group=group).delete()
        SuggestedTopic.objects.bulk_create(
            [
                SuggestedTopic(group=group, hashtag=topic, position=position, added_by=actor)
                for position, topic in enumerate(topics)
            ]
        )
    return topics
