"""Videos sent in chat messages: stored as a ``MessageFile`` of kind "video" and transcoded by
the media pipeline (``torg.media``: MP4, HLS ladder, poster), like a post's video.

Who may watch is decided by the message file (``torg.chat.access.access_file``, called by
``torg.media.access.access_video`` on every request of every file): the conversation's members
now, while the message is not deleted; before it is sent, only its uploader. Everyone else gets
the 404 of a video that does not exist. Deleting the message deletes the video's files.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.urls import reverse

from torg.chat.models import MessageFile

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.media.models import Video

_SUFFIXES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}


def video_type_of(data: bytes) -> str | None:
    """The content type when ``data`` is a video the pipeline can decode, else None."""
    from torg.posts.attachments import _sniff_video

    return _sniff_video(data)


def do_store_video(*, uploader: User, name: str, data: bytes, content_type: str) -> MessageFile:
    """Store the (already size- and quota-checked) upload ``data`` as an unsent chat video and
    transcode it after the commit."""
    from django.db import transaction

    from torg.media.actions import do_create_video_for_message_file

    stored = MessageFile(
        uploader=uploader,
        name=name,
        kind=MessageFile.Kind.VIDEO,
        content_type=content_type[:120],
        size=len(data),
    )
    token = secrets.token_urlsafe(24)
    stored.file.save(f"{token}.{_SUFFIXES.get(content_type, 'mkv')}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            stored.save()
            do_create_video_for_message_file(message_file=stored)
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


def video_of(stored: MessageFile) -> Video | None:
    """The file's video (selected with it by ``messages_data``; one query otherwise)."""
    if stored.kind != MessageFile.Kind.VIDEO:
        return None
    return getattr(stored, "video", None)


def video_data(video: Video) -> dict[str, Any]:
    """What the API and the page script need to show the video: the media API's answer
    (state, progress, error, and once ready the files' URLs, each checked for membership on
    every request) and the URL of the fragment the page polls while it is processing."""
    from torg.media.api import video_out

    return {**video_out(video), "status_url": reverse("media:status", args=[video.token])}


def cleanup_after_delete(files: Iterable[MessageFile]) -> Callable[[], None]:
    """Read now (before the rows go) what the videos of ``files`` stored; the returned function
    deletes it (run it after the commit)."""
    from torg.media.actions import delete_stored, stored_names_of
    from torg.media.models import Video

    ids = [stored.pk for stored in files if stored.kind == MessageFile.Kind.VIDEO]
    names = stored_names_of(list(Video.objects.filter(message_file_id__in=ids))) if ids else []
    return lambda: delete_stored(names)
