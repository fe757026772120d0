"""Conversations and messages.

Every message gets the next number of its conversation (``seq``), assigned in the inserting
transaction, so clients see gaps and fetch what they missed. ``(sender, client_id)`` is unique:
a retried send returns the message it already made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 10_000
NAME_MAX_LENGTH = 100
CLIENT_ID_MAX_LENGTH = 64


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct message")
        GROUP = "group", _("Group conversation")
        TEAM = "team", _("Group chat")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True)
    # A direct conversation's pair, "<low id>:<high id>": one conversation per pair.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    # A Torg group's chat: members are the group's members, read at check time (never copied).
    group = models.OneToOneField(
        "groups.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The newest message's seq (0: none yet); incremented in the inserting transaction.
    last_seq = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="team", group__isnull=False) | ~Q(kind="team"),
                name="chat_team_has_group",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.pk}"


class Participant(models.Model):
    """A person's place in a conversation: membership (direct and group conversations) and
    their own state (read up to, muted). For a group's chat the row holds state only; whether
    they belong is the group's Membership."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations"
    )
    last_read_seq = models.BigIntegerField(default=0)
    muted = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="chat_one_participant")
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="chat_participant_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.BigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    client_id = models.CharField(max_length=CLIENT_ID_MAX_LENGTH)
    body = models.TextField(max_length=BODY_MAX_LENGTH, blank=True)
    body_html = models.TextField(blank=True)
    # A reply in a thread points at the thread's first message.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    reply_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_message_seq"),
            models.UniqueConstraint(fields=["sender", "client_id"], name="chat_message_client_id"),
        ]
        indexes = [
            models.Index(fields=["parent", "seq"], name="chat_message_thread"),
            # The insights rollup reads one day's messages (torg.insights.rollup).
            models.Index(fields=["created_at"], name="chat_message_created"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class Reaction(models.Model):
    class Emoji(models.TextChoices):
        LIKE = "like", "👍"
        LOVE = "love", "❤️"
        LAUGH = "laugh", "😄"
        WOW = "wow", "😮"
        SAD = "sad", "😢"
        DONE = "done", "✅"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="chat_one_reaction_per_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


class MessageFile(models.Model):
    """An image, video or file sent in a chat. Uploaded first (owned by its uploader), then
    sent.

    Checked and re-encoded by the same functions as post attachments
    (``torg.posts.attachments``); downloads check conversation membership on every request.
    A video has a ``media.Video`` (``video``): transcoded by the media pipeline, its files served
    to the conversation's members only (``torg.chat.videos``).
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        FILE = "file", _("File")
        VIDEO = "video", _("Video")

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_files"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to="chat/%Y/%m/")
    thumbnail = models.FileField(upload_to="chat-thumbnails/%Y/%m/", blank=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class ChatSettings(models.Model):
    """A person's chat preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_settings"
    )
    # False: others always see "offline" (and the person's typing still shows).
    share_presence = models.BooleanField(_("show when I am online"), default=True)

    def __str__(self) -> str:
        return f"chat settings of {self.user_id}"
