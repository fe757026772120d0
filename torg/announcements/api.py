"""REST endpoints for announcements at /api/v1/announcements. Same rules and actions as the
pages: hidden posts, and receipts for anyone but the author, the announcer and admins, are 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from torg.announcements import actions, selectors
from torg.announcements.access import access_announcement, access_receipts
from torg.announcements.export import receipts_csv
from torg.announcements.models import Acknowledgement, Announcement
from torg.api.refusals import run as _run
from torg.posts.access import access_post

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["announcements"])
ReminderName = Literal["none", "1d", "3d", "1w"]


class PersonOut(Schema):
    id: int
    name: str


class AnnouncementOut(Schema):
    post_id: int
    group: str = Field(..., description="Slug of the post's group")
    author: PersonOut
    excerpt: str
    announced_at: datetime
    until: datetime | None
    remind_at: datetime | None = Field(None, description="When non-readers are reminded")
    reminded: bool
    acknowledged_at: datetime | None = Field(None, description="When you marked it as read")


class MarkIn(Schema):
    until: datetime | None = Field(None, description="Leaves the top of feeds after this time")
    reminder: ReminderName = Field("none", description="Remind non-readers after this delay")


class AcknowledgementOut(Schema):
    post_id: int
    acknowledged_at: datetime


class ReceiptPersonOut(Schema):
    id: int
    name: str
    email: str
    department: str
    acknowledged_at: datetime | None


class ReceiptsOut(Schema):
    acknowledged: int = Field(..., description="N in 'N of M acknowledged'")
    audience: int = Field(..., description="M: current members of the group except the author")
    status: str
    page: int
    pages: int
    people: list[ReceiptPersonOut]


class Message(Schema):
    detail: str


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _out(announcement: Announcement, acknowledged_at: datetime | None) -> dict[str, Any]:
    post = announcement.post
    assert post.group is not None
    return {
        "post_id": post.pk,
        "group": post.group.slug,
        "author": {"id": post.author.pk, "name": post.author.name},
        "excerpt": selectors.excerpt(post),
        "announced_at": announcement.announced_at,
        "until": announcement.until,
        "remind_at": announcement.remind_at,
        "reminded": announcement.reminded_at is not None,
        "acknowledged_at": acknowledged_at,
    }


def _mine(person: User, announcement: Announcement) -> datetime | None:
    return (
        Acknowledgement.objects.filter(announcement=announcement, user=person)
        .values_list("acknowledged_at", flat=True)
        .first()
    )


@router.get("/pending", response=list[AnnouncementOut])
def pending(request: HttpRequest) -> list[dict[str, Any]]:
    """Your unread, unexpired announcements (what the top of your home feed shows)."""
    return [_out(a, None) for a in selectors.pending_for(_actor(request))]


@router.get("/posts/{int:post_id}", response=AnnouncementOut)
def get_announcement(request: HttpRequest, post_id: int) -> dict[str, Any]:
    announcement = access_announcement(_actor(request), post_id)
    return _out(announcement, _mine(_actor(request), announcement))


@router.post("/posts/{int:post_id}", response={200: AnnouncementOut, 400: Message, 403: Message})
def mark(request: HttpRequest, post_id: int, payload: MarkIn) -> dict[str, Any]:
    """Mark a group post as an announcement, or change its end date and reminder."""
    person = _actor(request)
    post = access_post(person, post_id)
    _run(
        lambda: actions.do_mark_announcement(
            actor=person, post=post, until=payload.until, reminder=payload.reminder
        )
    )
    announcement = access_announcement(person, post.pk)
    return _out(announcement, _mine(person, announcement))


@router.delete("/posts/{int:post_id}", response={204: None, 403: Message})
def unmark(request: HttpRequest, post_id: int) -> Status:
    person = _actor(request)
    announcement = access_announcement(person, post_id)
    _run(lambda: actions.do_unmark_announcement(actor=person, post=announcement.post))
    return Status(204, None)


@router.post("/posts/{int:post_id}/acknowledge", response={200: AcknowledgementOut, 403: Message})
def acknowledge(request: HttpRequest, post_id: int) -> dict[str, Any]:
    """Mark an announcement as read (again: keeps the first time)."""
    person = _actor(request)
    announcement = access_announcement(person, post_id)
    row = _run(lambda: actions.do_acknowledge(actor=person, announcement=announcement))
    return {"post_id": announcement.post_id, "acknowledged_at": row.acknowledged_at}


@router.get("/posts/{int:post_id}/receipts", response=ReceiptsOut)
def receipts(
    request: HttpRequest,
    post_id: int,
    status: Literal["all", "read", "waiting"] = "all",
    page: int = Query(1, ge=1, le=1_000_000),
) -> dict[str, Any]:
    """N of M acknowledged, and who: 50 a page, by name (``read``: earliest reader first)."""
    announcement = access_receipts(_actor(request), post_id)
    counts = selectors.receipt_counts(announcement)
    paginator = Paginator(
        selectors.receipt_people(announcement, status), selectors.RECEIPTS_PAGE_SIZE
    )
    current = paginator.get_page(page)
    return {
        "acknowledged": counts.acknowledged,
        "audience": counts.audience,
        "status": status,
        "page": current.number,
        "pages": paginator.num_pages,
        "people": [
            {
                "id": r.user_id,
                "name": r.name,
                "email": r.email,
                "department": r.department,
                "acknowledged_at": r.acknowledged_at,
            }
            for r in selectors.receipt_rows(current.object_list)
        ],
    }


@router.get("/posts/{int:post_id}/receipts.csv", response={200: None})
def receipts_export(request: HttpRequest, post_id: int) -> HttpResponse:
    """The receipts as CSV: name, e-mail, department, acknowledged at (empty: not yet)."""
    return receipts_csv(access_receipts(_actor(request), post_id))
