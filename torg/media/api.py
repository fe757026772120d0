"""REST endpoints for media at /api/v1/media: resumable uploads, video status, captions,
statistics and the player's progress beacon. Same access rules and actions as the pages.

Resumable upload protocol:
1. ``POST /media/uploads`` with ``{"name", "size"}`` → ``token``, ``offset`` (0), ``chunk_size``.
2. ``PUT /media/uploads/{token}?offset=N`` with the raw bytes from ``N`` (at most ``chunk_size``)
   → the new ``offset``. A chunk for another offset gets 409 with the server's ``offset``.
3. After an interruption ``GET /media/uploads/{token}`` tells the ``offset`` to continue from.
4. ``POST /media/uploads/{token}/complete`` → the attachment (and the video, when the content is
   one) to put on a post with ``attachment_ids``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from torg.api.refusals import refusals as _refusals
from torg.media import actions, limits, selectors
from torg.media.access import access_managed_video, access_upload, access_video
from torg.media.models import ChunkedUpload, Video, VideoCaption
from torg.posts.models import Attachment

router = Router(tags=["media"])


class Message(Schema):
    detail: str


class OffsetMessage(Schema):
    detail: str
    offset: int


class UploadIn(Schema):
    name: str
    size: int


class UploadOut(Schema):
    token: str
    name: str
    size: int
    offset: int
    chunk_size: int
    complete: bool
    attachment_id: int | None


class CaptionOut(Schema):
    id: int
    language: str
    label: str
    url: str


class VideoOut(Schema):
    token: str
    state: str
    progress: int
    error: str
    width: int | None
    height: int | None
    duration: float | None
    poster_url: str | None
    hls_url: str | None
    mp4_url: str | None
    captions: list[CaptionOut]


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    url: str


class CompletedOut(Schema):
    attachment: AttachmentOut
    video: VideoOut | None


class StatsOut(Schema):
    views: int
    unique_viewers: int
    average_seconds: float
    completion_rate: float
    retention: list[float]


class ViewOut(Schema):
    watched_seconds: float
    counted: bool


def _upload_out(upload: ChunkedUpload) -> dict[str, Any]:
    return {
        "token": upload.token,
        "name": upload.name,
        "size": upload.size,
        "offset": upload.received,
        "chunk_size": limits.chunk_max_bytes(),
        "complete": upload.is_complete,
        "attachment_id": upload.attachment_id,
    }


def video_out(video: Video) -> dict[str, Any]:
    ready = video.is_ready
    return {
        "token": video.token,
        "state": video.state,
        "progress": video.progress,
        "error": video.error_text if video.state == Video.State.FAILED else "",
        "width": video.width,
        "height": video.height,
        "duration": video.duration,
        "poster_url": selectors.file_url(video, "poster.jpg") if ready else None,
        "hls_url": selectors.file_url(video, "master.m3u8") if ready else None,
        "mp4_url": selectors.file_url(video, "video.mp4") if ready else None,
        "captions": [
            {
                "id": track["id"],
                "language": track["language"],
                "label": track["label"],
                "url": reverse("media:caption", args=[video.token, track["id"]]),
            }
            for track in video.tracks
        ],
    }


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("posts:attachment", args=[attachment.pk]),
    }


@router.post(
    "/uploads", response={201: UploadOut, 400: Message, 403: Message}, summary="Start an upload"
)
def start_upload(request: HttpRequest, payload: UploadIn) -> Status:
    with _refusals():
        upload = actions.do_start_upload(
            uploader=request.user,  # type: ignore[arg-type]
            name=payload.name,
            size=payload.size,
        )
    return Status(201, _upload_out(upload))


@router.get("/uploads/{token}", response=UploadOut, summary="Where an upload stands")
def upload_status(request: HttpRequest, token: str) -> dict[str, Any]:
    return _upload_out(access_upload(request.user, token))


@router.put(
    "/uploads/{token}",
    response={200: UploadOut, 400: Message, 403: Message, 409: OffsetMessage, 413: Message},
    summary="Send the next chunk",
)
def put_chunk(request: HttpRequest, token: str, offset: int) -> Status:
    upload = access_upload(request.user, token)
    try:
        data = request.body
    except RequestDataTooBig:
        return Status(413, {"detail": "The chunk is too large."})
    try:
        actions.do_append_chunk(
            uploader=request.user,  # type: ignore[arg-type]
            upload=upload,
            offset=offset,
            data=data,
        )
    except actions.OffsetMismatch as mismatch:
        return Status(409, {"detail": " ".join(mismatch.messages), "offset": mismatch.offset})
    except (ValidationError, PermissionDenied) as refusal:
        with _refusals():
            raise refusal
    upload.refresh_from_db()
    return Status(200, _upload_out(upload))


@router.post(
    "/uploads/{token}/complete",
    response={201: CompletedOut, 400: Message, 403: Message},
    summary="Finish an upload",
)
def complete_upload(request: HttpRequest, token: str) -> Status:
    upload = access_upload(request.user, token)
    with _refusals():
        attachment = actions.do_complete_upload(
            uploader=request.user,  # type: ignore[arg-type]
            upload=upload,
        )
    video = Video.objects.filter(attachment=attachment).first()
    return Status(
        201,
        {
            "attachment": _attachment_out(attachment),
            "video": video_out(video) if video is not None else None,
        },
    )


@router.get("/videos/{token}", response=VideoOut, summary="A video's state")
def video_status(request: HttpRequest, token: str) -> dict[str, Any]:
    return video_out(access_video(request.user, token))


@router.post(
    "/videos/{token}/captions",
    response={201: CaptionOut, 400: Message, 403: Message},
    summary="Add captions (WebVTT)",
)
def add_caption(
    request: HttpRequest,
    token: str,
    language: Form[str],
    file: File[UploadedFile],
    label: Form[str] = "",
) -> Status:
    video = access_managed_video(request.user, token)
    with _refusals():
        caption: VideoCaption = actions.do_add_caption(
            actor=request.user,  # type: ignore[arg-type]
            video=video,
            language=language,
            label=label,
            data=file.read(actions.CAPTION_MAX_BYTES + 1),
        )
    return Status(
        201,
        {
            "id": caption.pk,
            "language": caption.language,
            "label": caption.label,
            "url": reverse("media:caption", args=[video.token, caption.pk]),
        },
    )


@router.get("/videos/{token}/stats", response=StatsOut, summary="A video's statistics")
def video_stats(request: HttpRequest, token: str) -> dict[str, Any]:
    stats = selectors.video_stats(access_managed_video(request.user, token))
    return {
        "views": stats.views,
        "unique_viewers": stats.unique_viewers,
        "average_seconds": stats.average_seconds,
        "completion_rate": stats.completion_rate,
        "retention": stats.retention,
    }


@router.post(
    "/videos/{token}/views",
    response={200: ViewOut, 400: Message},
    summary="Report playback progress",
    url_name="media_record_view",
)
def record_view(
    request: HttpRequest,
    token: str,
    key: Form[str],
    watched: Form[float] = 0.0,
    position: Form[float] = 0.0,
    buckets: Form[int] = 0,
) -> Status:
    """The player's beacon: running totals of one playback (``key``), sent every few seconds
    and when the page is hidden. ``buckets``: bit i = the i-th 5 % of the video was played."""
    video = access_video(request.user, token)
    with _refusals():
        view = actions.do_record_view(
            viewer=request.user,  # type: ignore[arg-type]
            video=video,
            key=key,
            watched=watched,
            position=position,
            buckets=buckets,
        )
    return Status(
        200,
        {
            "watched_seconds": view.watched_seconds,
            "counted": view.watched_seconds >= selectors.COUNTED_SECONDS,
        },
    )
