"""``{% announcement_state post as state %}`` for post cards.

The first card on a page loads the state of every post in the page's feed (``page.all_posts``)
in a fixed number of queries and keeps it on the request, so a feed does not query per card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from torg.announcements import selectors
from torg.announcements.access import announces_anywhere
from torg.announcements.models import Announcement
from torg.groups.access import as_person
from torg.groups.models import Membership
from torg.posts.access import role_in
from torg.posts.models import Post

register = template.Library()


@dataclass(frozen=True)
class PostAnnouncement:
    announcement: Announcement | None = None
    read: bool = False
    may_mark_read: bool = False
    may_announce: bool = False
    may_see_receipts: bool = False


NOTHING = PostAnnouncement()


def _role(person: Any, post: Post) -> str | None:
    can_pin = getattr(post, "card_can_pin", None)
    if can_pin is not None:  # prefetch_for_cards knows whether the viewer is a group admin
        return Membership.Role.ADMIN if can_pin else None
    assert post.group_id is not None
    return role_in(person, post.group_id)


@register.simple_tag(takes_context=True)
def announcement_state(context: template.Context, post: Post) -> PostAnnouncement:
    request = context.get("request")
    person = as_person(context.get("user") or getattr(request, "user", None))  # type: ignore[arg-type]
    if person is None or post.group_id is None or post.deleted_at is not None:
        return NOTHING
    cache: dict[int, selectors.CardState] | None = getattr(request, "_announcement_states", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._announcement_states = cache
    if post.pk not in cache:
        page_posts = list(getattr(context.get("page"), "all_posts", None) or [])
        wanted = [post, *(p for p in page_posts if p.pk not in cache)]
        cache.update(selectors.card_states(person, wanted))
    state = cache.get(post.pk)
    anywhere = announces_anywhere(person)
    is_admin = _role(person, post) == Membership.Role.ADMIN
    may_announce = anywhere or is_admin
    if state is None or state.announcement is None:
        return PostAnnouncement(may_announce=may_announce)
    announcement = state.announcement
    receipts = (
        person.is_network_admin
        or is_admin
        or person.pk in (post.author_id, announcement.announced_by_id)
    )
    return PostAnnouncement(
        announcement=announcement,
        read=state.read,
        may_mark_read=state.may_mark_read and selectors.is_active(announcement),
        may_announce=may_announce,
        may_see_receipts=receipts,
    )


@register.filter
def announcement_excerpt(post: Post) -> str:
    return selectors.excerpt(post)
