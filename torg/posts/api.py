"""REST endpoints for posts at /api/v1/posts. Same access rules and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from torg.api.refusals import run as _run
from torg.groups.access import access_group_by_slug
from torg.media.api import VideoOut, video_out
from torg.posts import actions, selectors
from torg.posts.access import access_deleted_post, access_post
from torg.posts.actions import PollSpec
from torg.posts.attachments import do_upload_attachment
from torg.posts.models import BODY_MAX_LENGTH, Attachment, Post

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["posts"])
MAX_ID = 2**63 - 1


# --- schemas -----------------------------------------------------------------------------------


class AuthorOut(Schema):
    id: int
    name: str
    job_title: str


class AttachmentOut(Schema):
    id: int
    kind: str = Field(..., description='"image" or "file"')
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    alt_text: str
    url: str
    thumbnail_url: str | None


class PollOptionOut(Schema):
    id: int
    text: str
    vote_count: int | None = Field(None, description="Shown after voting or when closed")
    mine: bool


class PollOut(Schema):
    question: str
    allows_multiple: bool
    closes_at: datetime | None
    closed: bool
    voter_count: int
    options: list[PollOptionOut]


class LinkPreviewOut(Schema):
    url: str
    title: str
    description: str
    site_name: str
    image_url: str | None


class PostOut(Schema):
    id: int
    author: AuthorOut
    group: str | None = Field(None, description="Slug of the group; null for a profile post")
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    pinned: bool
    shared_post_id: int | None = Field(None, description="Set only if you may see the original")
    shared_post_available: bool | None
    comment_count: int
    reaction_count: int
    share_count: int
    attachments: list[AttachmentOut]
    videos: list[VideoOut] = Field(
        default_factory=list,
        description="Videos (their files are not in ``attachments``): state, progress, error "
        "and, when ready, poster, HLS and MP4 URLs, as GET /api/v1/media/videos/{token}",
    )
    poll: PollOut | None
    link_preview: LinkPreviewOut | None


class PollIn(Schema):
    question: str = Field("", max_length=300)
    options: list[str] = Field(..., min_length=2, max_length=10)
    allows_multiple: bool = False
    closes_at: datetime | None = None


class PostIn(Schema):
    group: str | None = Field(None, max_length=120, description="Group slug; null: your profile")
    body: str = Field("", max_length=BODY_MAX_LENGTH)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    alt_texts: dict[int, str] = Field(default_factory=dict)
    poll: PollIn | None = None


class PostPatch(Schema):
    body: str = Field(..., max_length=BODY_MAX_LENGTH)


class ShareIn(Schema):
    group: str | None = Field(None, max_length=120, description="Group slug; null: your profile")
    body: str = Field("", max_length=BODY_MAX_LENGTH)


class VoteIn(Schema):
    option_ids: list[int] = Field(..., min_length=1, max_length=10)


class RevisionOut(Schema):
    id: int
    body: str
    created_at: datetime


class Message(Schema):
    detail: str


# --- helpers -----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _attachment_out(a: Attachment) -> dict[str, Any]:
    from torg.posts.views import attachment_json

    return attachment_json(a)


def _post_out(post: Post) -> dict[str, Any]:
    from django.urls import reverse

    card_poll = getattr(post, "card_poll", None)
    poll = None
    if card_poll is not None:
        poll = {
            "question": card_poll.poll.question,
            "allows_multiple": card_poll.poll.allows_multiple,
            "closes_at": card_poll.poll.closes_at,
            "closed": card_poll.closed,
            "voter_count": card_poll.poll.voter_count,
            "options": [
                {
                    "id": item.option.pk,
                    "text": item.option.text,
                    "vote_count": item.option.vote_count if card_poll.show_results else None,
                    "mine": item.mine,
                }
                for item in card_poll.options
            ],
        }
    preview = getattr(post, "card_preview", None)
    original = getattr(post, "card_original", None)
    return {
        "id": post.pk,
        "author": {
            "id": post.author.pk,
            "name": post.author.name,
            "job_title": post.author.job_title,
        },
        "group": post.group.slug if post.group else None,
        "body": post.body,
        "body_html": post.body_html,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "pinned": post.pinned_at is not None,
        "shared_post_id": original.pk if original is not None else None,
        "shared_post_available": None if post.shared_post_id is None else original is not None,
        "comment_count": post.comment_count,
        "reaction_count": post.reaction_count,
        "share_count": post.share_count,
        "attachments": [
            _attachment_out(a)
            for a in [*post.card_images, *post.card_files]  # type: ignore[attr-defined]
        ],
        "videos": [video_out(v) for v in getattr(post, "card_videos", [])],
        "poll": poll,
        "link_preview": None
        if preview is None
        else {
            "url": preview.canonical_url or preview.url,
            "title": preview.title,
            "description": preview.description,
            "site_name": preview.site_name,
            "image_url": reverse("links:preview-image", args=[preview.pk])
            if preview.image
            else None,
        },
    }


def _card(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _post_out(selectors.post_detail(_actor(request), post_id))


def _group(request: HttpRequest, slug: str | None) -> Any:
    return None if slug is None else access_group_by_slug(_actor(request), slug)


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/{int:post_id}", response=PostOut)
def get_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _card(request, post_id)


@router.post("", response={201: PostOut, 400: Message, 403: Message})
def create_post(request: HttpRequest, payload: PostIn) -> Status:
    group = _group(request, payload.group)
    poll = None
    if payload.poll is not None:
        poll = PollSpec(
            options=payload.poll.options,
            question=payload.poll.question,
            allows_multiple=payload.poll.allows_multiple,
            closes_at=payload.poll.closes_at,
        )
    post = _run(
        lambda: actions.do_create_post(
            author=_actor(request),
            group=group,
            body=payload.body,
            attachment_ids=payload.attachment_ids,
            poll=poll,
            alt_texts=payload.alt_texts,
        )
    )
    return Status(201, _card(request, post.pk))


@router.patch("/{int:post_id}", response={200: PostOut, 400: Message, 403: Message})
def edit_post(request: HttpRequest, post_id: int, payload: PostPatch) -> dict[str, Any]:
    post = access_post(_actor(request), post_id)
    _run(lambda: actions.do_edit_post(actor=_actor(request), post=post, body=payload.body))
    return _card(request, post.pk)


@router.delete("/{int:post_id}", response={204: None, 400: Message, 403: Message})
def delete_post(request: HttpRequest, post_id: int) -> Status:
    post = access_post(_actor(request), post_id)
    _run(lambda: actions.do_delete_post(actor=_actor(request), post=post))
    return Status(204, None)


@router.post("/{int:post_id}/restore", response={200: PostOut, 400: Message, 403: Message})
def restore_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    post = access_deleted_post(_actor(request), post_id)
    _run(lambda: actions.do_restore_post(actor=_actor(request), post=post))
    return _card(request, post.pk)


@router.post("/{int:post_id}/pin", response={200: PostOut, 400: Message, 403: Message})
def pin_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    post = access_post(_actor(request), post_id)
    _run(lambda: actions.do_pin_post(actor=_actor(request), post=post))
    return _card(request, post.pk)


@router.delete("/{int:post_id}/pin", response={200: PostOut, 400: Message, 403: Message})
def unpin_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    post = access_post(_actor(request), post_id)
    _run(lambda: actions.do_unpin_post(actor=_actor(request), post=post))
    return _card(request, post.pk)


@router.post("/{int:post_id}/share", response={201: PostOut, 400: Message, 403: Message})
def share_post(request: HttpRequest, post_id: int, payload: ShareIn) -> Status:
    post = access_post(_actor(request), post_id)
    group = _group(request, payload.group)
    shared = _run(
        lambda: actions.do_share_post(
            actor=_actor(request), post=post, group=group, body=payload.body
        )
    )
    return Status(201, _card(request, shared.pk))


@router.post("/{int:post_id}/poll/votes", response={200: PostOut, 400: Message, 403: Message})
def vote(request: HttpRequest, post_id: int, payload: VoteIn) -> dict[str, Any]:
    post = access_post(_actor(request), post_id)
    _run(
        lambda: actions.do_vote_poll(
            actor=_actor(request), post=post, option_ids=payload.option_ids
        )
    )
    return _card(request, post.pk)


@router.get("/{int:post_id}/revisions", response=list[RevisionOut])
def revisions(request: HttpRequest, post_id: int) -> list[dict[str, Any]]:
    post = access_post(_actor(request), post_id)
    return [
        {"id": r.pk, "body": r.body, "created_at": r.created_at}
        for r in selectors.post_revisions(post)
    ]


@router.post("/attachments", response={201: AttachmentOut, 400: Message, 403: Message})
def upload_attachment(
    request: HttpRequest, file: File[UploadedFile], alt_text: Form[str] = ""
) -> Status:
    attachment = _run(
        lambda: do_upload_attachment(uploader=_actor(request), upload=file, alt_text=alt_text[:500])
    )
    return Status(201, _attachment_out(attachment))
