"""Feed pages and htmx endpoints: topic pages, feed settings, follows, seen-by, next pages.

Thin: access functions look up, actions write, selectors read. A request with ``HX-Request``
for a next page gets only the cards (``feed/_items.html``); the same URL without htmx is a full
page, so "Load more" works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from torg.announcements import selectors as announcement_selectors
from torg.feed import actions, selectors
from torg.feed.selectors import FeedPage, InvalidCursor
from torg.groups.access import access_group_by_slug, as_person
from torg.people.access import access_person

if TYPE_CHECKING:
    from torg.accounts.models import User


def person_of(request: HttpRequest) -> User:
    person = as_person(request.user)
    if person is None:  # login_required ran first; an inactive session is refused
        raise PermissionDenied
    return person


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def feed_params(request: HttpRequest) -> tuple[str, str | None]:
    """``order`` and ``cursor`` from the query string; ``InvalidCursor`` for bad values."""
    order = request.GET.get("order", "recent") or "recent"
    cursor = request.GET.get("cursor") or None
    selectors.check_order(order)
    return order, cursor


def next_links(page: FeedPage, *, more_url: str, page_url: str, order: str) -> dict[str, str]:
    """The htmx URL and the no-JS URL of the page after ``page`` (empty when there is none)."""
    if page.next_cursor is None:
        return {"next_more_url": "", "next_page_url": ""}
    params: dict[str, str] = {"cursor": page.next_cursor}
    if order != "recent":
        params["order"] = order
    query = urlencode(params)
    return {"next_more_url": f"{more_url}?{query}", "next_page_url": f"{page_url}?{query}"}


def record_seen(person: User, page: FeedPage) -> None:
    actions.do_record_seen(viewer=person, post_ids=[p.pk for p in page.all_posts][:100])


def items_response(request: HttpRequest, page: FeedPage, links: dict[str, str]) -> HttpResponse:
    return render(request, "feed/_items.html", {"page": page, **links})


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _refused(request: HttpRequest, refusal: ValidationError | PermissionDenied) -> None:
    text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
    messages.error(request, text or _("That is not allowed."))


# --- topics --------------------------------------------------------------------------------------


@require_GET
@login_required
def topic(request: HttpRequest, name: str) -> HttpResponse:
    person = person_of(request)
    hashtag = selectors.access_topic(person, name)
    try:
        order, cursor = feed_params(request)
        page = selectors.topic_feed(person, hashtag, order=order, cursor=cursor)
    except InvalidCursor:
        return HttpResponseBadRequest(_("This page link is no longer valid."))
    url = reverse("feed:topic", args=[hashtag.name])
    links = next_links(page, more_url=url, page_url=url, order=order)
    record_seen(person, page)
    if is_htmx(request) and cursor is not None:
        return items_response(request, page, links)
    return render(
        request,
        "feed/topic.html",
        {"topic": hashtag, "page": page, "order": order, "is_first": cursor is None, **links},
    )


@require_POST
@login_required
def follow_topic(request: HttpRequest, name: str) -> HttpResponse:
    person = person_of(request)
    hashtag = selectors.access_topic(person, name)
    actions.do_follow_hashtag(user=person, hashtag=hashtag)
    return _topic_button(request, hashtag.name, following=True)


@require_POST
@login_required
def unfollow_topic(request: HttpRequest, name: str) -> HttpResponse:
    person = person_of(request)
    hashtag = selectors.access_topic(person, name)
    actions.do_unfollow_hashtag(user=person, hashtag=hashtag)
    return _topic_button(request, hashtag.name, following=False)


def _topic_button(request: HttpRequest, name: str, *, following: bool) -> HttpResponse:
    if is_htmx(request):
        topic = selectors.access_topic(request.user, name)
        return render(request, "feed/_topic_follow.html", {"topic": topic})
    return redirect("feed:topic", name=name)


# --- people --------------------------------------------------------------------------------------


@require_POST
@login_required
def follow_person(request: HttpRequest, user_id: int) -> HttpResponse:
    return _set_person_follow(request, user_id, follow=True)


@require_POST
@login_required
def unfollow_person(request: HttpRequest, user_id: int) -> HttpResponse:
    return _set_person_follow(request, user_id, follow=False)


def _set_person_follow(request: HttpRequest, user_id: int, *, follow: bool) -> HttpResponse:
    person = person_of(request)
    other = access_person(person, user_id)
    try:
        if follow:
            actions.do_follow_person(follower=person, followee=other)
        else:
            actions.do_unfollow_person(follower=person, followee=other)
    except (ValidationError, PermissionDenied) as refusal:
        if is_htmx(request):
            return HttpResponseBadRequest(" ".join(getattr(refusal, "messages", [str(refusal)])))
        _refused(request, refusal)
    if is_htmx(request):
        return render(
            request,
            "feed/_follow_person.html",
            {"person": other, "following": selectors.is_following_person(person, other)},
        )
    return redirect("people:profile", user_id=other.pk)


@require_GET
@login_required
def profile_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """The next page of a profile timeline (htmx: cards only; otherwise a page of its own)."""
    person = person_of(request)
    author = access_person(person, user_id)
    return _next_page(
        request,
        person,
        lambda order, cursor: selectors.profile_feed(person, author, order=order, cursor=cursor),
        url=reverse("feed:profile_page", args=[author.pk]),
        heading=author.name,
        back_url=reverse("people:profile", args=[author.pk]),
    )


def _next_page(
    request: HttpRequest,
    person: User,
    load: Callable[[str, str | None], FeedPage],
    *,
    url: str,
    heading: str,
    back_url: str,
) -> HttpResponse:
    """A further page of a profile or group feed: cards only for htmx, else a page of its own."""
    try:
        order, cursor = feed_params(request)
        page = load(order, cursor)
    except InvalidCursor:
        return HttpResponseBadRequest(_("This page link is no longer valid."))
    links = next_links(page, more_url=url, page_url=url, order=order)
    record_seen(person, page)
    if is_htmx(request):
        return items_response(request, page, links)
    return render(
        request,
        "feed/more.html",
        {"page": page, "heading": heading, "back_url": back_url, **links},
    )


# --- groups --------------------------------------------------------------------------------------


@require_GET
@login_required
def group_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The next page of a group feed (htmx: cards only; otherwise a page of its own)."""
    person = person_of(request)
    group = access_group_by_slug(person, slug)
    return _next_page(
        request,
        person,
        lambda order, cursor: selectors.group_feed(person, group, order=order, cursor=cursor),
        url=reverse("feed:group_page", args=[group.slug]),
        heading=group.name,
        back_url=reverse("groups:detail", args=[group.slug]),
    )


