"""Hooks that put feeds into other apps' pages without touching their views.

``{% group_feed group %}`` on the group page and ``{% profile_timeline person %}`` on the profile
render the first page (or the page named by ``?cursor=``) and record what was shown as seen.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from torg.feed import selectors
from torg.feed.selectors import FeedPage, InvalidCursor
from torg.feed.views import next_links, record_seen
from torg.groups.access import as_person, membership_of
from torg.groups.models import Group
from torg.posts.access import can_post_in

register = template.Library()


def _cursor(context: dict[str, Any]) -> str | None:
    request = context.get("request")
    if request is None:
        return None
    return request.GET.get("cursor") or None


def _page(load: Any, cursor: str | None) -> tuple[FeedPage, bool]:
    try:
        return load(cursor), cursor is None
    except InvalidCursor:  # a stale or edited link: show the first page instead
        return load(None), True


@register.inclusion_tag("feed/_group_feed.html", takes_context=True)
def group_feed(context: dict[str, Any], group: Group) -> dict[str, Any]:
    person = as_person(context["user"])
    result: dict[str, Any] = {
        "user": context["user"],
        "group": group,
        "request": context.get("request"),
    }
    result["csrf_token"] = context.get("csrf_token")
    if person is None:
        return {**result, "page": FeedPage(posts=[], next_cursor=None)}
    page, _first = _page(
        lambda cursor: selectors.group_feed(person, group, cursor=cursor), _cursor(context)
    )
    url = reverse("feed:group_page", args=[group.slug])
    record_seen(person, page)
    result.update(
        page=page,
        may_post=can_post_in(person, group),
        is_member=membership_of(person, group) is not None,
        in_feed=selectors.group_in_feed(person, group),
        is_guest=person.is_guest,
        **next_links(page, more_url=url, page_url=url, order="recent"),
    )
    return result


@register.inclusion_tag("feed/_timeline.html", takes_context=True)
def profile_timeline(context: dict[str, Any], author: Any) -> dict[str, Any]:
    person = as_person(context["user"])
    result: dict[str, Any] = {
        "user": context["user"],
        "person": author,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
    if person is None:
        return {**result, "page": FeedPage(posts=[], next_cursor=None)}
    page, _first = _page(
        lambda cursor: selectors.profile_feed(person, author, cursor=cursor), _cursor(context)
    )
    url = reverse("feed:profile_page", args=[author.pk])
    record_seen(person, page)
    result.update(
        page=page,
        following=selectors.is_following_person(person, author),
        **next_links(page, more_url=url, page_url=url, order="recent"),
    )
    return result
