"""Chat pages. Thin: the page is a shell the script fills from the API (the same actions and
selectors); downloads check membership on every request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from torg.chat import actions, selectors
from torg.chat.access import access_conversation, access_file
from torg.chat.models import ChatSettings, MessageFile
from torg.core.downloads import private_file_response
from torg.groups.access import access_group_by_slug

if TYPE_CHECKING:
    from torg.accounts.models import User


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@require_GET
@login_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _page(request, conversation_id)


def _page(request: HttpRequest, conversation_id: int | None) -> HttpResponse:
    person = _person(request)
    current = access_conversation(person, conversation_id) if conversation_id else None
    settings_row = ChatSettings.objects.filter(user=person).first()
    return render(
        request,
        "chat/page.html",
        {
            "conversation": current,
            "title": selectors.title_of(person, current) if current else "",
            "rows": selectors.conversation_rows(person),
            "share_presence": settings_row.share_presence if settings_row else True,
        },
    )


@require_POST
@login_required
def start_direct(request: HttpRequest, user_id: int) -> HttpResponse:
    """Open (or make) the direct conversation with a person, e.g. from their profile."""
    started = actions.do_start_direct(actor=_person(request), other_id=user_id)
    return redirect("chat:conversation", started.pk)


@require_POST
@login_required
def group_chat(request: HttpRequest, slug: str) -> HttpResponse:
    person = _person(request)
    group = access_group_by_slug(person, slug)
    opened = actions.do_open_group_chat(actor=person, group=group)
    return redirect("chat:conversation", opened.pk)


@require_GET
@login_required
def nav_link(request: HttpRequest) -> HttpResponse:
    """The navigation's Chat link with the unread count (loaded after the page)."""
    current = "/chat/" in request.headers.get("HX-Current-URL", "")
    return render(
        request,
        "chat/_nav_link.html",
        {"unread": selectors.unread_total(request.user), "current": current},
    )


def _serve(request: HttpRequest, stored: MessageFile, *, thumbnail: bool) -> HttpResponseBase:
    return private_file_response(
        stored.thumbnail if thumbnail else stored.file,
        name=stored.name,
        content_type=stored.content_type,
        inline=stored.kind == MessageFile.Kind.IMAGE,
        request=request,
    )


@require_GET
@login_required
def file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    return _serve(request, access_file(request.user, file_id), thumbnail=False)


@require_GET
@login_required
def thumbnail(request: HttpRequest, file_id: int) -> HttpResponseBase:
    return _serve(request, access_file(request.user, file_id), thumbnail=True)
