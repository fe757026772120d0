"""REST endpoints for comments and reactions, mounted at /api/v1/posts (next to the posts router).

Same access rules and actions as the pages: hidden, deleted and unknown posts or comments all
answer 404 {"detail": "Not found"}; refusals answer 403, invalid input 422 or 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from torg.media.api import VideoOut, video_out
from torg.posts import comment_actions, reaction_actions
from torg.posts.access import access_post
from torg.posts.api import AttachmentOut
from torg.posts.comment_actions import access_comment
from torg.posts.models import COMMENT_MAX_LENGTH, Comment, Post

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["comments and reactions"])

MAX_ID = 2**63 - 1
KindName = Literal["like", "love", "haha", "wow", "sad", "celebrate"]


# --- schemas -----------------------------------------------------------------------------------


class AuthorOut(Schema):
    id: int
    name: str


class ReactionsOut(Schema):
    counts: dict[str, int]
    mine: str | None


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author: AuthorOut | None = Field(None, description="Empty for a deleted comment")
    body: str = Field(..., description="Markdown source; empty for a deleted comment")
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    reply_count: int
    reaction_count: int
    reactions: ReactionsOut
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="Images and files (videos are under ``videos``)"
    )
    videos: list[VideoOut] = Field(
        default_factory=list,
        description="Videos: state (processing, ready, failed), progress, error and, when "
        "ready, poster, HLS and MP4 URLs, as GET /api/v1/media/videos/{token}",
    )
    replies: list[CommentOut] = Field(default_factory=list)


class CommentPage(Schema):
    items: list[CommentOut] = Field(..., description="Top-level comments, oldest first")
    earlier_before: int | None = Field(
        None, description="Pass as ?before= to get the previous (older) page"
    )


class CommentIn(Schema):
    body: str = Field(..., max_length=COMMENT_MAX_LENGTH)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    attachment_ids: list[int] = Field(default_factory=list, max_length=10)


class CommentPatch(Schema):
    body: str = Field(..., max_length=COMMENT_MAX_LENGTH)


class ReactionIn(Schema):
    kind: KindName


class ReactorOut(Schema):
    person: AuthorOut
    kind: str


class ReactorPage(Schema):
    items: list[ReactorOut]
    next_after: int | None = Field(None, description="Pass as ?after= for the next page")


class PageQuery(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(comment_actions.PAGE_SIZE, ge=1, le=comment_actions.MAX_PAGE_SIZE)


class ReactorsQuery(Schema):
    kind: KindName | None = None
    after: int | None = Field(None, ge=1, le=MAX_ID)


# --- helpers -----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except PermissionDenied as refusal:
        raise HttpError(403, str(refusal) or "Forbidden") from refusal
    except ValidationError as refusal:
        raise HttpError(422, " ".join(str(m) for m in refusal.messages)) from refusal


def _run[T](action: Callable[[], T]) -> T:
    with _refusals():
        return action()


def _comment_out(comment: Comment) -> dict[str, Any]:
    from torg.posts.views import attachment_json

    deleted = comment.deleted_at is not None
    summary = getattr(comment, "reaction_summary", None) or {"counts": {}, "mine": None}
    # Set by comment_actions.attach_comment_media (empty for deleted comments).
    files = [*getattr(comment, "card_images", []), *getattr(comment, "card_files", [])]
    return {
        "id": comment.pk,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "author": None if deleted else {"id": comment.author.pk, "name": comment.author.name},
        "body": "" if deleted else comment.body,
        "body_html": "" if deleted else comment.body_html,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted": deleted,
        "reply_count": comment.reply_count,
        "reaction_count": comment.reaction_count,
        "reactions": summary,
        "attachments": [attachment_json(a) for a in files],
        "videos": [video_out(v) for v in getattr(comment, "card_videos", [])],
        "replies": [_comment_out(r) for r in getattr(comment, "visible_replies", [])],
    }


def _summary(actor: User, target: Post | Comment) -> dict[str, Any]:
    if isinstance(target, Comment):
        return dict(reaction_actions.reaction_summary_for_comments([target], actor)[target.pk])
    return dict(reaction_actions.reaction_summary_for([target], actor)[target.pk])


def _reactors(actor: User, target: Post | Comment, query: ReactorsQuery) -> dict[str, Any]:
    page = _run(lambda: reaction_actions.who_reacted(actor, target, query.kind, after=query.after))
    return {
        "items": [
            {"person": {"id": person.pk, "name": person.name}, "kind": kind}
            for person, kind in page.items
        ],
        "next_after": page.next_after,
    }


# --- comments ----------------------------------------------------------------------------------


@router.get("/{post_id}/comments", response=CommentPage, url_name="post_comments")
def list_comments(request: HttpRequest, post_id: int, query: Query[PageQuery]) -> dict[str, Any]:
    """Top-level comments with their replies, newest page first; page back with ``before``."""
    actor = _actor(request)
    post = access_post(actor, post_id)
    page = comment_actions.comments_page(actor, post, before=query.before, limit=query.limit)
    tree = comment_actions.comment_tree(page.comments)
    reaction_actions.attach_comment_reactions(tree, actor)
    comment_actions.attach_comment_media(tree, actor)
    return {
        "items": [_comment_out(c) for c in page.comments],
        "earlier_before": page.earlier_before,
    }


@router.post("/{post_id}/comments", response={201: CommentOut}, url_name="post_comments_create")
def create_comment(
    request: HttpRequest, post_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    post = access_post(actor, post_id)
    comment = _run(
        lambda: comment_actions.do_create_comment(
            actor=actor,
            post=post,
            body=payload.body,
            parent_id=payload.parent_id,
            attachment_ids=payload.attachment_ids,
        )
    )
    comment_actions.attach_comment_media(
        [comment], actor, attachments=None if payload.attachment_ids else []
    )
    return Status(201, _comment_out(comment))


@router.patch("/comments/{comment_id}", response=CommentOut, url_name="comment")
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentPatch) -> dict[str, Any]:
    actor = _actor(request)
    comment = access_comment(actor, comment_id)
    edited = _run(
        lambda: comment_actions.do_edit_comment(actor=actor, comment=comment, body=payload.body)
    )
    reaction_actions.attach_comment_reactions([edited], actor)
    comment_actions.attach_comment_media([edited], actor)
    return _comment_out(edited)


@router.delete("/comments/{comment_id}", response={204: None}, url_name="comment_delete")
def delete_comment(request: HttpRequest, comment_id: int) -> Status[None]:
    actor = _actor(request)
    comment = access_comment(actor, comment_id)
    _run(lambda: comment_actions.do_delete_comment(actor=actor, comment=comment))
    return Status(204, None)


# --- reactions ---------------------------------------------------------------------------------


@router.put("/{post_id}/reaction", response=ReactionsOut, url_name="post_reaction")
def react_to_post(request: HttpRequest, post_id: int, payload: ReactionIn) -> dict[str, Any]:
    actor = _actor(request)
    post = access_post(actor, post_id)
    _run(lambda: reaction_actions.do_react(actor=actor, target=post, kind=payload.kind))
    return _summary(actor, post)


@router.delete("/{post_id}/reaction", response=ReactionsOut, url_name="post_reaction_delete")
def unreact_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = _actor(request)
    post = access_post(actor, post_id)
    _run(lambda: reaction_actions.do_unreact(actor=actor, target=post))
    return _summary(actor, post)


@router.put("/comments/{comment_id}/reaction", response=ReactionsOut, url_name="comment_reaction")
def react_to_comment(request: HttpRequest, comment_id: int, payload: ReactionIn) -> dict[str, Any]:
    actor = _actor(request)
    comment = access_comment(actor, comment_id)
    _run(lambda: reaction_actions.do_react(actor=actor, target=comment, kind=payload.kind))
    return _summary(actor, comment)


@router.delete(
    "/comments/{comment_id}/reaction", response=ReactionsOut, url_name="comment_reaction_delete"
)
def unreact_comment(request: HttpRequest, comment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    comment = access_comment(actor, comment_id)
    _run(lambda: reaction_actions.do_unreact(actor=actor, target=comment))
    return _summary(actor, comment)


@router.get("/{post_id}/reactions", response=ReactorPage, url_name="post_reactions")
def post_reactors(
    request: HttpRequest, post_id: int, query: Query[ReactorsQuery]
) -> dict[str, Any]:
    """Who reacted to a post, newest first; filter with ``kind``, page with ``after``."""
    actor = _actor(request)
    return _reactors(actor, access_post(actor, post_id), query)


@router.get("/comments/{comment_id}/reactions", response=ReactorPage, url_name="comment_reactions")
def comment_reactors(
    request: HttpRequest, comment_id: int, query: Query[ReactorsQuery]
) -> dict[str, Any]:
    actor = _actor(request)
    return _reactors(actor, access_comment(actor, comment_id), query)
