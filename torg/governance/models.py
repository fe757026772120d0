"""Roles, audit log, reports, keyword alerts, group lifecycle, retention and legal holds."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NETWORK_ADMIN = "network_admin", _("Network admin")
    COMMUNICATIONS = "communications", _("Communications")
    MODERATOR = "moderator", _("Moderator")


class RoleAssignment(models.Model):
    """A network-wide role held by a person. Network admin is ``User.is_staff``, not a row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="governance_roles"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="governance_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["communications", "moderator"]),
                name="governance_role_stored_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class AuditEvent(models.Model):
    """One line of the append-only audit log.

    ``actor`` and ``group`` are plain ids without a database constraint, so deleting a person or
    group never rewrites a line (PostgreSQL rejects UPDATE and DELETE with a trigger).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_kind = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True)
    group_id = models.BigIntegerField(null=True, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_kind", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class Report(models.Model):
    """A report of a post, comment or chat message, or a keyword alert's flag (no reporter)."""

    class Kind(models.TextChoices):
        POST = "post", _("post")
        COMMENT = "comment", _("comment")
        MESSAGE = "message", _("message")

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        HARASSMENT = "harassment", _("Harassment or hate")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        PRIVACY = "privacy", _("Shares private information")
        OTHER = "other", _("Something else")
        KEYWORD = "keyword", _("Keyword alert")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Hidden")
        REMOVED = "removed", _("Removed")
        WARNED = "warned", _("Author warned")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="governance_reports",
    )
    target_kind = models.CharField(max_length=16, choices=Kind.choices)
    target_id = models.BigIntegerField()
    # The group of the reported thing (None: a profile post or a chat message), for scoping.
    group = models.ForeignKey(
        "groups.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The reported text as it was, kept for the audit trail after hiding or removal.
    snapshot = models.TextField(blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.CharField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_kind", "target_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_kind", "target_id"],
                condition=models.Q(status="open"),
                name="governance_one_open_report_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_kind} {self.target_id} ({self.status})"


class KeywordAlert(models.Model):
    keyword = models.CharField(_("keyword"), max_length=100, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["keyword"]

    def __str__(self) -> str:
        return self.keyword


class GroupLifecycle(models.Model):
    """Lifecycle state of a group, kept out of the groups app."""

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE, related_name="lifecycle")
    flagged_at = models.DateTimeField(null=True, blank=True)
    # A "keep" answer: the group is not flagged again before this time.
    keep_until = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Optional approval of new groups (TORG_GROUP_APPROVAL).
    approval_pending = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"lifecycle of {self.group_id}"


class RetentionPolicy(models.Model):
    """Delete posts older than ``days`` in ``group``, or network-wide when ``group`` is empty."""

    group = models.OneToOneField(
        "groups.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retention_policy",
    )
    days = models.PositiveIntegerField(_("days"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(group__isnull=True),
                name="governance_one_network_policy",
            ),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="governance_days_min"),
        ]

    def __str__(self) -> str:
        return f"{self.days} days"


class LegalHold(models.Model):
    """Blocks retention deletion and erasure for a person's content or a group's content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, group__isnull=True)
                    | models.Q(user__isnull=True, group__isnull=False)
                ),
                name="governance_hold_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.reason


class GuidelinesAcceptance(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guidelines_acceptance"
    )
    version = models.CharField(max_length=32)
    accepted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id} v{self.version}"