@require_POST
@login_required
def set_group_in_feed(request: HttpRequest, slug: str) -> HttpResponse:
    person = person_of(request)
    group = access_group_by_slug(person, slug)
    value = request.POST.get("in_feed", "")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("Choose whether to show the group in your feed."))
    try:
        actions.do_set_group_in_feed(user=person, group=group, in_feed=value == "1")
    except (ValidationError, PermissionDenied) as refusal:
        _refused(request, refusal)
    else:
        if value == "1":
            messages.success(request, _("%(name)s is in your home feed.") % {"name": group.name})
        else:
            messages.success(
                request, _("%(name)s is no longer in your home feed.") % {"name": group.name}
            )
    return _back(request, reverse("feed:settings"))


@require_GET
@login_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    rows = selectors.feed_settings(person)
    return render(
        request,
        "feed/settings.html",
        {
            "member_rows": [r for r in rows if r.is_member],
            "followed_rows": [r for r in rows if not r.is_member],
        },
    )


# --- seen by -------------------------------------------------------------------------------------


@require_GET
@login_required
def seen_by(request: HttpRequest, post_id: int) -> HttpResponse:
    person = person_of(request)
    result = selectors.seen_by(person, post_id)
    return render(request, "feed/seen_by.html", {"result": result})


def home_context(request: HttpRequest, person: User) -> dict[str, Any]:
    """Everything the home page needs; ``InvalidCursor`` for a bad order or cursor."""
    order, cursor = feed_params(request)
    page = selectors.home_feed(person, order=order, cursor=cursor)
    url = reverse("core:home")
    links = next_links(page, more_url=url, page_url=url, order=order)
    record_seen(person, page)
    # Unread announcements sit on top of the first page (torg.announcements).
    announcements = announcement_selectors.pending_for(person) if cursor is None else []
    return {
        "page": page,
        "order": order,
        "is_first": cursor is None,
        "announcements": announcements,
        **links,
    }
