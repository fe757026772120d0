"""Every read the chat pages and API need, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from torg.chat import presence
from torg.chat.access import ChatNotFound, member_ids, my_conversations
from torg.chat.models import Conversation, Message, MessageFile, Participant, Reaction
from torg.chat.serialize import messages_data
from torg.groups.access import as_person

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LIST_LIMIT = 100
SEARCH_LIMIT = 50
SEARCH_MAX_LENGTH = 200
Kind = Conversation.Kind


@dataclass
class ConversationRow:
    id: int
    kind: str
    title: str
    last_seq: int
    last_read_seq: int
    unread: int
    muted: bool
    last_message_at: Any
    group_slug: str | None


def _with_state(queryset: Any, user_id: int) -> Any:
    mine = Participant.objects.filter(conversation=OuterRef("pk"), user_id=user_id)
    return queryset.annotate(
        my_last_read=Coalesce(Subquery(mine.values("last_read_seq")[:1]), Value(0)),
        my_muted=Coalesce(
            Subquery(mine.values("muted")[:1]), Value(False), output_field=BooleanField()
        ),
    )


def conversation_rows(
    user: User | AnonymousUser, *, limit: int = LIST_LIMIT
) -> list[ConversationRow]:
    """``user``'s conversations, newest activity first, with unread counts (2 queries)."""
    person = as_person(user)
    if person is None:
        return []
    rows = list(
        _with_state(my_conversations(person), person.pk)
        .select_related("group")
        .order_by(Coalesce("last_message_at", "created_at").desc(), "-pk")[:limit]
    )
    direct = [c.pk for c in rows if c.kind == Kind.DIRECT]
    others: dict[int, str] = {}
    if direct:
        for conversation_id, name in (
            Participant.objects.filter(conversation_id__in=direct)
            .exclude(user_id=person.pk)
            .values_list("conversation_id", "user__name")
        ):
            others[conversation_id] = name
    return [
        ConversationRow(
            id=c.pk,
            kind=c.kind,
            title=_title(c, others.get(c.pk, person.name)),
            last_seq=c.last_seq,
            last_read_seq=c.my_last_read,
            unread=max(c.last_seq - c.my_last_read, 0),
            muted=bool(c.my_muted),
            last_message_at=c.last_message_at,
            group_slug=c.group.slug if c.group is not None else None,
        )
        for c in rows
    ]


def _title(conversation: Conversation, other_name: str) -> str:
    if conversation.kind == Kind.DIRECT:
        return other_name
    if conversation.kind == Kind.TEAM and conversation.group is not None:
        return conversation.group.name
    return conversation.name


def title_of(user: User, conversation: Conversation) -> str:
    other = ""
    if conversation.kind == Kind.DIRECT:
        other = (
            Participant.objects.filter(conversation=conversation)
            .exclude(user_id=user.pk)
            .values_list("user__name", flat=True)
            .first()
        ) or user.name
    return _title(conversation, other)


def unread_total(user: User | AnonymousUser) -> int:
    """Unread messages in conversations that are not muted (the navigation's count), 1 query."""
    person = as_person(user)
    if person is None:
        return 0
    rows = _with_state(my_conversations(person).filter(last_seq__gt=0), person.pk).values_list(
        "last_seq", "my_last_read", "my_muted"
    )
    return sum(max(seq - read, 0) for seq, read, muted in rows if not muted)


_PAGE_FIELDS = (
    "conversation_id",
    "seq",
    "sender_id",
    "sender__name",
    "body",
    "body_html",
    "parent_id",
    "reply_count",
    "created_at",
    "edited_at",
    "deleted_at",
)


def history(
    conversation: Conversation,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of messages by seq and whether there are more.

    ``before``: the main timeline (no thread replies) older than seq ``before``, newest page
    first, returned oldest first; for scrolling up. ``after``: *every* message after seq
    ``after`` (replies too) in seq order; what a client that saw a gap or reconnected fetches.
    """
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    rows = (
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .only(*_PAGE_FIELDS)
        # Most pages have no files or reactions: two index probes per row instead of two
        # more queries (``messages_data`` asks only for the messages that have some).
        .annotate(
            has_files=Exists(MessageFile.objects.filter(message=OuterRef("pk"))),
            has_reactions=Exists(Reaction.objects.filter(message=OuterRef("pk"))),
        )
    )
    if after is not None:
        page = list(rows.filter(seq__gt=after).order_by("seq")[: limit + 1])
        more = len(page) > limit
        return messages_data(page[:limit]), more
    rows = rows.filter(parent__isnull=True)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows.order_by("-seq")[: limit + 1])
    more = len(page) > limit
    return messages_data(list(reversed(page[:limit]))), more


def thread(root: Message) -> list[dict[str, Any]]:
    """A thread: its first message and every reply, in order."""
    if root.parent_id is not None:
        raise ChatNotFound
    replies = list(
        Message.objects.filter(parent=root).select_related("sender").order_by("seq")[:500]
    )
    return messages_data([root, *replies])


def members(conversation: Conversation) -> list[dict[str, Any]]:
    """Members with how far they have read and their presence (as they allow it shown)."""
    ids = member_ids(conversation)[:1000]
    from torg.accounts.models import User

    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "name"))
    read = dict(
        Participant.objects.filter(conversation=conversation, user_id__in=ids).values_list(
            "user_id", "last_read_seq"
        )
    )
    states = presence.states(ids)
    return [
        {
            "id": uid,
            "name": names.get(uid, ""),
            "last_read_seq": read.get(uid, 0),
            "presence": states[uid],
        }
        for uid in ids
    ]


def seen_by(conversation: Conversation, message: Message) -> list[dict[str, Any]]:
    """Who has read ``message`` (its sender left out)."""
    rows = (
        Participant.objects.filter(conversation=conversation, last_read_seq__gte=message.seq)
        .exclude(user_id=message.sender_id)
        .order_by("user__name")
        .values_list("user_id", "user__name")
    )
    current = set(member_ids(conversation))
    return [{"id": uid, "name": name} for uid, name in rows if uid in current]


def search(
    user: User | AnonymousUser, text: str, *, conversation: Conversation | None = None
) -> list[dict[str, Any]]:
    """Messages in ``user``'s conversations containing ``text``, newest first.

    A permission-checked ``icontains`` scan: chat messages are not in the ``torg.search``
    index yet (see docs/chat.md).
    """
    person = as_person(user)
    text = text.strip() if isinstance(text, str) else ""
    if person is None or not text or len(text) > SEARCH_MAX_LENGTH or "\x00" in text:
        return []
    rows = Message.objects.filter(Q(body__icontains=text), deleted_at__isnull=True).select_related(
        "sender"
    )
    if conversation is not None:
        rows = rows.filter(conversation=conversation)
    else:
        rows = rows.filter(conversation__in=my_conversations(person))
    return messages_data(list(rows.order_by("-created_at", "-pk")[:SEARCH_LIMIT]))
