"""Community guidelines: with ``TORG_GUIDELINES`` set (a version string), every signed-in person
is sent to the guidelines page until they accept that version. Unset (the default, and in tests
and the demo), nobody is asked. Changing the version asks everyone again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from torg.governance import audit
from torg.governance.models import GuidelinesAcceptance

if TYPE_CHECKING:
    from torg.accounts.models import User

# Paths a person who has not accepted yet may still reach.
EXEMPT_PREFIXES = ("/static/", "/media/", "/api/", "/i18n/", "/jsi18n/", "/admin/", "/logout")


def current_version() -> str:
    return str(getattr(settings, "TORG_GUIDELINES", "") or "")


def has_accepted(user: User) -> bool:
    version = current_version()
    if not version:
        return True
    cached = getattr(user, "_guidelines_version", None)
    if cached is None:
        cached = (
            GuidelinesAcceptance.objects.filter(user=user).values_list("version", flat=True).first()
            or ""
        )
        user._guidelines_version = cached  # type: ignore[attr-defined]
    return cached == version


def do_accept(*, actor: User, version: str) -> None:
    with transaction.atomic():
        GuidelinesAcceptance.objects.update_or_create(user=actor, defaults={"version": version})
        audit.record(actor, "guidelines.accept", target=actor, target_kind="user", version=version)
    actor._guidelines_version = version  # type: ignore[attr-defined]


class GuidelinesMiddleware:
    """Send signed-in people who have not accepted the current guidelines to the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if current_version() and request.method == "GET":
            user = getattr(request, "user", None)
            page = reverse("governance:guidelines")
            if (
                user is not None
                and user.is_authenticated
                and not request.path.startswith(page)
                and not request.path.startswith(EXEMPT_PREFIXES)
                and not request.headers.get("HX-Request")
                and not has_accepted(user)
            ):
                return redirect(f"{page}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
