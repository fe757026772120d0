"""Notifications for chat messages, through ``torg.notifications`` (settings, mutes, quiet
hours and e-mail included).

Mentions use ``Kind.MENTION`` with no post (``deliver`` supports that); direct messages use
``Kind.CHAT_MESSAGE``, one unread notification per conversation updated in place. The keys
carry the conversation and message (``chat-mention:c<id>:m<seq>``, ``chat-direct:c<id>``), which
is how the notification center links to them.
"""

from __future__ import annotations

from torg.chat.access import members_among
from torg.chat.models import Conversation, Message, Participant
from torg.notifications.delivery import Event, deliver
from torg.notifications.models import Notification

DIRECT_KIND = Notification.Kind.CHAT_MESSAGE


def notify_message(message_id: int) -> list[int]:
    message = (
        Message.objects.select_related("conversation", "conversation__group")
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        return []
    conversation = message.conversation
    from torg.core.markdown import extract_mentions

    mentioned = members_among(conversation, extract_mentions(message.body)) - {message.sender_id}
    muted = set(
        Participant.objects.filter(conversation=conversation, muted=True).values_list(
            "user_id", flat=True
        )
    )
    sent: list[int] = []
    if mentioned:
        sent += deliver(
            Event(
                kind=Notification.Kind.MENTION,
                key=f"chat-mention:c{conversation.pk}:m{message.seq}",
                actor_id=message.sender_id,
            ),
            {uid: Notification.Reason.MENTIONED for uid in sorted(mentioned)},
        )
    if conversation.kind == Conversation.Kind.DIRECT:
        others = members_among(
            conversation,
            Participant.objects.filter(conversation=conversation).values_list("user_id", flat=True),
        )
        wanted = others - {message.sender_id} - muted - mentioned
        if wanted:
            sent += deliver(
                Event(
                    kind=DIRECT_KIND,
                    key=f"chat-direct:c{conversation.pk}",
                    actor_id=message.sender_id,
                ),
                {uid: Notification.Reason.DIRECT_MESSAGE for uid in sorted(wanted)},
            )
    return sorted(set(sent))
