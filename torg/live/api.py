"""REST endpoints for live broadcasts at /api/v1/live. Same rules and actions as the pages:
hidden broadcasts are 404; the stream key is only in answers to people who may run it.

Browser broadcasting (MediaRecorder chunks) and the player's heartbeat are page endpoints
(``torg.live.views``); streaming software sends RTMP to ``manage.py live_ingest``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from torg.api.refusals import run as _run
from torg.groups.access import access_group_by_id
from torg.live import actions, paths
from torg.live.access import access_broadcast, may_run
from torg.live.models import Broadcast

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["live"])


class BroadcastIn(Schema):
    group_id: int
    title: str = Field(..., max_length=actions.TITLE_MAX_LENGTH)
    description: str = Field("", max_length=actions.DESCRIPTION_MAX_LENGTH)
    scheduled_at: datetime | None = Field(None, description="Empty: ready to go live now")


class StartIn(Schema):
    source: Literal["browser", "rtmp"] = Field(
        "rtmp",
        description="rtmp: the broadcast goes live now and waits for the streaming software; "
        "browser: start a new browser session (the page sends MediaRecorder chunks)",
    )


class RtmpOut(Schema):
    server: str
    stream_key: str


class BroadcastOut(Schema):
    id: int
    post_id: int
    group: str = Field(..., description="Slug of the broadcast's group")
    title: str
    state: Literal["scheduled", "live", "ended"]
    source: str
    scheduled_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    viewers: int = Field(..., description="People watching in the last 30 seconds")
    peak_viewers: int
    playlist_url: str = Field(..., description="HLS playlist (access checked on every request)")
    has_video: bool
    recording: str
    rtmp: RtmpOut | None = Field(None, description="Only for people who may run the broadcast")


class ViewersOut(Schema):
    viewers: int
    peak_viewers: int


class Message(Schema):
    detail: str


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _out(request: HttpRequest, broadcast: Broadcast) -> dict[str, Any]:
    from torg.live.views import rtmp_server_url

    person = _actor(request)
    rtmp = None
    if broadcast.state != Broadcast.State.ENDED and may_run(person, broadcast):
        rtmp = {"server": rtmp_server_url(request), "stream_key": broadcast.stream_key}
    return {
        "id": broadcast.pk,
        "post_id": broadcast.post_id,
        "group": broadcast.group.slug,
        "title": broadcast.title,
        "state": broadcast.state,
        "source": broadcast.source,
        "scheduled_at": broadcast.scheduled_at,
        "started_at": broadcast.started_at,
        "ended_at": broadcast.ended_at,
        "viewers": actions.viewer_count(broadcast),
        "peak_viewers": broadcast.peak_viewers,
        "playlist_url": reverse("live:hls", args=[broadcast.pk, paths.PLAYLIST]),
        "has_video": bool(paths.playlist_segments(paths.playlist_path(broadcast))),
        "recording": broadcast.recording,
        "rtmp": rtmp,
    }


def _fresh(request: HttpRequest, broadcast_id: int) -> Broadcast:
    return access_broadcast(_actor(request), broadcast_id)


@router.post("/broadcasts", response={201: BroadcastOut, 400: Message, 403: Message})
def create(request: HttpRequest, payload: BroadcastIn) -> Status:
    """Schedule a broadcast (with ``scheduled_at``) or make one ready to go live now."""
    person = _actor(request)
    group = access_group_by_id(person, payload.group_id)
    broadcast = _run(
        lambda: actions.do_create_broadcast(
            actor=person,
            group=group,
            title=payload.title,
            description=payload.description,
            scheduled_at=payload.scheduled_at,
        )
    )
    return Status(201, _out(request, _fresh(request, broadcast.pk)))


@router.get("/broadcasts/{int:broadcast_id}", response=BroadcastOut)
def status(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    """State, viewer count and playlist of a broadcast."""
    return _out(request, _fresh(request, broadcast_id))


@router.post(
    "/broadcasts/{int:broadcast_id}/start",
    response={200: BroadcastOut, 400: Message, 403: Message},
)
def start(request: HttpRequest, broadcast_id: int, payload: StartIn) -> dict[str, Any]:
    """Go live now (a scheduled broadcast also goes live by itself when RTMP arrives)."""
    person = _actor(request)
    broadcast = _fresh(request, broadcast_id)
    _run(
        lambda: actions.do_start_broadcast(actor=person, broadcast=broadcast, source=payload.source)
    )
    return _out(request, _fresh(request, broadcast_id))


@router.post(
    "/broadcasts/{int:broadcast_id}/stop", response={200: BroadcastOut, 400: Message, 403: Message}
)
def stop(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    """End the broadcast; the recording is attached to its post."""
    person = _actor(request)
    broadcast = _fresh(request, broadcast_id)
    _run(lambda: actions.do_end_broadcast(actor=person, broadcast=broadcast))
    return _out(request, _fresh(request, broadcast_id))


@router.get("/broadcasts/{int:broadcast_id}/viewers", response=ViewersOut)
def viewers(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    """How many people watch now (heartbeat in the last 30 s) and the most at once."""
    broadcast = _fresh(request, broadcast_id)
    return {"viewers": actions.viewer_count(broadcast), "peak_viewers": broadcast.peak_viewers}


@router.post(
    "/broadcasts/{int:broadcast_id}/stream-key",
    response={200: RtmpOut, 400: Message, 403: Message},
)
def rotate_stream_key(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    """Make a new stream key; the old one is refused from now on."""
    from torg.live.views import rtmp_server_url

    person = _actor(request)
    broadcast = _fresh(request, broadcast_id)
    rotated = _run(lambda: actions.do_rotate_stream_key(actor=person, broadcast=broadcast))
    return {"server": rtmp_server_url(request), "stream_key": rotated.stream_key}
