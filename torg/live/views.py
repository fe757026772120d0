"""Live pages: schedule, watch (and run) a broadcast; the browser's chunks and heartbeats; the HLS
files, with access re-checked on every request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.groups.access import access_group_by_slug, as_person
from torg.live import actions, paths
from torg.live.access import access_broadcast, may_broadcast_in, may_run
from torg.live.forms import BroadcastForm
from torg.live.models import Broadcast
from torg.posts.selectors import post_detail

HLS_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


def _error_text(refusal: ValidationError | PermissionDenied) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return str(refusal) or _("You cannot do that.")


def _refused(refusal: ValidationError | PermissionDenied) -> JsonResponse:
    status = 403 if isinstance(refusal, PermissionDenied) else 400
    return JsonResponse({"detail": _error_text(refusal)}, status=status)


def rtmp_server_url(request: HttpRequest | None = None) -> str:
    """What the broadcaster types into OBS or Zoom as the server."""
    if settings.RTMP_PUBLIC_URL:
        return str(settings.RTMP_PUBLIC_URL).rstrip("/")
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    if request is not None:
        host = request.get_host().rsplit(":", 1)[0] or host
    return f"rtmp://{host}:{settings.RTMP_PORT}/live"


def status_payload(broadcast: Broadcast, *, viewers: int | None = None) -> dict[str, Any]:
    return {
        "id": broadcast.pk,
        "state": broadcast.state,
        "viewers": actions.viewer_count(broadcast) if viewers is None else viewers,
        "has_video": shows_live_video(broadcast),
    }


def shows_live_video(broadcast: Broadcast) -> bool:
    """Whether the page's live player has something to play. Once the recording is attached to
    the post, the post's own player (below it) shows the video instead."""
    if broadcast.recording == Broadcast.Recording.HANDED_OVER:
        return False
    return bool(paths.playlist_segments(paths.playlist_path(broadcast)))


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest, slug: str) -> HttpResponse:
    person = as_person(request.user)
    group = access_group_by_slug(request.user, slug)
    if person is None or not may_broadcast_in(person, group):
        raise Http404
    form = BroadcastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            broadcast = actions.do_create_broadcast(
                actor=person,
                group=group,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except (ValidationError, PermissionDenied) as refusal:
            form.add_error(None, _error_text(refusal))
        else:
            if broadcast.scheduled_at is not None:
                messages.success(request, _("Your broadcast is scheduled."))
            return redirect("live:watch", broadcast_id=broadcast.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "live/new.html", {"group": group, "form": form}, status=status)


@require_GET
@login_required
def watch(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    post = post_detail(request.user, broadcast.post_id)
    runner = may_run(request.user, broadcast)
    return render(
        request,
        "live/watch.html",
        {
            "broadcast": broadcast,
            "post": post,
            "may_run": runner,
            "rtmp_server": rtmp_server_url(request) if runner else "",
            "status": status_payload(broadcast),
            "on_live_page": True,
        },
    )


@require_POST
@login_required
def start(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    person = as_person(request.user)
    assert person is not None
    source = request.POST.get("source", "")
    try:
        broadcast = actions.do_start_broadcast(actor=person, broadcast=broadcast, source=source)
    except (ValidationError, PermissionDenied) as refusal:
        return _refused(refusal)
    return JsonResponse({**status_payload(broadcast), "session": broadcast.browser_session})


@require_POST
@login_required
def stop(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    person = as_person(request.user)
    assert person is not None
    try:
        broadcast = actions.do_end_broadcast(actor=person, broadcast=broadcast)
    except (ValidationError, PermissionDenied) as refusal:
        if request.headers.get("Accept", "").startswith("application/json"):
            return _refused(refusal)
        messages.error(request, _error_text(refusal))
        return redirect("live:watch", broadcast_id=broadcast.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(status_payload(broadcast))
    messages.success(request, _("The broadcast has ended. The recording is being saved."))
    return redirect("live:watch", broadcast_id=broadcast.pk)


@require_POST
@login_required
def rotate_key(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    person = as_person(request.user)
    assert person is not None
    try:
        actions.do_rotate_stream_key(actor=person, broadcast=broadcast)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _error_text(refusal))
    else:
        messages.success(request, _("A new stream key was made. The old one no longer works."))
    return redirect("live:watch", broadcast_id=broadcast.pk)


@require_POST
@login_required
def chunk(request: HttpRequest, broadcast_id: int, session: int, seq: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    person = as_person(request.user)
    assert person is not None
    try:
        actions.do_store_chunk(
            actor=person, broadcast=broadcast, session=session, seq=seq, data=request.body
        )
    except (ValidationError, PermissionDenied) as refusal:
        return _refused(refusal)
    return JsonResponse({"stored": seq})


@require_POST
@login_required
def heartbeat(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = access_broadcast(request.user, broadcast_id)
    person = as_person(request.user)
    assert person is not None
    watching = request.POST.get("watching") == "1"
    viewers = actions.do_record_viewer(viewer=person, broadcast=broadcast) if watching else None
    return JsonResponse(status_payload(broadcast, viewers=viewers))


@require_GET
@login_required
def hls(request: HttpRequest, broadcast_id: int, name: str) -> FileResponse:
    # Access is decided here on every request: a person who leaves a secret group stops
    # receiving segments at once, whatever URL they kept.
    broadcast = access_broadcast(request.user, broadcast_id)
    if not paths.HLS_NAME.match(name):
        raise Http404
    path = paths.hls_dir(broadcast) / name
    if not path.is_file():
        raise Http404
    suffix = path.suffix
    response = FileResponse(path.open("rb"), content_type=HLS_TYPES[suffix])
    if suffix == ".m3u8" and not broadcast.is_ended:
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = "private, max-age=3600"
    return response
