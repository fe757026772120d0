"""REST endpoints for feeds at /api/v1/feed. Same selectors and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from torg.feed import actions, selectors
from torg.feed.selectors import FeedPage, InvalidCursor
from torg.groups.access import access_group_by_slug
from torg.people.access import access_person
from torg.posts.api import PostOut, _post_out

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["feed"])


class FeedParams(Schema):
    order: str = Field("recent", pattern="^(recent|top)$")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class FeedOut(Schema):
    posts: list[PostOut]
    pinned: list[PostOut] = Field(default_factory=list, description="Group feeds, first page")
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class InFeedIn(Schema):
    in_feed: bool


class FollowOut(Schema):
    following: bool


class InFeedOut(Schema):
    in_feed: bool


class SeenPersonOut(Schema):
    id: int
    name: str
    seen_at: datetime


class SeenByOut(Schema):
    count: int
    people: list[SeenPersonOut]


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _out(page: FeedPage) -> dict[str, Any]:
    return {
        "posts": [_post_out(p) for p in page.posts],
        "pinned": [_post_out(p) for p in page.pinned],
        "next_cursor": page.next_cursor,
    }


def _feed(load: Any) -> dict[str, Any]:
    try:
        return _out(load())
    except InvalidCursor as error:
        raise HttpError(400, "Invalid cursor") from error


@router.get("/home", response=FeedOut, summary="My home feed")
def home(request: HttpRequest, params: Query[FeedParams]) -> dict[str, Any]:
    actor = _actor(request)
    return _feed(
        lambda: selectors.home_feed(
            actor, order=params.order, cursor=params.cursor, limit=params.limit
        )
    )


@router.get("/groups/{slug}", response=FeedOut, summary="A group's feed, pinned posts first")
def group(request: HttpRequest, slug: str, params: Query[FeedParams]) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    return _feed(
        lambda: selectors.group_feed(
            actor, group, order=params.order, cursor=params.cursor, limit=params.limit
        )
    )


@router.get("/people/{user_id}", response=FeedOut, summary="A person's timeline")
def person(request: HttpRequest, user_id: int, params: Query[FeedParams]) -> dict[str, Any]:
    actor = _actor(request)
    author = access_person(actor, user_id)
    return _feed(
        lambda: selectors.profile_feed(
            actor, author, order=params.order, cursor=params.cursor, limit=params.limit
        )
    )


@router.get("/topics/{name}", response=FeedOut, summary="Posts with a topic (hashtag)")
def topic(request: HttpRequest, name: str, params: Query[FeedParams]) -> dict[str, Any]:
    actor = _actor(request)
    hashtag = selectors.access_topic(actor, name)
    return _feed(
        lambda: selectors.topic_feed(
            actor, hashtag, order=params.order, cursor=params.cursor, limit=params.limit
        )
    )


def _refusal(error: ValidationError | PermissionDenied) -> HttpError:
    if isinstance(error, ValidationError):
        return HttpError(400, " ".join(str(m) for m in error.messages))
    return HttpError(403, str(error) or "Forbidden")


@router.post("/follows/people/{user_id}", response=FollowOut, summary="Follow a person")
def follow_person(request: HttpRequest, user_id: int) -> dict[str, bool]:
    actor = _actor(request)
    other = access_person(actor, user_id)
    try:
        actions.do_follow_person(follower=actor, followee=other)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return {"following": True}


@router.delete("/follows/people/{user_id}", response=FollowOut, summary="Unfollow a person")
def unfollow_person(request: HttpRequest, user_id: int) -> dict[str, bool]:
    actor = _actor(request)
    other = access_person(actor, user_id)
    actions.do_unfollow_person(follower=actor, followee=other)
    return {"following": False}


@router.post("/follows/topics/{name}", response=FollowOut, summary="Follow a topic")
def follow_topic(request: HttpRequest, name: str) -> dict[str, bool]:
    actor = _actor(request)
    hashtag = selectors.access_topic(actor, name)
    actions.do_follow_hashtag(user=actor, hashtag=hashtag)
    return {"following": True}


@router.delete("/follows/topics/{name}", response=FollowOut, summary="Unfollow a topic")
def unfollow_topic(request: HttpRequest, name: str) -> dict[str, bool]:
    actor = _actor(request)
    hashtag = selectors.access_topic(actor, name)
    actions.do_unfollow_hashtag(user=actor, hashtag=hashtag)
    return {"following": False}


@router.put(
    "/groups/{slug}/in-feed",
    response=InFeedOut,
    summary="Show a group in my home feed or not (members), follow an open group (non-members)",
)
def set_in_feed(request: HttpRequest, slug: str, payload: InFeedIn) -> dict[str, bool]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    try:
        actions.do_set_group_in_feed(user=actor, group=group, in_feed=payload.in_feed)
    except (ValidationError, PermissionDenied) as error:
        raise _refusal(error) from error
    return {"in_feed": selectors.group_in_feed(actor, group)}


@router.get(
    "/posts/{post_id}/seen-by",
    response=SeenByOut,
    summary="Who saw a post (its author and its group's admins only)",
)
def seen_by(request: HttpRequest, post_id: int) -> dict[str, Any]:
    result = selectors.seen_by(_actor(request), post_id)
    return {
        "count": result.count,
        "people": [
            {"id": s.user.pk, "name": s.user.name, "seen_at": s.seen_at} for s in result.seen
        ],
    }
