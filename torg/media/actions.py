"""Every write on media: resumable uploads, videos and their transcoding, captions, views.

``check_*`` validates and checks access, ``do_*`` writes in a transaction and registers side
effects (the transcoding task) for after the commit.

The contract other apps use (live broadcasts):
``do_attach_video_file(uploader=, post=, path=, name=)`` takes a finished local video file, stores
it, creates the ``Video`` on ``post`` in state "processing" and enqueues transcoding.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.core.events import call_on_commit, enqueue_on_commit
from torg.groups.access import as_person
from torg.media import limits
from torg.media.access import can_manage_video
from torg.media.detect import probe_video, sniff_container
from torg.media.models import (
    RETENTION_BUCKETS,
    VIDEO_ERRORS,
    ChunkedUpload,
    Video,
    VideoCaption,
    VideoView,
)
from torg.media.storage import local_copy, save_directory
from torg.posts.attachments import clean_name
from torg.posts.models import Attachment

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.chat.models import MessageFile
    from torg.posts.models import Post

logger = logging.getLogger(__name__)

MAX_OPEN_UPLOADS = 10
CAPTION_MAX_BYTES = 512 * 1024


def error_text(code: str) -> str:
    return str(VIDEO_ERRORS.get(code, VIDEO_ERRORS["damaged"]))


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


# --- videos ------------------------------------------------------------------------------------


def _store_source(
    *, uploader: User, post: Post | None, path: Path, name: str, content_type: str
) -> Attachment:
    """An attachment (kind "file") holding the source video until it is transcoded."""
    token = secrets.token_urlsafe(24)
    suffix = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}.get(
        content_type, "mkv"
    )
    attachment = Attachment(
        uploader=uploader,
        post=post,
        kind=Attachment.Kind.FILE,
        name=clean_name(name),
        content_type=content_type,
        size=path.stat().st_size,
    )
    with path.open("rb") as handle:
        attachment.file.save(f"{token}.{suffix}", File(handle), save=False)
    return attachment


def do_attach_video_file(*, uploader: User, post: Post | None, path: Path, name: str) -> Video:
    """Take ownership of the finished local video file ``path``: store it, create the Video
    (attached to ``post``; None leaves it as ``uploader``'s unattached upload) in state
    "processing", and transcode it after the commit. The local file is removed.

    A file that turns out not to be a video ends in the "failed" state with a clear message
    (the transcoding task decides), never an exception here.
    """
    probe = probe_video(path)
    content_type = probe.content_type if probe is not None else "application/octet-stream"
    attachment = _store_source(
        uploader=uploader, post=post, path=path, name=name, content_type=content_type
    )
    try:
        with transaction.atomic():
            attachment.save()
            video = _create_video(attachment, probe_ok=probe is not None)
    except Exception:
        attachment.file.delete(save=False)
        raise
    path.unlink(missing_ok=True)
    return video


def _create_video(attachment: Attachment, *, probe_ok: bool = True) -> Video:
    from torg.media.tasks import transcode_video

    video = Video.objects.create(attachment=attachment)
    if probe_ok:
        enqueue_on_commit(transcode_video, video.pk)
    else:
        video.state, video.error = Video.State.FAILED, "not_video"
        video.save(update_fields=["state", "error"])
    return video


def do_create_video_for_attachment(*, attachment: Attachment) -> Video:
    """Called by the attachment upload when the file's content is a video."""
    with transaction.atomic():
        return _create_video(attachment)


def do_create_video_for_message_file(*, message_file: MessageFile) -> Video:
    """Called by the chat upload (``torg.chat.videos``) when the file's content is a video:
    the same pipeline, the files then served to the conversation's members only."""
    from torg.media.tasks import transcode_video

    with transaction.atomic():
        video = Video.objects.create(message_file=message_file)
        enqueue_on_commit(transcode_video, video.pk)
    return video


def stored_names_of(videos: list[Video]) -> list[str]:
    """Every storage folder and captions file of ``videos`` (read before their rows go)."""
    names = [f"videos/{video.token}" for video in videos]
    names += [
        str(name)
        for name in VideoCaption.objects.filter(video__in=videos).values_list("file", flat=True)
    ]
    return names


def delete_stored(names: list[str]) -> None:
    """Delete what ``stored_names_of`` listed: each video's folder (every attempt's MP4, HLS
    playlists and segments, poster) and the captions files. Run after the commit."""
    for name in names:
        if not name.startswith("videos/"):
            default_storage.delete(name)
            continue
        try:
            attempts, loose = default_storage.listdir(name)
        except (OSError, NotImplementedError):
            continue
        for attempt in attempts:
            _delete_prefix(f"{name}/{attempt}/", [])
        for file_name in loose:
            default_storage.delete(f"{name}/{file_name}")


def _progress_writer(video_id: int, attempt: int) -> object:
    last = 0.0

    def write(percent: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 1 and percent < 99:
            return
        last = now
        Video.objects.filter(pk=video_id, state=Video.State.PROCESSING, attempts=attempt).update(
            progress=percent, heartbeat_at=timezone.now()
        )

    return write


def _fail(video_id: int, code: str) -> None:
    Video.objects.filter(pk=video_id, state=Video.State.PROCESSING).update(
        state=Video.State.FAILED, error=code, heartbeat_at=timezone.now()
    )


def do_transcode_video(*, video_id: int) -> str:
    """Transcode one video. Safe to run twice or after a crash: each attempt writes to a fresh
    storage prefix and only the attempt that still owns the row (state "processing", same
    attempt number) publishes its result. Returns the final state."""
    from torg.media.transcode import TranscodeError, transcode

    with transaction.atomic():
        video = (
            Video.objects.select_for_update(of=("self",))
            .select_related("attachment", "message_file")
            .filter(pk=video_id)
            .first()
        )
        if video is None or video.state != Video.State.PROCESSING:
            return video.state if video is not None else "gone"
        if video.attempts >= limits.MAX_ATTEMPTS:
            video.state, video.error = Video.State.FAILED, "gave_up"
            video.save(update_fields=["state", "error"])
            return video.state
        attempt = video.attempts + 1
        Video.objects.filter(pk=video.pk).update(
            attempts=F("attempts") + 1, heartbeat_at=timezone.now(), progress=0
        )
    source_name = str(video.holder.file.name)
    work = Path(
        tempfile.mkdtemp(prefix="torg-video-", dir=getattr(settings, "VIDEO_WORK_DIR", None))
    )
    try:
        source = work / "source"
        try:
            local_copy(source_name, source)
        except (OSError, ValueError):
            _fail(video.pk, "missing")
            return Video.State.FAILED
        with source.open("rb") as handle:
            sniffed = sniff_container(handle.read(64))
        if sniffed is None:
            _fail(video.pk, "not_video")
            return Video.State.FAILED
        try:
            result = transcode(
                source,
                sniffed[0],
                work / "out",
                progress=_progress_writer(video.pk, attempt),  # type: ignore[arg-type]
            )
        except TranscodeError:
            logger.info("video %s could not be transcoded", video.pk, exc_info=True)
            _fail(video.pk, "damaged")
            return Video.State.FAILED
        prefix = f"videos/{video.token}/{attempt}-{secrets.token_hex(4)}/"
        save_directory(work / "out", result.files, prefix)
        with transaction.atomic():
            current = (
                Video.objects.select_for_update(of=("self",))
                .select_related("attachment", "message_file")
                .filter(pk=video.pk)
                .first()
            )
            if (
                current is None
                or current.state != Video.State.PROCESSING
                or current.attempts != attempt
            ):
                call_on_commit(_delete_prefix, prefix, result.files)
                return current.state if current is not None else "gone"
            old_prefix = current.output_prefix
            current.state = Video.State.READY
            current.progress = 100
            current.error = ""
            current.width, current.height = result.width, result.height
            current.duration = result.duration
            current.has_audio = result.has_audio
            current.output_prefix = prefix
            current.renditions = [step.name for step in result.steps]
            current.ready_at = timezone.now()
            current.heartbeat_at = current.ready_at
            current.save()
            # The attachment (or chat message file) now holds the clean MP4 (no location or
            # device metadata), so a download of it never hands out the phone's original.
            holder = current.holder
            original = holder.file.name
            holder.file.name = prefix + "video.mp4"
            holder.content_type = "video/mp4"
            holder.size = default_storage.size(prefix + "video.mp4")
            holder.save(update_fields=["file", "content_type", "size"])
            if original != holder.file.name:
                call_on_commit(default_storage.delete, original)
            if old_prefix:
                call_on_commit(_delete_prefix, old_prefix, [])
        return Video.State.READY
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _delete_prefix(prefix: str, names: list[str]) -> None:
    try:
        _dirs, files = default_storage.listdir(prefix.rstrip("/"))
    except (OSError, NotImplementedError):
        files = names
    for name in files:
        default_storage.delete(prefix + name)


def do_requeue_stuck_videos() -> tuple[int, int]:
    """Videos "processing" without a heartbeat for longer than the timeout (a worker was killed,
    or the queue lost the job): enqueue again, or fail after ``MAX_ATTEMPTS`` attempts.
    Returns (re-enqueued, failed)."""
    from torg.media.tasks import transcode_video

    cutoff = timezone.now() - limits.processing_timeout()
    requeued = failed = 0
    stale = Video.objects.filter(state=Video.State.PROCESSING, created_at__lt=cutoff).filter(
        heartbeat_at__isnull=True
    ) | Video.objects.filter(state=Video.State.PROCESSING, heartbeat_at__lt=cutoff)
    for video_id in list(stale.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            video = Video.objects.select_for_update().filter(pk=video_id).first()
            if video is None or video.state != Video.State.PROCESSING:
                continue
            if video.attempts >= limits.MAX_ATTEMPTS:
                video.state, video.error = Video.State.FAILED, "gave_up"
                video.save(update_fields=["state", "error"])
                failed += 1
                continue
            # Touch the heartbeat so the next check does not enqueue it a second time.
            video.heartbeat_at = timezone.now()
            video.save(update_fields=["heartbeat_at"])
            enqueue_on_commit(transcode_video, video.pk)
            requeued += 1
    return requeued, failed


# --- resumable uploads -------------------------------------------------------------------------


class OffsetMismatch(ValidationError):
    """A chunk for another offset than the server has: the client resumes from ``offset``."""

    def __init__(self, offset: int) -> None:
        super().__init__(
            _("The upload continues at byte %(offset)d.") % {"offset": offset}, code="offset"
        )
        self.offset = offset


def check_start_upload(*, uploader: User, name: str, size: int) -> User:
    person = _require_person(uploader)
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValidationError(_("The file is empty."))
    if size > limits.video_max_bytes():
        raise ValidationError(
            _("The file is too large: at most %(limit)s.")
            % {"limit": filesizeformat(limits.video_max_bytes())}
        )
    open_uploads = ChunkedUpload.objects.filter(uploader=person, attachment__isnull=True).count()
    if open_uploads >= MAX_OPEN_UPLOADS:
        raise ValidationError(
            _("You have too many unfinished uploads. Finish or wait for them first.")
        )
    limits.check_quota(person, size)
    return person


def do_start_upload(*, uploader: User, name: str, size: int) -> ChunkedUpload:
    with transaction.atomic():
        person = check_start_upload(uploader=uploader, name=name, size=size)
        return ChunkedUpload.objects.create(
            uploader=person, name=clean_name(str(name or "video")), size=size
        )


def _chunk_name(upload: ChunkedUpload, index: int) -> str:
    return f"uploads/{upload.token}/{index:06d}"


def do_append_chunk(*, uploader: User, upload: ChunkedUpload, offset: int, data: bytes) -> int:
    """Store ``data`` at ``offset``; returns the new offset. A chunk for a different offset
    raises ``OffsetMismatch`` carrying the server's offset (the client continues from there)."""
    _require_person(uploader)
    with transaction.atomic():
        upload = ChunkedUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.uploader_id != uploader.pk:
            raise PermissionDenied(_("You may not do that."))
        if upload.is_complete:
            raise ValidationError(_("This upload is already complete."))
        if offset != upload.received:
            raise OffsetMismatch(upload.received)
        if not data:
            raise ValidationError(_("The chunk is empty."))
        if len(data) > limits.chunk_max_bytes():
            raise ValidationError(
                _("A chunk can be at most %(limit)s.")
                % {"limit": filesizeformat(limits.chunk_max_bytes())}
            )
        if upload.received + len(data) > upload.size:
            raise ValidationError(_("The file is larger than announced."))
        name = _chunk_name(upload, upload.chunk_count)
        if default_storage.exists(name):  # left by an attempt whose transaction rolled back
            default_storage.delete(name)
        default_storage.save(name, ContentFile(data))
        upload.received += len(data)
        upload.chunk_count += 1
        upload.save(update_fields=["received", "chunk_count", "updated_at"])
        return upload.received


def do_complete_upload(*, uploader: User, upload: ChunkedUpload) -> Attachment:
    """Join the chunks and decide by content: a video becomes a Video (transcoded in the
    background); anything else small enough becomes an ordinary attachment (images checked
    and cleaned like any upload); anything else is refused. Completing twice is harmless."""
    from torg.posts.attachments import do_upload_attachment, max_bytes

    person = _require_person(uploader)
    upload.refresh_from_db()
    if upload.uploader_id != person.pk:
        raise PermissionDenied(_("You may not do that."))
    if upload.attachment is not None:
        return upload.attachment
    if upload.received != upload.size:
        raise ValidationError(
            _("The upload is not finished: %(received)d of %(size)d bytes arrived.")
            % {"received": upload.received, "size": upload.size}
        )
    work = Path(tempfile.mkdtemp(prefix="torg-upload-"))
    try:
        joined = work / "file"
        with joined.open("wb") as out:
            for index in range(upload.chunk_count):
                with default_storage.open(_chunk_name(upload, index), "rb") as chunk:
                    shutil.copyfileobj(chunk, out, 1024 * 1024)
        probe = probe_video(joined)
        if probe is not None:
            attachment = _store_source(
                uploader=person,
                post=None,
                path=joined,
                name=upload.name,
                content_type=probe.content_type,
            )
            try:
                with transaction.atomic():
                    attachment.save()
                    _create_video(attachment)
                    upload.attachment = attachment
                    upload.save(update_fields=["attachment", "updated_at"])
            except Exception:
                attachment.file.delete(save=False)
                raise
        else:
            if upload.size > max_bytes():
                raise ValidationError(
                    _(
                        "This file is not a video Torg can play (MP4, MOV, WebM or MKV), and "
                        "other files can be at most %(limit)s."
                    )
                    % {"limit": filesizeformat(max_bytes())}
                )
            with joined.open("rb") as handle:
                as_upload = UploadedFile(
                    handle, name=upload.name, content_type="", size=upload.size
                )
                # The quota counts this unfinished upload at its announced size; the
                # attachment's own quota check must not count the same bytes twice.
                with transaction.atomic():
                    ChunkedUpload.objects.filter(pk=upload.pk).update(size=0, received=0)
                    attachment = do_upload_attachment(uploader=person, upload=as_upload)
                    ChunkedUpload.objects.filter(pk=upload.pk).update(
                        size=upload.size, received=upload.size, attachment=attachment
                    )
                    upload.attachment = attachment
    finally:
        shutil.rmtree(work, ignore_errors=True)
    call_on_commit(_delete_chunks, upload.token, upload.chunk_count)
    return attachment


def _delete_chunks(token: str, count: int) -> None:
    for index in range(count):
        default_storage.delete(f"uploads/{token}/{index:06d}")


def do_purge_abandoned_uploads(*, older_than_hours: int = 48) -> int:
    """Remove unfinished uploads nobody touched for two days, and their chunks."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    removed = 0
    for upload in ChunkedUpload.objects.filter(attachment__isnull=True, updated_at__lt=cutoff):
        _delete_chunks(upload.token, upload.chunk_count)
        upload.delete()
        removed += 1
    return removed


def do_purge_orphaned_video_files() -> int:
    """Remove stored video outputs whose video is gone (its post or upload was purged; rows
    cascade, storage does not). Returns how many videos' folders were removed."""
    try:
        tokens, _files = default_storage.listdir("videos")
    except (OSError, NotImplementedError):
        return 0
    known = set(Video.objects.filter(token__in=tokens).values_list("token", flat=True))
    removed = 0
    for token in tokens:
        if token in known:
            continue
        attempts, _loose = default_storage.listdir(f"videos/{token}")
        for attempt in attempts:
            _delete_prefix(f"videos/{token}/{attempt}/", [])
        removed += 1
    return removed


# --- captions ----------------------------------------------------------------------------------

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_CUE_TIMING = re.compile(
    r"^(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}[ \t]+-->[ \t]+(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}(?:[ \t].*)?$"
)


def validate_webvtt(data: bytes) -> str:
    """The text of a valid WebVTT file, or ValidationError with what is wrong."""
    if len(data) > CAPTION_MAX_BYTES:
        raise ValidationError(
            _("A captions file can be at most %(limit)s.")
            % {"limit": filesizeformat(CAPTION_MAX_BYTES)}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The captions file must be UTF-8 text.")) from None
    if "\x00" in text:
        raise ValidationError(_("The captions file contains characters that are not allowed."))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise ValidationError(_("This is not a WebVTT file: it must start with “WEBVTT”."))
    cues = sum(1 for line in lines if "-->" in line)
    bad = [line for line in lines if "-->" in line and not _CUE_TIMING.match(line.strip())]
    if cues == 0:
        raise ValidationError(_("The captions file has no cues."))
    if bad:
        raise ValidationError(
            _("A cue time is not valid: “%(line)s”. Use 00:00:01.000 --> 00:00:04.000.")
            % {"line": bad[0][:80]}
        )
    return "\n".join(lines)


def check_add_caption(*, actor: User, video: Video, language: str, label: str) -> None:
    _require_person(actor)
    if not can_manage_video(actor, video):
        raise PermissionDenied(_("Only the author and group admins can add captions."))
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise ValidationError(_("Give the language as a code such as “nb” or “en”."))
    if not isinstance(label, str) or len(label) > 60:
        raise ValidationError(_("The label can be at most 60 characters."))


def do_add_caption(
    *, actor: User, video: Video, language: str, label: str, data: bytes
) -> VideoCaption:
    """Add or replace the captions in ``language``."""
    check_add_caption(actor=actor, video=video, language=language, label=label)
    text = validate_webvtt(data)
    language = language.lower()
    label = label.strip() or language
    caption = VideoCaption(video=video, language=language, label=label)
    caption.file.save(f"{secrets.token_urlsafe(18)}.vtt", ContentFile(text.encode()), save=False)
    with transaction.atomic():
        old = list(VideoCaption.objects.select_for_update().filter(video=video, language=language))
        for previous in old:
            call_on_commit(default_storage.delete, previous.file.name)
            previous.delete()
        caption.save()
        tracks = [
            {"id": c.pk, "language": c.language, "label": c.label}
            for c in VideoCaption.objects.filter(video=video).order_by("language")
        ]
        Video.objects.filter(pk=video.pk).update(tracks=tracks)
        video.tracks = tracks
    return caption


# --- views (statistics) ------------------------------------------------------------------------

VIEW_KEY = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def check_record_view(*, viewer: User, video: Video, key: str) -> None:
    _require_person(viewer)
    if not isinstance(key, str) or not VIEW_KEY.match(key):
        raise ValidationError(_("The playback key is not valid."))
    if not video.is_ready or not video.duration:
        raise ValidationError(_("This video is not ready yet."))


def do_record_view(
    *, viewer: User, video: Video, key: str, watched: float, position: float, buckets: int
) -> VideoView:
    """Record how far one playback got. The player sends running totals, so a report can be
    repeated or lost without harm: values only grow, and are clamped to what is possible."""
    check_record_view(viewer=viewer, video=video, key=key)
    duration = float(video.duration or 0)
    watched = max(0.0, min(float(watched), duration * 10))
    position = max(0.0, min(float(position), duration))
    buckets = int(buckets) & ((1 << RETENTION_BUCKETS) - 1) if buckets > 0 else 0
    with transaction.atomic():
        view, _created = VideoView.objects.select_for_update().get_or_create(
            video=video, viewer=viewer, key=key
        )
        view.watched_seconds = max(view.watched_seconds, watched)
        view.max_position = max(view.max_position, position)
        view.buckets = view.buckets | buckets
        view.save(update_fields=["watched_seconds", "max_position", "buckets", "updated_at"])
    return view
