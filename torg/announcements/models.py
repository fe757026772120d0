"""Announcements: a group post marked to stay on top of members' home feeds until they read it.

- ``Announcement``: one per post (unmarking deletes it, with its acknowledgements).
- ``Acknowledgement``: a person pressed "Mark as read"; it stays.
- ``PollClosedNotice``: a poll whose closing has been notified (so it is notified once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Announcement(models.Model):
    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="announcement")
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    announced_at = models.DateTimeField()
    # Empty: on top until read. Past it, the announcement leaves the top of the feed.
    until = models.DateTimeField(_("show until"), null=True, blank=True)
    # Empty: no reminder. Otherwise members who have not read it by then are reminded once.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-announced_at", "-id"]
        permissions = [
            ("announce_company_wide", "Can mark posts in any group as announcements"),
        ]
        indexes = [
            models.Index(fields=["reminded_at", "remind_at"], name="announcement_reminder_due"),
        ]

    def __str__(self) -> str:
        return f"announcement of post {self.post_id}"


class Acknowledgement(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["acknowledged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="one_acknowledgement_per_person"
            )
        ]
        indexes = [models.Index(fields=["user", "announcement"])]

    def __str__(self) -> str:
        return f"{self.user_id} read announcement {self.announcement_id}"


class PollClosedNotice(models.Model):
    """The closing of this poll was notified to its author and voters."""

    poll = models.OneToOneField("posts.Poll", on_delete=models.CASCADE, related_name="+")
    notified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"poll {self.poll_id} closed, notified {self.notified_at}"
