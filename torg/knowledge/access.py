"""The one way to look up a question or an answer for a person.

- ``access_question(viewer, post_id)``: the ``Question`` of a post the viewer may read, else
  ``QuestionNotFound`` (a hidden post, a post that is not a question and a nonexistent id answer
  alike).
- ``access_answer(viewer, comment_id)``: a live top-level comment on a question the viewer may
  read, else ``AnswerNotFound``.
- ``can_mark_best(person, question)``: the asker or an admin of the question's group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404

from torg.groups.access import as_person
from torg.groups.models import Membership
from torg.knowledge.models import Question
from torg.posts.access import parse_id, role_in, visible_posts
from torg.posts.models import Comment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User
    from torg.posts.models import Post


class QuestionNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


class AnswerNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


def access_question(viewer: User | AnonymousUser, post_id: Any) -> Question:
    pk = parse_id(post_id)
    person = as_person(viewer)
    if pk is None or person is None:
        raise QuestionNotFound
    question = (
        Question.objects.select_related("post__author", "post__group", "best_answer__author")
        .filter(post_id=pk, post__in=visible_posts(person).values("pk"))
        .first()
    )
    if question is None:
        raise QuestionNotFound
    return question


def access_answer(viewer: User | AnonymousUser, comment_id: Any) -> Comment:
    """The answer with ``comment.question`` set (the ``Question`` it answers)."""
    pk = parse_id(comment_id)
    person = as_person(viewer)
    if pk is None or person is None:
        raise AnswerNotFound
    comment = (
        Comment.objects.select_related("author", "post__group")
        .filter(
            pk=pk,
            parent__isnull=True,
            deleted_at__isnull=True,
            post__in=visible_posts(person).values("pk"),
        )
        .first()
    )
    if comment is None:
        raise AnswerNotFound
    question = Question.objects.filter(post_id=comment.post_id).first()
    if question is None:
        raise AnswerNotFound
    comment.question = question  # type: ignore[attr-defined]
    return comment


def is_group_admin_of(person: User, post: Post) -> bool:
    return post.group_id is not None and role_in(person, post.group_id) == Membership.Role.ADMIN


def can_mark_best(viewer: User | AnonymousUser, post: Post) -> bool:
    person = as_person(viewer)
    if person is None:
        return False
    return post.author_id == person.pk or is_group_admin_of(person, post)
