"""Questions: marking, best answers (who may), votes (one per person), order, unanswered lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.knowledge import actions
from torg.knowledge.access import AnswerNotFound, QuestionNotFound, access_answer, access_question
from torg.knowledge.models import AnswerVote, Question
from torg.knowledge.selectors.questions import (
    InvalidListParams,
    ordered_answers,
    question_cards,
    question_list,
)
from torg.posts import comment_actions
from torg.posts.models import Post

pytestmark = pytest.mark.django_db


def ask(write: Callable[..., Post], author: Any, group: Any, body: str) -> Question:
    post = write(author, group, body, is_question=True)
    return Question.objects.get(post=post)


# --- marking -------------------------------------------------------------------------------------


def test_the_composer_option_makes_a_question_in_the_same_transaction(team, write) -> None:
    post = write(team["ase"], team["drift"], "How do we restart the VPN?", is_question=True)
    plain = write(team["ase"], team["drift"], "Lunch is served")

    assert Question.objects.filter(post=post).count() == 1
    assert not Question.objects.filter(post=plain).exists()


def test_only_the_author_marks_and_unmarks_a_question(team, write) -> None:
    post = write(team["ase"], team["drift"], "Where is the printer?")

    with pytest.raises(PermissionDenied):
        actions.do_mark_question(actor=team["dag"], post=post)
    assert not Question.objects.filter(post=post).exists()

    first = actions.do_mark_question(actor=team["ase"], post=post)
    again = actions.do_mark_question(actor=team["ase"], post=post)
    assert first.pk == again.pk and Question.objects.filter(post=post).count() == 1

    with pytest.raises(PermissionDenied):
        actions.do_unmark_question(actor=team["bjorn"], post=post)
    actions.do_unmark_question(actor=team["ase"], post=post)
    assert not Question.objects.filter(post=post).exists()


# --- best answer ---------------------------------------------------------------------------------


def test_the_asker_and_the_group_admin_mark_the_best_answer_and_nobody_else(
    team, write, answer
) -> None:
    question = ask(write, team["ase"], team["drift"], "Which VPN client?")
    reply = answer(team["bjorn"], question.post, "WireGuard")
    other = answer(team["cecilie"], question.post, "OpenVPN")

    for refused in (team["cecilie"], team["eva"], team["bjorn"]):
        with pytest.raises(PermissionDenied):
            actions.do_mark_best_answer(actor=refused, question=question, comment=reply)
    question.refresh_from_db()
    assert question.best_answer_id is None and question.answered_at is None

    actions.do_mark_best_answer(actor=team["ase"], question=question, comment=reply)
    question.refresh_from_db()
    assert question.best_answer_id == reply.pk
    assert question.best_marked_by_id == team["ase"].pk
    assert question.answered_at is not None

    actions.do_mark_best_answer(actor=team["dag"], question=question, comment=other)
    question.refresh_from_db()
    assert (question.best_answer_id, question.best_marked_by_id) == (other.pk, team["dag"].pk)

    with pytest.raises(PermissionDenied):
        actions.do_unmark_best_answer(actor=team["cecilie"], question=question)
    actions.do_unmark_best_answer(actor=team["ase"], question=question)
    question.refresh_from_db()
    assert question.best_answer_id is None and question.answered_at is None


def test_a_reply_or_an_answer_elsewhere_cannot_be_the_best_answer(team, write, answer) -> None:
    question = ask(write, team["ase"], team["drift"], "Which VPN client?")
    elsewhere = answer(team["bjorn"], write(team["bjorn"], team["drift"], "Other post"), "x")
    top = answer(team["bjorn"], question.post, "WireGuard")
    reply = answer(team["cecilie"], question.post, "Agreed", parent_id=top.pk)

    for wrong in (elsewhere, reply):
        with pytest.raises(ValidationError):
            actions.do_mark_best_answer(actor=team["ase"], question=question, comment=wrong)
    assert Question.objects.get(pk=question.pk).best_answer_id is None
    with pytest.raises(AnswerNotFound):
        access_answer(team["ase"], reply.pk)  # a reply is not an answer
    with pytest.raises(AnswerNotFound):
        access_answer(team["ase"], elsewhere.pk)  # not under a question


# --- votes ---------------------------------------------------------------------------------------


def test_one_vote_per_person_toggled_and_never_for_ones_own_answer(team, write, answer) -> None:
    question = ask(write, team["ase"], team["drift"], "Which VPN client?")
    reply = answer(team["bjorn"], question.post, "WireGuard")

    assert actions.do_vote_answer(actor=team["cecilie"], question=question, comment=reply)
    assert not actions.do_vote_answer(actor=team["cecilie"], question=question, comment=reply)
    assert actions.do_toggle_vote_answer(actor=team["dag"], question=question, comment=reply)
    assert list(
        AnswerVote.objects.filter(comment=reply)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    ) == sorted([team["cecilie"].pk, team["dag"].pk])

    assert not actions.do_toggle_vote_answer(actor=team["dag"], question=question, comment=reply)
    with pytest.raises(PermissionDenied):
        actions.do_vote_answer(actor=team["bjorn"], question=question, comment=reply)
    assert list(AnswerVote.objects.filter(comment=reply).values_list("user_id", flat=True)) == [
        team["cecilie"].pk
    ]


# --- order ---------------------------------------------------------------------------------------


def test_answers_are_ordered_best_then_votes_then_time(team, write, answer) -> None:
    question = ask(write, team["ase"], team["drift"], "Which VPN client?")
    first = answer(team["bjorn"], question.post, "first")
    second = answer(team["cecilie"], question.post, "second")
    third = answer(team["dag"], question.post, "third")
    fourth = answer(team["eva"], question.post, "fourth")
    for voter in (team["bjorn"], team["cecilie"]):
        actions.do_vote_answer(actor=voter, question=question, comment=fourth)
    actions.do_vote_answer(actor=team["eva"], question=question, comment=third)
    actions.do_mark_best_answer(actor=team["ase"], question=question, comment=second)

    thread = ordered_answers(team["eva"], Question.objects.get(pk=question.pk))

    assert [c.pk for c in thread.comments] == [second.pk, fourth.pk, third.pk, first.pk]


# --- lists ---------------------------------------------------------------------------------------


def test_unanswered_and_open_lists_follow_their_definitions(team, write, answer) -> None:
    empty = ask(write, team["ase"], team["drift"], "Nobody answered me")
    own_reply_only = ask(write, team["ase"], team["drift"], "Only I replied")
    answer(team["ase"], own_reply_only.post, "bump")  # the asker's own comment is no answer
    answered = ask(write, team["ase"], team["drift"], "Answered but no best")
    answer(team["bjorn"], answered.post, "try this")
    solved = ask(write, team["ase"], team["drift"], "Solved")
    best = answer(team["bjorn"], solved.post, "this works")
    actions.do_mark_best_answer(actor=team["ase"], question=solved, comment=best)
    write(team["ase"], team["drift"], "Not a question?")

    def listed(state: str, **kw: Any) -> list[int]:
        return [row.post.pk for row in question_list(team["eva"], state=state, **kw).rows]

    assert listed("unanswered") == [own_reply_only.post_id, empty.post_id]
    assert listed("open") == [answered.post_id, own_reply_only.post_id, empty.post_id]
    # A deleted best answer leaves the question open again.
    comment_actions.do_delete_comment(actor=team["bjorn"], comment=best)
    assert listed("open")[0] == solved.post_id
    with pytest.raises(InvalidListParams):
        question_list(team["eva"], state="everything")
    with pytest.raises(InvalidListParams):
        question_list(team["eva"], before="999999999")


def test_secret_group_questions_are_invisible_to_outsiders(team, write) -> None:
    hidden = ask(write, team["bjorn"], team["secret"], "Secret question?")
    shown = ask(write, team["bjorn"], team["drift"], "Open question?")

    assert [r.post.pk for r in question_list(team["eva"]).rows] == [shown.post_id]
    assert [r.post.pk for r in question_list(team["ase"]).rows] == [shown.post_id, hidden.post_id]
    assert [r.post.pk for r in question_list(team["ase"], group=team["secret"]).rows] == [
        hidden.post_id
    ]
    with pytest.raises(QuestionNotFound):
        access_question(team["eva"], hidden.post_id)
    with pytest.raises(QuestionNotFound):
        access_question(team["eva"], 10**12)


def test_paging_walks_every_question_once(team, write) -> None:
    made = [ask(write, team["ase"], team["drift"], f"Question {n}?").post_id for n in range(5)]
    walked: list[int] = []
    before = None
    while True:
        page = question_list(team["eva"], limit=2, before=before)
        walked += [row.post.pk for row in page.rows]
        if page.next_before is None:
            break
        before = page.next_before
    assert walked == list(reversed(made))


def test_card_state_takes_a_fixed_number_of_queries(team, write, answer) -> None:
    def cards_queries() -> int:
        posts = list(Post.objects.all())
        with CaptureQueriesContext(connection) as ctx:
            question_cards(team["dag"], posts)
        return len(ctx.captured_queries)

    question = ask(write, team["ase"], team["drift"], "Q1?")
    reply = answer(team["bjorn"], question.post, "A1")
    actions.do_vote_answer(actor=team["cecilie"], question=question, comment=reply)
    small = cards_queries()
    assert small == 4
    for n in range(6):
        more = ask(write, team["bjorn"], team["drift"], f"Q{n}?")
        more_reply = answer(team["cecilie"], more.post, "A")
        actions.do_vote_answer(actor=team["eva"], question=more, comment=more_reply)
    assert cards_queries() == small
