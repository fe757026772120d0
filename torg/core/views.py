from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from torg.feed import views as feed_views
from torg.feed.selectors import InvalidCursor
from torg.groups import selectors as group_selectors


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home feed. An htmx request for a next page gets only the cards."""
    person = feed_views.person_of(request)
    try:
        context = feed_views.home_context(request, person)
    except InvalidCursor:
        return HttpResponseBadRequest(_("This page link is no longer valid."))
    if feed_views.is_htmx(request) and not context["is_first"]:
        return render(request, "feed/_items.html", context)
    # Guests post only in their groups, so the home composer (a profile post) is not for them.
    has_composer = not person.is_guest
    return render(
        request,
        "core/home.html",
        {
            **context,
            "has_composer": has_composer,
            "my_groups": group_selectors.groups_of(request.user)[:12],
            "suggested_groups": group_selectors.suggested_groups(request.user, limit=5),
        },
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
