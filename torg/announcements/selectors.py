"""Reads for announcements: who they are for, what is pending on someone's home, receipts.

The audience of an announcement is the **current** active members of the post's group except
the post's author. A member who leaves drops out of it (no longer on top of their feed, no
reminder, not counted in receipts); someone who joins later joins it. Receipts count "N of M"
over that same audience, so the numbers always add up to the lists shown.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from torg.announcements.models import Acknowledgement, Announcement
from torg.groups.models import Membership
from torg.posts.access import visible_posts

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.posts.models import Post

PENDING_LIMIT = 10
RECEIPTS_PAGE_SIZE = 50


def excerpt(post: Post, *, chars: int = 200) -> str:
    """The post's text without markup, shortened (for the compact card and the API)."""
    text = " ".join(html.unescape(strip_tags(post.body_html)).split())
    return Truncator(text).chars(chars)


def audience(announcement: Announcement) -> QuerySet[Membership]:
    """Memberships of the people an announcement is for (current, active, not the author)."""
    post = announcement.post
    assert post.group_id is not None  # only group posts are announcements
    return Membership.objects.filter(group_id=post.group_id, user__is_active=True).exclude(
        user_id=post.author_id
    )


def audience_ids(announcement: Announcement) -> set[int]:
    return set(audience(announcement).values_list("user_id", flat=True))


def acknowledged_ids(announcement: Announcement) -> set[int]:
    return set(
        Acknowledgement.objects.filter(announcement=announcement).values_list("user_id", flat=True)
    )


def is_active(announcement: Announcement, now: datetime | None = None) -> bool:
    """Still meant for the top of the feed (not past its "until")."""
    now = now or timezone.now()
    return announcement.until is None or announcement.until > now


def pending_for(person: User, *, limit: int = PENDING_LIMIT) -> list[Announcement]:
    """Unread, unexpired announcements in ``person``'s groups, newest first (2 queries)."""
    now = timezone.now()
    read = Acknowledgement.objects.filter(announcement=OuterRef("pk"), user=person)
    member = Membership.objects.filter(group_id=OuterRef("post__group_id"), user=person)
    rows = (
        Announcement.objects.filter(Exists(member), post__in=visible_posts(person))
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .exclude(post__author=person)
        .exclude(Exists(read))
        .select_related("post", "post__author", "post__group")
        .order_by("-announced_at", "-id")
    )
    return list(rows[:limit])


@dataclass(frozen=True)
class CardState:
    """What a post card shows about its announcement, for one viewer."""

    announcement: Announcement | None
    read: bool
    in_audience: bool

    @property
    def is_announcement(self) -> bool:
        return self.announcement is not None

    @property
    def may_mark_read(self) -> bool:
        return self.announcement is not None and self.in_audience and not self.read


def card_states(person: User, posts: Iterable[Post]) -> dict[int, CardState]:
    """{post id: state} for cards on a page, in at most two queries."""
    post_by_id = {p.pk: p for p in posts if p.group_id is not None}
    if not post_by_id:
        return {}
    read = Acknowledgement.objects.filter(announcement=OuterRef("pk"), user=person)
    rows = {
        a.post_id: a
        for a in Announcement.objects.filter(post_id__in=list(post_by_id)).annotate(
            read_by_viewer=Exists(read)
        )
    }
    member_of: set[int] = set()
    if rows:
        group_ids = {post_by_id[pid].group_id or 0 for pid in rows}
        member_of = set(
            Membership.objects.filter(user=person, group_id__in=group_ids).values_list(
                "group_id", flat=True
            )
        )
    states: dict[int, CardState] = {}
    for post_id, post in post_by_id.items():
        announcement = rows.get(post_id)
        states[post_id] = CardState(
            announcement=announcement,
            read=bool(announcement is not None and announcement.read_by_viewer),
            in_audience=announcement is not None
            and post.group_id in member_of
            and post.author_id != person.pk
            and person.is_active,
        )
    return states


# --- receipts ------------------------------------------------------------------------------------

RECEIPT_STATUSES = ("all", "read", "waiting")


@dataclass(frozen=True)
class ReceiptCounts:
    acknowledged: int
    audience: int

    @property
    def waiting(self) -> int:
        return self.audience - self.acknowledged


def _audience_users(announcement: Announcement) -> QuerySet[User]:
    from torg.accounts.models import User

    return User.objects.filter(pk__in=audience(announcement).values("user_id"))


def receipt_counts(announcement: Announcement) -> ReceiptCounts:
    people = _audience_users(announcement)
    acknowledged = Acknowledgement.objects.filter(
        announcement=announcement, user__in=people
    ).count()
    return ReceiptCounts(acknowledged=acknowledged, audience=people.count())


def receipt_people(announcement: Announcement, status: str = "all") -> QuerySet[User]:
    """The audience with ``acknowledged_at`` (None: not yet), by name.

    ``status``: "all", "read" (earliest reader first) or "waiting".
    """
    read_at = Acknowledgement.objects.filter(announcement=announcement, user=OuterRef("pk")).values(
        "acknowledged_at"
    )[:1]
    people = (
        _audience_users(announcement)
        .select_related("department")
        .annotate(acknowledged_at=Subquery(read_at))
    )
    if status == "read":
        return people.filter(acknowledged_at__isnull=False).order_by("acknowledged_at", "id")
    if status == "waiting":
        return people.filter(acknowledged_at__isnull=True).order_by("name", "id")
    return people.order_by("name", "id")


@dataclass(frozen=True)
class ReceiptRow:
    user_id: int
    name: str
    email: str
    department: str
    acknowledged_at: datetime | None


def receipt_rows(people: Iterable[User]) -> Iterator[ReceiptRow]:
    for person in people:
        yield ReceiptRow(
            user_id=person.pk,
            name=person.name,
            email=person.email,
            department=person.department.name if person.department else "",
            acknowledged_at=person.acknowledged_at,  # type: ignore[attr-defined]
        )
