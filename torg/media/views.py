"""Video files (access re-checked on every request and range request), status fragments for
htmx polling, the statistics page and adding captions. Thin: access, actions, selectors."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from torg.media import actions, selectors
from torg.media.access import access_managed_video, access_video, can_manage_video
from torg.media.models import VideoCaption
from torg.media.serving import serve_stored

# The only names a video's folder holds, with their content types.
_FILES = [
    (re.compile(r"^video\.mp4$"), "video/mp4"),
    (re.compile(r"^poster\.jpg$"), "image/jpeg"),
    (re.compile(r"^(master|\d{2,4}p)\.m3u8$"), "application/vnd.apple.mpegurl"),
    (re.compile(r"^\d{2,4}p_\d{4,6}\.ts$"), "video/mp2t"),
]


@require_safe
@login_required
def video_file(request: HttpRequest, token: str, name: str) -> HttpResponse | StreamingHttpResponse:
    # Access first, for every file and every range: leaving a secret group stops playback.
    video = access_video(request.user, token)
    content_type = next((kind for pattern, kind in _FILES if pattern.match(name)), None)
    if content_type is None or not video.is_ready or not video.output_prefix:
        raise Http404("Not found")
    return serve_stored(request, video.output_prefix + name, content_type)


@require_safe
@login_required
def caption_file(
    request: HttpRequest, token: str, caption_id: int
) -> HttpResponse | StreamingHttpResponse:
    video = access_video(request.user, token)
    caption = VideoCaption.objects.filter(video=video, pk=caption_id).first()
    if caption is None:
        raise Http404("Not found")
    return serve_stored(request, str(caption.file.name), "text/vtt; charset=utf-8")


@require_GET
@login_required
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The video's card fragment: htmx polls it while the video is processing."""
    video = access_video(request.user, token)
    return render(
        request,
        "media/_video.html",
        {"video": video, "can_manage": can_manage_video(request.user, video)},
    )


@require_GET
@login_required
def stats(request: HttpRequest, token: str) -> HttpResponse:
    video = access_managed_video(request.user, token)
    numbers = selectors.video_stats(video)
    attachment = video.attachment
    assert attachment is not None  # access_managed_video: chat videos have no statistics page
    # A comment's video: "Back to the post" leads to the comment's post.
    post = attachment.post or (attachment.comment.post if attachment.comment else None)
    return render(
        request,
        "media/stats.html",
        {
            "video": video,
            "post": post,
            "stats": numbers,
            "chart": numbers.chart(),
            "captions": list(VideoCaption.objects.filter(video=video)),
        },
    )


@require_POST
@login_required
def add_caption(request: HttpRequest, token: str) -> HttpResponse:
    video = access_managed_video(request.user, token)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a WebVTT file (.vtt)."))
        return redirect("media:stats", token=video.token)
    try:
        actions.do_add_caption(
            actor=request.user,  # type: ignore[arg-type]
            video=video,
            language=request.POST.get("language", "").strip(),
            label=request.POST.get("label", ""),
            data=upload.read(actions.CAPTION_MAX_BYTES + 1),
        )
    except (ValidationError, PermissionDenied) as refusal:
        text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        messages.error(request, text)
    else:
        messages.success(request, _("Captions added."))
    return redirect("media:stats", token=video.token)
