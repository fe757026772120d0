"""Live broadcasts: one per post, with its stream key, state and (while live) its viewers.

- ``Broadcast``: scheduled → live → ended. The post is the broadcast's card: comments and
  reactions hang on it, and the recording is attached to the same post when it ends.
- ``BroadcastViewer``: one row per person watching, refreshed by the player's heartbeat; the
  live viewer count is the rows seen in the last ``VIEWER_WINDOW`` seconds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Broadcast(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Upcoming")
        LIVE = "live", _("Live now")
        ENDED = "ended", _("Ended")

    class Source(models.TextChoices):
        BROWSER = "browser", _("Browser")
        RTMP = "rtmp", _("Streaming software (RTMP)")

    class Recording(models.TextChoices):
        PENDING = "pending", _("Not yet")
        BUILDING = "building", _("Being saved")
        HANDED_OVER = "handed_over", _("Attached to the post")
        KEPT = "kept", _("Kept as a file")
        EMPTY = "empty", _("Nothing was broadcast")
        FAILED = "failed", _("Failed")

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="broadcast")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="broadcasts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="broadcasts"
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    # Unguessable, shown only to the broadcaster and the group's admins; rotating it disconnects
    # nobody already publishing but refuses the old key from then on.
    stream_key = models.CharField(max_length=64, unique=True)
    # Part of the directory name, so a path learned once is no help later (access is still
    # checked on every request).
    storage_token = models.CharField(max_length=32)
    scheduled_at = models.DateTimeField(_("starts"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Last time media arrived (browser chunk or RTMP packet); a live broadcast that stays quiet
    # for longer than TORG_LIVE_IDLE_SECONDS is ended.
    last_media_at = models.DateTimeField(null=True, blank=True)
    # Browser ingest: each MediaRecorder run is a session (a reconnect starts a new one).
    browser_session = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    recording = models.CharField(
        max_length=12, choices=Recording.choices, default=Recording.PENDING
    )
    recording_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "scheduled_at"], name="broadcast_state_start"),
            models.Index(
                fields=["scheduled_at"],
                condition=Q(reminded_at__isnull=True, state="scheduled"),
                name="broadcast_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return f"broadcast {self.pk} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state == self.State.LIVE

    @property
    def is_ended(self) -> bool:
        return self.state == self.State.ENDED


class BroadcastViewer(models.Model):
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "user"], name="one_viewer_row_per_person")
        ]
        indexes = [models.Index(fields=["broadcast", "last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.broadcast_id}"
