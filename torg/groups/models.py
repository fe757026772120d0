"""Groups, their hierarchy, membership, join requests, invitations and auto-membership rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from torg.core.models import TimeStampedModel


class Group(TimeStampedModel):
    class Privacy(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        SECRET = "secret", _("Secret")

    class Kind(models.TextChoices):
        TEAM = "team", _("Team or project")
        DISCUSSION = "discussion", _("Discussion")
        ANNOUNCEMENTS = "announcements", _("Announcements")
        SOCIAL = "social", _("Social")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    privacy = models.CharField(
        _("privacy"), max_length=10, choices=Privacy.choices, default=Privacy.OPEN
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    is_company_wide = models.BooleanField(
        _("company-wide"), default=False, help_text=_("Every employee is a member.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    member_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["privacy", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_company_wide=True) | Q(privacy="open"),
                name="company_wide_group_is_open",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a rule added the person; such members are removed when they stop matching.
    rule = models.ForeignKey(
        "AutoMembershipRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")
        ]
        indexes = [models.Index(fields=["user", "group"]), models.Index(fields=["group", "role"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status="pending"),
                name="one_pending_request_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asks to join {self.group_id} ({self.status})"


class GroupInvitation(models.Model):
    """A member invites a colleague; the colleague accepts or declines."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_invitation_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} invited to {self.group_id}"


class AutoMembershipRule(models.Model):
    """Everyone matching every set criterion is a member, now and in the future."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="rules")
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    location = models.ForeignKey(
        "people.Location",
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | Q(location__isnull=False),
                name="rule_has_a_criterion",
            )
        ]

    def __str__(self) -> str:
        return f"rule {self.pk} for {self.group_id}"
