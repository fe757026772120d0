"""The realtime event log: what a reconnecting client may have missed (ids only, never content)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RealtimeEvent(models.Model):
    """One event sent to one channel group; the id orders events for resume."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "id"], name="realtime_event_channel_id")]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind} → {self.channel}"
