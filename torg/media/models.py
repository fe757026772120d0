"""Videos (transcoded renditions of an uploaded file), their captions, resumable uploads and
per-view statistics.

A video hangs on a ``posts.Attachment`` (posts and comments: the composer and the post actions
already know how to attach uploads, and ``torg.posts.access.access_attachment`` decides who may
see it) or on a chat ``MessageFile`` (a video sent in a conversation: the chat's
``access_file`` decides). Exactly one of the two is set. Its ``file`` is the source until
transcoding finishes, then the clean MP4 (no metadata).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from torg.chat.models import MessageFile
    from torg.posts.models import Attachment

# Views are counted in 5 % buckets of the duration: a bitmap of 20 bits per view.
RETENTION_BUCKETS = 20
# Codes stored in Video.error, shown translated.
VIDEO_ERRORS = {
    "damaged": _(
        "This video could not be processed: the file is damaged or in a format Torg cannot "
        "read. Try exporting it again as MP4."
    ),
    "not_video": _("This file is not a video Torg can play."),
    "gave_up": _(
        "Processing this video failed several times. Upload it again, or ask an administrator."
    ),
    "missing": _("The uploaded file is missing. Upload the video again."),
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Video(models.Model):
    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # The unguessable name in every URL of the video's files.
    token = models.CharField(max_length=40, unique=True, default=new_token)
    attachment = models.OneToOneField(
        "posts.Attachment", on_delete=models.CASCADE, related_name="video", null=True, blank=True
    )
    # A video sent in a chat message (then ``attachment`` is None).
    message_file = models.OneToOneField(
        "chat.MessageFile", on_delete=models.CASCADE, related_name="video", null=True, blank=True
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROCESSING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, while processing
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Touched by the running job; a processing video whose heartbeat is old was abandoned.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)  # as shown (rotation applied)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)  # seconds
    has_audio = models.BooleanField(default=False)
    # Storage prefix of this attempt's output: <prefix>video.mp4, poster.jpg, master.m3u8, ...
    output_prefix = models.CharField(max_length=200, blank=True)
    renditions = models.JSONField(default=list, blank=True)  # names of the HLS ladder steps
    # [{"id", "language", "label"}] of the captions, kept here so a feed page shows the tracks
    # without another query (written only by do_add_caption).
    tracks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="video_state_heartbeat")]
        constraints = [
            models.CheckConstraint(
                condition=Q(attachment__isnull=False, message_file__isnull=True)
                | Q(attachment__isnull=True, message_file__isnull=False),
                name="video_on_attachment_or_message_file",
            )
        ]

    def __str__(self) -> str:
        return f"video {self.pk} ({self.state})"

    @property
    def holder(self) -> Attachment | MessageFile:
        """What holds the video's file (the source, then the MP4): the post or comment
        attachment, or the chat message file."""
        holder = self.attachment if self.attachment_id is not None else self.message_file
        assert holder is not None
        return holder

    @property
    def name(self) -> str:
        return self.holder.name

    @property
    def plays_by_itself(self) -> bool:
        """Post videos autoplay (muted) when seen; comment and chat videos wait for play."""
        return self.attachment is not None and self.attachment.comment_id is None

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def error_text(self) -> str:
        return str(VIDEO_ERRORS.get(self.error, VIDEO_ERRORS["damaged"]))


class VideoCaption(models.Model):
    """A WebVTT captions track in one language."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(max_length=16)  # BCP 47, e.g. "nb", "en-GB"
    label = models.CharField(max_length=60)
    file = models.FileField(upload_to="captions/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["video", "language"], name="one_caption_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.language} captions of video {self.video_id}"


class VideoView(models.Model):
    """One playback of a video by one person: only what the statistics need (no IP address, no
    user agent). ``buckets`` has bit i set when the viewer played through the i-th 5 %."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)  # chosen by the player for this playback
    watched_seconds = models.FloatField(default=0)
    max_position = models.FloatField(default=0)
    buckets = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "viewer", "key"], name="one_row_per_playback")
        ]

    def __str__(self) -> str:
        return f"view of video {self.video_id} by {self.viewer_id}"


class ChunkedUpload(models.Model):
    """A resumable upload: chunks are stored as numbered storage objects until completed."""

    token = models.CharField(max_length=40, unique=True, default=new_token)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chunked_uploads"
    )
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()  # announced total
    received = models.PositiveBigIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    attachment = models.OneToOneField(
        "posts.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chunked_upload",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(received__lte=models.F("size")), name="not_over")
        ]

    def __str__(self) -> str:
        return f"upload {self.pk} by {self.uploader_id}"

    @property
    def is_complete(self) -> bool:
        return self.attachment_id is not None
