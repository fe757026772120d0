"""The one way to look up a conversation, message or chat file for a person.

Direct and group conversations: a member has a ``Participant`` row. A group's chat: a member
is whoever has a ``groups.Membership`` row in that group *now* (read at every check, never
copied), so joining or leaving the group is joining or leaving its chat. Everyone else gets the
same "not found" a nonexistent id gets: a secret group's chat does not exist for outsiders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from torg.chat.models import Conversation, Message, MessageFile, Participant
from torg.groups.access import as_person
from torg.groups.models import Membership
from torg.people.access import parse_person_id

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

Kind = Conversation.Kind


class ChatNotFound(Http404):
    """Raised for unknown and hidden conversations, messages and files alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


def parse_id(value: Any) -> int | None:
    return parse_person_id(value)


def member_filter(user_id: int) -> Q:
    """Conversations whose member ``user_id`` is (for use on ``Conversation``)."""
    participant = Exists(Participant.objects.filter(conversation=OuterRef("pk"), user_id=user_id))
    group_member = Exists(Membership.objects.filter(group_id=OuterRef("group_id"), user_id=user_id))
    return (~Q(kind=Kind.TEAM) & participant) | (Q(kind=Kind.TEAM) & group_member)


def my_conversations(user: User | AnonymousUser) -> QuerySet[Conversation]:
    person = as_person(user)
    if person is None:
        return Conversation.objects.none()
    return Conversation.objects.filter(member_filter(person.pk))


def access_conversation(user: User | AnonymousUser, conversation_id: Any) -> Conversation:
    pk = parse_id(conversation_id)
    if pk is None:
        raise ChatNotFound
    conversation = my_conversations(user).select_related("group").filter(pk=pk).first()
    if conversation is None:
        raise ChatNotFound
    # Who was just found to be a member: an action given this object need not ask again.
    conversation.checked_member_id = user.pk  # type: ignore[attr-defined]
    return conversation


def access_message(user: User | AnonymousUser, message_id: Any) -> Message:
    pk = parse_id(message_id)
    person = as_person(user)
    if pk is None or person is None:
        raise ChatNotFound
    message = (
        Message.objects.select_related("conversation", "sender")
        .filter(pk=pk, conversation__in=my_conversations(person))
        .first()
    )
    if message is None:
        raise ChatNotFound
    return message


def access_file(user: User | AnonymousUser, file_id: Any) -> MessageFile:
    """A file of a message in one of ``user``'s conversations, or their own unsent upload.
    Checked on every download, so someone removed loses the files at once."""
    pk = parse_id(file_id)
    person = as_person(user)
    if pk is None or person is None:
        raise ChatNotFound
    found = MessageFile.objects.filter(pk=pk).select_related("message").first()
    if found is None:
        raise ChatNotFound
    if found.message is None:
        if found.uploader_id != person.pk:
            raise ChatNotFound
        return found
    if found.message.deleted_at is not None:
        raise ChatNotFound
    if not my_conversations(person).filter(pk=found.message.conversation_id).exists():
        raise ChatNotFound
    return found


def is_member(user_id: int, conversation: Conversation) -> bool:
    return user_id in members_among(conversation, [user_id])


def members_among(conversation: Conversation, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` belong to ``conversation`` now (active accounts only), in one
    query: the check made before every delivery."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    if conversation.kind == Kind.TEAM:
        if conversation.group_id is None:
            return set()
        return set(
            Membership.objects.filter(
                group_id=conversation.group_id, user_id__in=wanted, user__is_active=True
            ).values_list("user_id", flat=True)
        )
    return set(
        Participant.objects.filter(
            conversation_id=conversation.pk, user_id__in=wanted, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def member_ids(conversation: Conversation) -> list[int]:
    """Every member of ``conversation`` (active accounts), sorted."""
    if conversation.kind == Kind.TEAM:
        if conversation.group_id is None:
            return []
        return sorted(
            Membership.objects.filter(
                group_id=conversation.group_id, user__is_active=True
            ).values_list("user_id", flat=True)
        )
    return sorted(
        Participant.objects.filter(conversation=conversation, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def members_of_many(asked: dict[int, set[int]]) -> dict[int, set[int]]:
    """PostgreSQL: ``{conversation: members_among(conversation, people)}`` for many
    conversations of any kind in one statement, without building a query per call (the check
    before every delivery, up to hundreds a second per server process)."""
    from django.db import connection

    from torg.accounts.models import User

    answer: dict[int, set[int]] = {conversation_id: set() for conversation_id in asked}
    pairs = [(cid, uid) for cid, uids in asked.items() for uid in sorted(uids)]
    if not pairs:
        return answer
    conversations = Conversation._meta.db_table
    participants = Participant._meta.db_table
    memberships = Membership._meta.db_table
    users = User._meta.db_table
    sql = (
        "SELECT a.conversation_id, a.user_id "  # noqa: S608 (table names only)
        "FROM unnest(%s::bigint[], %s::bigint[]) AS a(conversation_id, user_id) "
        f"JOIN {conversations} c ON c.id = a.conversation_id "
        f"JOIN {users} u ON u.id = a.user_id AND u.is_active "
        f"WHERE (c.kind <> 'team' AND EXISTS (SELECT 1 FROM {participants} p "
        "WHERE p.conversation_id = c.id AND p.user_id = a.user_id)) "
        f"OR (c.kind = 'team' AND EXISTS (SELECT 1 FROM {memberships} m "
        "WHERE m.group_id = c.group_id AND m.user_id = a.user_id))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[p[0] for p in pairs], [p[1] for p in pairs]])
        for conversation_id, user_id in cursor.fetchall():
            answer[conversation_id].add(user_id)
    return answer
