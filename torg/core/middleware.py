"""Request middleware: each person's language and time zone; refusing NUL characters."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response


class RejectNulCharactersMiddleware:
    """Answer 400 to text input containing NUL characters, before any view sees it.

    No person types U+0000; it only arrives from fuzzers and attacks, and PostgreSQL refuses to
    store or even compare it ("text fields cannot contain NUL"), which would surface as a 500
    deep inside a query. Uploaded files are not inspected: binary content is fine there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = _("The request contains a NUL character, which is not allowed in text.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(message)}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type == "application/json":
            return b"\x00" in request.body or b"\\u0000" in request.body
        if content_type == "application/x-www-form-urlencoded":
            # Read the raw body (small: Django caps it) so views and the API can still read it.
            return b"\x00" in request.body or b"%00" in request.body
        if content_type == "multipart/form-data" and not request.path.startswith("/api/"):
            # Pages read request.POST anyway; the API's multipart endpoints take files only, and
            # parsing here would keep the API from reading the body itself.
            return any("\x00" in key or "\x00" in value for key, value in _items(request.POST))
        return False


def _items(query: QueryDict) -> Iterator[tuple[str, str]]:
    for key, values in query.lists():
        for value in values:
            yield key, value
