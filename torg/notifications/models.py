"""Notifications and the controls people have over them.

Defaults (see ``torg.notifications.rules.default_level``): announcement groups notify about
every post ("all"), the company-wide group about highlights (posts by its admins), every other
group only about mentions and replies ("mentions"). A stored ``GroupNotificationLevel`` overrides
the default.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

RECENT_ACTORS = 5


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        MENTION = "mention", _("Mention")
        REACTION = "reaction", _("Reaction")
        GROUP_POST = "group_post", _("New post in a group")
        JOIN_REQUEST = "join_request", _("Join request")
        REQUEST_APPROVED = "request_approved", _("Request approved")
        INVITATION = "invitation", _("Invitation")
        FOLLOWED_COMMENT = "followed_comment", _("New comment on a followed post")
        ANNOUNCEMENT = "announcement", _("Announcement")
        ANNOUNCEMENT_REMINDER = "announcement_reminder", _("Announcement reminder")
        POLL_CLOSED = "poll_closed", _("Poll closed")
        LIVE_REMINDER = "live_reminder", _("Live broadcast starting")
        CHAT_MESSAGE = "chat_message", _("Direct message")
        # Governance (torg.governance): moderation outcomes and group life cycle.
        REPORT_OUTCOME = "report_outcome", _("Outcome of your report")
        MODERATION_WARNING = "moderation_warning", _("Moderation of something you wrote")
        GROUP_REVIEW = "group_review", _("Inactive group to keep or archive")
        GROUP_REQUEST = "group_request", _("New group awaiting approval")
        GROUP_DECIDED = "group_decided", _("Your new group approved or rejected")

    class Reason(models.TextChoices):
        YOUR_POST = "your_post", _("You wrote this post.")
        YOUR_COMMENT = "your_comment", _("You wrote this comment.")
        MENTIONED = "mentioned", _("You were mentioned.")
        GROUP_ALL = "group_all", _("You get every post in this group.")
        GROUP_HIGHLIGHTS = "group_highlights", _("You get highlights from this group.")
        GROUP_MODERATOR = "group_moderator", _("You manage this group's members.")
        YOUR_REQUEST = "your_request", _("You asked to join this group.")
        INVITED = "invited", _("You were invited.")
        FOLLOWING = "following", _("You follow this post.")
        ANNOUNCED = "announced", _("Announcements in this group reach every member.")
        YOUR_POLL = "your_poll", _("You created this poll.")
        VOTED = "voted", _("You voted in this poll.")
        DIRECT_MESSAGE = "direct_message", _("Someone wrote to you directly.")
        YOUR_REPORT = "your_report", _("You reported this.")
        YOUR_WRITING = "your_writing", _("You wrote what a moderator looked at.")
        GROUP_ADMIN = "group_admin", _("You are an admin of this group.")
        NETWORK_ADMIN = "network_admin", _("You are a network admin.")
        YOUR_GROUP = "your_group", _("You created this group.")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "posts.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The latest actor, how many distinct actors in total, and the newest few (newest first).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_count = models.PositiveIntegerField(default=1)
    recent_actor_ids = models.JSONField(default=list)
    # What the text needs beyond the targets (governance kinds: the outcome, the moderator's
    # note, the post to link to). Never the content of something hidden or removed.
    data = models.JSONField(default=dict, blank=True)
    # kind + target ids: an unread row with the same key is updated in place.
    aggregation_key = models.CharField(max_length=80)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notif_recent"),
            models.Index(fields=["recipient", "read_at"], name="notif_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "aggregation_key"],
                condition=Q(read_at__isnull=True),
                name="one_unread_notification_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class GroupNotificationLevel(models.Model):
    class Level(models.TextChoices):
        ALL = "all", _("All posts")
        HIGHLIGHTS = "highlights", _("Highlights")
        MENTIONS = "mentions", _("Only mentions and replies")
        OFF = "off", _("Off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_levels"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("notifications"), max_length=12, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="one_level_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}: {self.level}"


class PostFollow(models.Model):
    """Following a post's conversation. ``following=False`` remembers an explicit unfollow."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_follows"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="one_follow_per_post")]
        indexes = [models.Index(fields=["post", "following"])]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.post_id}: {self.following}"


class Mute(models.Model):
    class TargetKind(models.TextChoices):
        GROUP = "group", _("Group")
        POST = "post", _("Post")
        PERSON = "person", _("Person")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes"
    )
    target_kind = models.CharField(max_length=8, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField()
    # Empty: until the person unmutes.
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_kind", "target_id"], name="one_mute_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.target_kind} {self.target_id}"


# Kinds sent by governance (moderation, group life cycle): e-mailed at once by default, as they
# were before they reached the bell.
GOVERNANCE_KINDS: tuple[str, ...] = (
    Notification.Kind.REPORT_OUTCOME,
    Notification.Kind.MODERATION_WARNING,
    Notification.Kind.GROUP_REVIEW,
    Notification.Kind.GROUP_REQUEST,
    Notification.Kind.GROUP_DECIDED,
)


def default_immediate_kinds() -> list[str]:
    """Kinds e-mailed at once unless the person changes it (see docs/notifications.md)."""
    kind = Notification.Kind
    return [
        kind.MENTION,
        kind.REPLY,
        kind.JOIN_REQUEST,
        kind.REQUEST_APPROVED,
        kind.INVITATION,
        kind.ANNOUNCEMENT,
        kind.ANNOUNCEMENT_REMINDER,
        kind.LIVE_REMINDER,
        *GOVERNANCE_KINDS,
    ]


class EmailPreference(models.Model):
    """What a person gets by e-mail. Created on first change; a missing row means the defaults."""

    class Digest(models.TextChoices):
        OFF = "off", _("Never")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    immediate_kinds = models.JSONField(default=default_immediate_kinds)
    digest = models.CharField(max_length=8, choices=Digest.choices, default=Digest.WEEKLY)
    # Local times in the person's time zone; both empty: no quiet hours.
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    unsubscribed = models.BooleanField(default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"e-mail preferences of {self.user_id}"


class NotificationEmail(models.Model):
    """The e-mail state of one notification: held in quiet hours, or when it was last e-mailed."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    held_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(held_since__isnull=False), name="notif_email_held"
            )
        ]

    def __str__(self) -> str:
        return f"e-mail for notification {self.notification_id}"
