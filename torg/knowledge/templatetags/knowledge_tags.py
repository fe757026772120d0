"""Template hooks that put questions and topics into other apps' templates without a query per
card: the first card of a render loads the question state of every post in the context at once
(``question_cards``) and keeps it on the request."""

from __future__ import annotations

from typing import Any

from django import template

from torg.feed.selectors import FeedPage
from torg.groups.access import as_person
from torg.knowledge.selectors.questions import (
    AnswerCard,
    QuestionCard,
    answer_card,
    question_cards,
)
from torg.knowledge.selectors.topics import related_topics, suggested_topics, top_contributors
from torg.posts.models import Comment, Hashtag, Post

register = template.Library()
_CACHE = "_knowledge_question_cards"


def _posts_in(context: template.Context) -> dict[int, Post]:
    found: dict[int, Post] = {}
    for value in context.flatten().values():
        items: Any
        if isinstance(value, Post):
            items = [value]
        elif isinstance(value, FeedPage):
            items = value.all_posts
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            continue
        for item in items:
            if isinstance(item, Post) and item.pk is not None:
                found.setdefault(item.pk, item)
    return found


def _card(context: template.Context, post: Post) -> QuestionCard | None:
    request = context.get("request")
    holder: Any = request if request is not None else context.render_context
    if request is not None:
        cache = getattr(request, _CACHE, None)
        if cache is None:
            cache = {}
            setattr(request, _CACHE, cache)
    else:
        cache = holder.setdefault(_CACHE, {})
    if post.pk not in cache:
        missing = {pk: p for pk, p in _posts_in(context).items() if pk not in cache}
        missing[post.pk] = post
        cards = question_cards(context.get("user"), missing.values())  # type: ignore[arg-type]
        for pk in missing:
            cache[pk] = cards.get(pk)
    card: QuestionCard | None = cache[post.pk]
    return card


@register.simple_tag(takes_context=True)
def question_for(context: template.Context, post: Any) -> QuestionCard | None:
    """The question card of ``post``, or None when it is not a question."""
    if not isinstance(post, Post) or post.pk is None:
        return None
    return _card(context, post)


@register.simple_tag(takes_context=True)
def answer_for(context: template.Context, comment: Any, post: Any) -> AnswerCard | None:
    """Badge, votes and buttons of ``comment`` as an answer of ``post`` (None: not an answer)."""
    person = as_person(context.get("user"))  # type: ignore[arg-type]
    if person is None or not isinstance(comment, Comment) or not isinstance(post, Post):
        return None
    if comment.post_id != post.pk:
        return None
    card = _card(context, post)
    if card is None:
        return None
    return answer_card(card, comment, person)


@register.inclusion_tag("knowledge/_topic_rail.html", takes_context=True)
def topic_rail(context: template.Context, topic: Hashtag) -> dict[str, Any]:
    user = context.get("user")
    return {
        "topic": topic,
        "related": related_topics(user, topic),  # type: ignore[arg-type]
        "contributors": top_contributors(user, topic),  # type: ignore[arg-type]
    }


@register.simple_tag(takes_context=True)
def group_suggested_topics(context: template.Context, group: Any) -> list[Hashtag]:
    return suggested_topics(context.get("user"), group)  # type: ignore[arg-type]
