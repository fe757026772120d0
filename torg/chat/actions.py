"""Every chat write: ``check_*`` (validate + access), then ``do_*`` (write in a transaction,
side effects after commit)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.chat import events, serialize, videos
from torg.chat.access import (
    ChatNotFound,
    is_member,
    member_ids,
    members_among,
)
from torg.chat.models import (
    BODY_MAX_LENGTH,
    CLIENT_ID_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ChatSettings,
    Conversation,
    Message,
    MessageFile,
    Participant,
    Reaction,
)
from torg.core.events import enqueue_on_commit
from torg.core.markdown import extract_mentions, render_markdown
from torg.governance.lifecycle import check_not_archived
from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.people.access import visible_people

if TYPE_CHECKING:
    from torg.accounts.models import User

Kind = Conversation.Kind
MAX_MEMBERS = 500
MAX_FILES = 10


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


# --- conversations ---------------------------------------------------------------------------


def check_start_direct(*, actor: User, other_id: Any) -> User:
    person = _require_person(actor)
    from torg.chat.access import parse_id

    pk = parse_id(other_id)
    other = visible_people(person).filter(pk=pk).first() if pk is not None else None
    if other is None:
        raise ChatNotFound
    return other


def do_start_direct(*, actor: User, other_id: Any) -> Conversation:
    """The one conversation between ``actor`` and the other person (made on first use)."""
    other = check_start_direct(actor=actor, other_id=other_id)
    low, high = sorted({actor.pk, other.pk}) * (2 if actor.pk == other.pk else 1)
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Kind.DIRECT, direct_key=key, created_by=actor
            )
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, user_id=uid) for uid in {low, high}]
            )
            _tell_added(conversation, {low, high})
    except IntegrityError:  # both started it at once: the other insert won
        return Conversation.objects.get(direct_key=key)
    return conversation


def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or "\x00" in name:
        raise ValidationError(_("The name is not valid."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the conversation a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("A name can be at most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}
        )
    return name


def _people(actor: User, user_ids: Iterable[Any]) -> list[int]:
    from torg.chat.access import parse_id

    parsed = [parse_id(value) for value in user_ids]
    ids = {pk for pk in parsed if pk is not None}
    if len(ids) != len(set(parsed)):
        raise ValidationError(_("Choose people from the list."))
    found = set(visible_people(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise ValidationError(_("Some of these people cannot be found."))
    return sorted(found)


def check_create_group_conversation(
    *, actor: User, name: Any, member_ids: Sequence[Any]
) -> tuple[str, list[int]]:
    person = _require_person(actor)
    clean = _clean_name(name)
    people = set(_people(person, member_ids)) | {person.pk}
    if len(people) > MAX_MEMBERS:
        raise ValidationError(
            _("A conversation can have at most %(limit)d people.") % {"limit": MAX_MEMBERS}
        )
    return clean, sorted(people)


def do_create_group_conversation(
    *, actor: User, name: Any, member_ids: Sequence[Any]
) -> Conversation:
    clean, people = check_create_group_conversation(actor=actor, name=name, member_ids=member_ids)
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=Kind.GROUP, name=clean, created_by=actor)
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user_id=uid) for uid in people]
        )
        _tell_added(conversation, people)
    return conversation


def check_rename(*, actor: User, conversation: Conversation, name: Any) -> str:
    _require_person(actor)
    if conversation.kind != Kind.GROUP:
        raise ValidationError(_("Only group conversations have a name you can change."))
    return _clean_name(name)


def do_rename(*, actor: User, conversation: Conversation, name: Any) -> Conversation:
    clean = check_rename(actor=actor, conversation=conversation, name=name)
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(name=clean)
        conversation.name = clean
        events.send_on_commit(
            events.conversation_channel(conversation.pk),
            {"conversation": conversation.pk, "kind": "conversation.changed"},
        )
    return conversation


def check_add_members(
    *, actor: User, conversation: Conversation, user_ids: Sequence[Any]
) -> list[int]:
    person = _require_person(actor)
    if conversation.kind != Kind.GROUP:
        raise ValidationError(_("People can only be added to group conversations."))
    people = _people(person, user_ids)
    current = set(member_ids(conversation))
    if len(current | set(people)) > MAX_MEMBERS:
        raise ValidationError(
            _("A conversation can have at most %(limit)d people.") % {"limit": MAX_MEMBERS}
        )
    return [uid for uid in people if uid not in current]


def do_add_members(
    *, actor: User, conversation: Conversation, user_ids: Sequence[Any]
) -> list[int]:
    new = check_add_members(actor=actor, conversation=conversation, user_ids=user_ids)
    with transaction.atomic():
        # New members start with everything read: they did not miss it, they just arrived.
        seq = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True)[0]
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user_id=uid, last_read_seq=seq) for uid in new],
            ignore_conflicts=True,
        )
        _tell_added(conversation, new)
    return new


def check_remove_member(*, actor: User, conversation: Conversation, user_id: Any) -> Participant:
    person = _require_person(actor)
    if conversation.kind != Kind.GROUP:
        raise ValidationError(_("People can only be removed from group conversations."))
    from torg.chat.access import parse_id

    pk = parse_id(user_id)
    row = (
        Participant.objects.filter(conversation=conversation, user_id=pk).first()
        if pk is not None
        else None
    )
    if row is None:
        raise ChatNotFound
    if row.user_id != person.pk and conversation.created_by_id != person.pk:
        raise PermissionDenied(
            _("Only the person who started this conversation can remove others.")
        )
    return row


def do_remove_member(*, actor: User, conversation: Conversation, user_id: Any) -> None:
    """Remove someone (or leave). Their open connections stop receiving at once: every
    delivery re-checks membership, including events already queued for them."""
    row = check_remove_member(actor=actor, conversation=conversation, user_id=user_id)
    with transaction.atomic():
        row.delete()
        events.send_on_commit(
            events.user_channel(row.user_id),
            {"conversation": conversation.pk, "kind": "conversation.removed"},
        )


def _tell_added(conversation: Conversation, user_ids: Iterable[int]) -> None:
    for uid in sorted(set(user_ids)):
        events.send_on_commit(
            events.user_channel(uid),
            {"conversation": conversation.pk, "kind": "conversation.added"},
        )


def check_open_group_chat(*, actor: User, group: Group) -> None:
    person = _require_person(actor)
    if not Membership.objects.filter(group=group, user=person).exists():
        # Not a member: for a secret group, exactly what a missing group answers.
        raise ChatNotFound


def do_open_group_chat(*, actor: User, group: Group) -> Conversation:
    """The chat of ``group`` (made on first use by a member)."""
    check_open_group_chat(actor=actor, group=group)
    conversation, _created = Conversation.objects.get_or_create(
        group=group, defaults={"kind": Kind.TEAM, "created_by": actor}
    )
    return conversation


def do_set_muted(*, actor: User, conversation: Conversation, muted: bool) -> Participant:
    person = _require_person(actor)
    row, _created = Participant.objects.update_or_create(
        conversation=conversation, user=person, defaults={"muted": bool(muted)}
    )
    return row


def do_set_share_presence(*, actor: User, share: bool) -> ChatSettings:
    person = _require_person(actor)
    row, _created = ChatSettings.objects.update_or_create(
        user=person, defaults={"share_presence": bool(share)}
    )
    return row


# --- messages --------------------------------------------------------------------------------


def _check_body(body: Any, *, may_be_empty: bool) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("The text is not valid."))
    if "\x00" in body:
        raise ValidationError(_("The text contains characters that are not allowed."))
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            _("A message can be at most %(limit)d characters (this one has %(count)d).")
            % {"limit": BODY_MAX_LENGTH, "count": len(body)}
        )
    if not body.strip() and not may_be_empty:
        raise ValidationError(_("Write something, or add a file."))
    return body


def _check_client_id(client_id: Any) -> str:
    if (
        not isinstance(client_id, str)
        or not client_id
        or len(client_id) > CLIENT_ID_MAX_LENGTH
        or not client_id.isascii()
        or not client_id.isprintable()
    ):
        raise ValidationError(
            _("Each message needs a client id of 1 to %(limit)d characters.")
            % {"limit": CLIENT_ID_MAX_LENGTH}
        )
    return client_id


# One line of letters, digits, spaces and signs that start no Markdown, link, mention or
# hashtag: the renderer would only wrap it in a paragraph (tests compare the two on generated
# text). "." and ":" only before a space or at the end (no domain, no scheme), and no number
# followed by "." or ")" at the start (an ordered list).
_PLAIN_TEXT = re.compile(r"[^\W_](?:[^\W_]|[ ,;?!'\"%$=+|()-]|[.:](?= |$))*(?<! )")
_LIST_START = re.compile(r"[0-9]+[.)]")


def plain_html(body: str) -> str | None:
    """``render_markdown(body)`` for text Markdown leaves alone, without parsing; else None."""
    if _PLAIN_TEXT.fullmatch(body) is None or _LIST_START.match(body) is not None:
        return None
    return f"<p>{unicodedata.normalize('NFC', body)}</p>\n"


def render_body(body: str, conversation: Conversation) -> tuple[str, set[int]]:
    """body_html with mentions linked for members of the conversation, and their ids."""
    html = plain_html(body)
    if html is not None:  # most chat messages: parsing is the costly part of a send
        return html, set()
    # Only look for mentions where one can be.
    mentioned = members_among(conversation, extract_mentions(body)) if "@[" in body else set()
    from torg.accounts.models import User

    names = dict(User.objects.filter(pk__in=mentioned).values_list("pk", "name"))
    return str(render_markdown(body, mention_resolver=lambda ids: names)), mentioned


def check_send_message(
    *,
    actor: User,
    conversation: Conversation,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    file_ids: Sequence[Any] = (),
) -> tuple[str, str, Message | None, list[MessageFile]]:
    person = _require_person(actor)
    clean_id = _check_client_id(client_id)
    checked = getattr(conversation, "checked_member_id", None) == person.pk
    if not checked and not is_member(person.pk, conversation):
        raise ChatNotFound
    # A group's chat is read-only while the group is archived (torg.governance).
    check_not_archived(conversation.group_id)
    if not isinstance(file_ids, (list, tuple)) or len(file_ids) > MAX_FILES:
        raise ValidationError(_("At most %(limit)d files per message.") % {"limit": MAX_FILES})
    clean = _check_body(body, may_be_empty=bool(file_ids))
    parent = None
    if parent_id is not None:
        from torg.chat.access import parse_id

        pk = parse_id(parent_id)
        parent = (
            Message.objects.filter(pk=pk, conversation=conversation, parent__isnull=True).first()
            if pk is not None
            else None
        )
        if parent is None:
            raise ValidationError(_("The message you are replying to is not in this conversation."))
    files: list[MessageFile] = []
    if file_ids:
        from torg.chat.access import parse_id

        ids = [parse_id(value) for value in file_ids]
        files = list(
            MessageFile.objects.filter(pk__in=[i for i in ids if i], uploader=person, message=None)
        )
        if len(files) != len(set(ids)) or None in ids:
            raise ValidationError(_("A file could not be found. Upload it again."))
    return clean, clean_id, parent, files


def do_send_message(
    *,
    actor: User,
    conversation: Conversation,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    file_ids: Sequence[Any] = (),
) -> tuple[Message, bool]:
    """Store a message with the conversation's next seq; (message, created).

    Idempotent: a second call with the same ``client_id`` returns the first message (created
    False) and changes nothing. Returns only after commit, so an acknowledged message is in
    the database.
    """
    clean, clean_id, parent, files = check_send_message(
        actor=actor,
        conversation=conversation,
        body=body,
        client_id=client_id,
        parent_id=parent_id,
        file_ids=file_ids,
    )
    html, mentioned = render_body(clean, conversation)
    if parent is None and not files:
        stored = _store(
            actor=actor, conversation_id=conversation.pk, client_id=clean_id, body=clean, html=html
        )
        if stored is None:  # removed (or archived) since the check: as if never a member
            raise ChatNotFound
        message, created = stored
        if created:
            message.conversation = conversation
            _after_send(message, mentioned)
        return message, created
    try:
        with transaction.atomic():
            # The UPDATE takes the conversation's row lock (PostgreSQL) or the write lock
            # (SQLite) until commit: seqs are gapless and in commit order.
            seq = _next_seq(conversation.pk)
            message = Message.objects.create(
                conversation=conversation,
                seq=seq,
                sender=actor,
                client_id=clean_id,
                body=clean,
                body_html=html,
                parent=parent,
            )
            if files:
                MessageFile.objects.filter(pk__in=[f.pk for f in files]).update(message=message)
            if parent is not None:
                Message.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            # The sender has read what they wrote.
            Participant.objects.filter(conversation=conversation, user=actor).update(
                last_read_seq=seq
            )
            message.sender = actor
            data = serialize.message_data(message, files=files, reactions={}, previews={})
            events.send_on_commit(
                events.conversation_channel(conversation.pk),
                {
                    "conversation": conversation.pk,
                    "kind": "message.new",
                    "seq": seq,
                    "message": data,
                },
            )
            if parent is not None:
                _send_changed(parent.pk)
            _after_send(message, mentioned)
    except IntegrityError:
        # A retry (or a concurrent duplicate): (sender, client_id) is taken; nothing was
        # written (the seq increment rolled back with the insert).
        earlier = _earlier(actor, clean_id, conversation)
        if earlier is None:
            raise
        return earlier, False
    return message, True


def do_send_message_to(
    *,
    actor: User,
    conversation_id: Any,
    body: Any,
    client_id: Any,
    parent_id: Any = None,
    file_ids: Sequence[Any] = (),
) -> tuple[Message, bool]:
    """``do_send_message`` for a conversation given by id (the chat socket's send).

    A plain message (no reply, files or mentions) is checked and stored by one statement: the
    membership check, the seq, the sender's read mark and the insert (on PostgreSQL one round
    trip, in autocommit: the statement is its own transaction). Anything else, and every
    refusal, goes through ``access_conversation`` and ``do_send_message``, so the answers are
    the same.
    """
    from torg.chat.access import access_conversation, parse_id

    person = _require_person(actor)
    pk = parse_id(conversation_id)
    plain = parent_id is None and not file_ids
    if plain and pk is not None and isinstance(body, str) and "@[" not in body:
        try:
            clean = _check_body(body, may_be_empty=False)
            clean_id = _check_client_id(client_id)
        except ValidationError:
            clean = clean_id = ""
        html = plain_html(clean) if clean else None
        if html is None and clean:
            html = str(render_markdown(clean))  # no mentions: nothing depends on who reads
        if html is not None:
            stored = _store(
                actor=person, conversation_id=pk, client_id=clean_id, body=clean, html=html
            )
            if stored is not None:
                message, created = stored
                if created:
                    _after_send(message, set())
                return message, created
    conversation = access_conversation(person, conversation_id)
    return do_send_message(
        actor=person,
        conversation=conversation,
        body=body,
        client_id=client_id,
        parent_id=parent_id,
        file_ids=file_ids,
    )


def _member_condition(user_id_param: str, c: str = "c") -> str:
    """SQL: the conversation row ``c`` has ``user_id_param`` as a member and takes messages
    (``access.member_filter`` and ``check_not_archived``, as one condition)."""
    from torg.governance.models import GroupLifecycle

    participant = Participant._meta.db_table
    membership = Membership._meta.db_table
    lifecycle = GroupLifecycle._meta.db_table
    return (
        # Table names and placeholders only: the values are bound parameters.
        f"(({c}.kind <> 'team' AND EXISTS (SELECT 1 FROM {participant} p "  # noqa: S608
        f"WHERE p.conversation_id = {c}.id AND p.user_id = {user_id_param})) "
        f"OR ({c}.kind = 'team' AND EXISTS (SELECT 1 FROM {membership} m "
        f"WHERE m.group_id = {c}.group_id AND m.user_id = {user_id_param}) "
        f"AND NOT EXISTS (SELECT 1 FROM {lifecycle} g WHERE g.group_id = {c}.group_id "
        "AND (g.archived_at IS NOT NULL OR g.approval_pending))))"
    )


def _store(
    *, actor: User, conversation_id: int, client_id: str, body: str, html: str
) -> tuple[Message, bool] | None:
    """Store a plain message if ``actor`` may send to the conversation: (message, created),
    or None when they may not (nothing written). A retry with a used ``client_id`` returns
    the first message. Returns after commit."""
    from django.db import connection

    now = timezone.now()
    try:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            row = _store_in_one_statement(actor.pk, conversation_id, client_id, body, html, now)
        else:
            with transaction.atomic():
                row = _store_in_steps(actor.pk, conversation_id, client_id, body, html, now)
    except IntegrityError:
        # A retry (or a concurrent duplicate): (sender, client_id) is taken; nothing was
        # written (the seq increment rolled back with the insert).
        earlier = _earlier_by_id(actor, client_id, conversation_id)
        if earlier is None:
            raise
        return earlier, False
    if row is None:
        return None
    message_id, seq, kind, group_id = row
    conversation = Conversation(pk=conversation_id, kind=kind, group_id=group_id, last_seq=seq)
    message = Message(
        pk=message_id,
        conversation=conversation,
        seq=seq,
        sender=actor,
        client_id=client_id,
        body=body,
        body_html=html,
        created_at=now,
    )
    data = serialize.message_data(message, files=[], reactions={}, previews={})
    # Outside a transaction (PostgreSQL) this publishes now; in one, after its commit.
    events.send_on_commit(
        events.conversation_channel(conversation_id),
        {"conversation": conversation_id, "kind": "message.new", "seq": seq, "message": data},
    )
    return message, True


_MESSAGE_COLUMNS = (
    "conversation_id, seq, sender_id, client_id, body, body_html, reply_count, created_at"
)


def _store_in_one_statement(
    user_id: int, conversation_id: int, client_id: str, body: str, html: str, now: Any
) -> tuple[int, int, str, int | None] | None:
    """PostgreSQL: check, number, mark read and insert in one statement (one round trip).
    The UPDATE holds the conversation's row lock until the statement commits, so seqs are
    gapless and in commit order."""
    from django.db import connection

    conversations = Conversation._meta.db_table
    participants = Participant._meta.db_table
    messages = Message._meta.db_table
    sql = (
        f"WITH c AS (UPDATE {conversations} c SET last_seq = c.last_seq + 1, "  # noqa: S608
        f"last_message_at = %(now)s WHERE c.id = %(conversation)s "
        f"AND {_member_condition('%(user)s')} RETURNING c.id, c.last_seq, c.kind, c.group_id), "
        f"r AS (UPDATE {participants} p SET last_read_seq = c.last_seq FROM c "
        "WHERE p.conversation_id = c.id AND p.user_id = %(user)s) "
        f"INSERT INTO {messages} ({_MESSAGE_COLUMNS}) "
        "SELECT c.id, c.last_seq, %(user)s, %(client_id)s, %(body)s, %(html)s, 0, %(now)s FROM c "
        "RETURNING id, seq, (SELECT kind FROM c), (SELECT group_id FROM c)"
    )
    params = {
        "now": now,
        "conversation": conversation_id,
        "user": user_id,
        "client_id": client_id,
        "body": body,
        "html": html,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]), row[3])


def _store_in_steps(
    user_id: int, conversation_id: int, client_id: str, body: str, html: str, now: Any
) -> tuple[int, int, str, int | None] | None:
    """The same in three statements inside the caller's transaction (SQLite: no UPDATE in a
    WITH; its write lock is held from the first UPDATE to commit)."""
    from django.db import connection

    conversations = Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {conversations} SET last_seq = last_seq + 1, "  # noqa: S608
            f"last_message_at = %s WHERE id = %s AND {_member_condition('%s', conversations)} "
            "RETURNING last_seq, kind, group_id",
            [now, conversation_id, user_id, user_id],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    seq, kind, group_id = int(found[0]), str(found[1]), found[2]
    message = Message.objects.create(
        conversation_id=conversation_id,
        seq=seq,
        sender_id=user_id,
        client_id=client_id,
        body=body,
        body_html=html,
        created_at=now,
    )
    Participant.objects.filter(conversation_id=conversation_id, user_id=user_id).update(
        last_read_seq=seq
    )
    return message.pk, seq, kind, group_id


def _earlier_by_id(actor: User, client_id: str, conversation_id: int) -> Message | None:
    # No ORDER BY: the unique (sender, client_id) index answers it alone.
    earlier = next(iter(Message.objects.filter(sender=actor, client_id=client_id)[:1]), None)
    if earlier is not None and earlier.conversation_id != conversation_id:
        raise ValidationError(_("This client id was already used for another message."))
    return earlier


def _next_seq(conversation_id: int) -> int:
    """Take the conversation's next seq. The UPDATE holds the row lock (PostgreSQL) or the
    write lock (SQLite) until commit, so numbers are gapless and follow commit order."""
    from django.db import connection

    table = Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1, last_message_at = %s "  # noqa: S608
            "WHERE id = %s RETURNING last_seq",
            [timezone.now(), conversation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise ChatNotFound
    return int(row[0])


def _earlier(actor: User, client_id: str, conversation: Conversation) -> Message | None:
    return _earlier_by_id(actor, client_id, conversation.pk)


def _after_send(message: Message, mentioned: set[int]) -> None:
    from torg.chat import tasks
    from torg.links.selectors import extract_urls
    from torg.links.tasks import fetch_link_preview

    for url in extract_urls(message.body):
        enqueue_on_commit(fetch_link_preview, url)
    conversation = message.conversation
    if mentioned - {message.sender_id} or conversation.kind == Kind.DIRECT:
        enqueue_on_commit(tasks.notify_message, message.pk)


def _send_changed(message_id: int) -> None:
    """After commit, tell the conversation the message looks different now (fresh data)."""

    def send() -> None:
        message = Message.objects.select_related("sender").filter(pk=message_id).first()
        if message is None:
            return
        data = serialize.messages_data([message])[0]
        channel = events.conversation_channel(message.conversation_id)
        events.send_now(
            [
                (
                    channel,
                    events.ephemeral(
                        channel,
                        {
                            "conversation": message.conversation_id,
                            "kind": "message.changed",
                            "message": data,
                        },
                    ),
                )
            ]
        )

    transaction.on_commit(send, robust=True)


def check_edit_message(*, actor: User, message: Message, body: Any) -> str:
    person = _require_person(actor)
    if message.sender_id != person.pk:
        raise PermissionDenied(_("Only the person who wrote a message can edit it."))
    if message.deleted_at is not None:
        raise ValidationError(_("This message was deleted."))
    return _check_body(body, may_be_empty=message.files.exists())


def do_edit_message(*, actor: User, message: Message, body: Any) -> Message:
    clean = check_edit_message(actor=actor, message=message, body=body)
    html, _mentioned = render_body(clean, message.conversation)
    with transaction.atomic():
        message.body, message.body_html, message.edited_at = clean, html, timezone.now()
        message.save(update_fields=["body", "body_html", "edited_at"])
        _send_changed(message.pk)
    return message


def check_delete_message(*, actor: User, message: Message) -> None:
    person = _require_person(actor)
    if message.sender_id != person.pk:
        raise PermissionDenied(_("Only the person who wrote a message can delete it."))


def do_delete_message(*, actor: User, message: Message) -> Message:
    """Blank the message (it stays as "deleted" so seqs and threads stay whole); files go."""
    check_delete_message(actor=actor, message=message)
    if message.deleted_at is not None:
        return message
    with transaction.atomic():
        message.body, message.body_html, message.deleted_at = "", "", timezone.now()
        message.save(update_fields=["body", "body_html", "deleted_at"])
        files = list(message.files.all())
        transaction.on_commit(lambda: _delete_all(files), robust=True)
        transaction.on_commit(videos.cleanup_after_delete(files), robust=True)
        MessageFile.objects.filter(message=message).delete()
        Reaction.objects.filter(message=message).delete()
        _send_changed(message.pk)
    return message


def _delete_all(files: list[MessageFile]) -> None:
    for stored in files:
        _delete_stored(stored)


def _delete_stored(stored: MessageFile) -> None:
    stored.file.delete(save=False)
    if stored.thumbnail:
        stored.thumbnail.delete(save=False)


def check_react(*, actor: User, message: Message, emoji: Any) -> str:
    _require_person(actor)
    if emoji not in Reaction.Emoji.values:
        raise ValidationError(_("Choose one of the offered reactions."))
    if message.deleted_at is not None:
        raise ValidationError(_("This message was deleted."))
    return str(emoji)


def do_toggle_reaction(*, actor: User, message: Message, emoji: Any) -> bool:
    """Add the reaction, or take it back if it was there; True when it is there now."""
    clean = check_react(actor=actor, message=message, emoji=emoji)
    with transaction.atomic():
        deleted, _rows = Reaction.objects.filter(message=message, user=actor, emoji=clean).delete()
        if not deleted:
            Reaction.objects.get_or_create(message=message, user=actor, emoji=clean)
        _send_changed(message.pk)
    return not deleted


def do_mark_read(*, actor: User, conversation: Conversation, seq: Any) -> int:
    """Read up to ``seq`` (never backwards); returns the stored value."""
    person = _require_person(actor)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationError(_("The message number is not valid."))
    newest = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True)[0]
    seq = min(seq, newest)
    with transaction.atomic():
        row, created = Participant.objects.get_or_create(
            conversation=conversation, user=person, defaults={"last_read_seq": seq}
        )
        if not created and row.last_read_seq >= seq:
            return row.last_read_seq
        Participant.objects.filter(pk=row.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
        events.send_on_commit(
            events.conversation_channel(conversation.pk),
            {"conversation": conversation.pk, "kind": "read", "user": person.pk, "seq": seq},
        )
    return seq


def do_upload_file(*, uploader: User, upload: Any) -> MessageFile:
    """Store an upload for a message, through the post attachments' checks and re-encoding."""
    import secrets

    from django.core.files.base import ContentFile

    from torg.posts import attachments as checks

    person = _require_person(uploader)
    checks.check_upload_attachment(uploader=person, upload=upload)
    name = checks.clean_name(upload.name or "file")
    data = checks._read(upload)
    token = secrets.token_urlsafe(24)
    stored = MessageFile(uploader=person, name=name)
    if checks._sniff_image_format(data) is not None:
        encoded = checks._encode_image(data)
        stored.kind = MessageFile.Kind.IMAGE
        stored.content_type = encoded.content_type
        stored.size = len(encoded.data)
        stored.width, stored.height = encoded.width, encoded.height
        stored.file.save(f"{token}.{encoded.extension}", ContentFile(encoded.data), save=False)
        stored.thumbnail.save(
            f"{token}-thumb.{encoded.extension}", ContentFile(encoded.thumbnail), save=False
        )
    elif (video_type := videos.video_type_of(data)) is not None:
        # A video by its content: the media pipeline transcodes it, the message shows a player.
        return videos.do_store_video(uploader=person, name=name, data=data, content_type=video_type)
    else:
        stored.kind = MessageFile.Kind.FILE
        stored.content_type = checks._display_type(name)[:120]
        stored.size = len(data)
        stored.file.save(token, ContentFile(data), save=False)
    try:
        stored.save()
    except Exception:
        _delete_stored(stored)
        raise
    return stored


def still_member(user_id: int, conversation: Conversation) -> bool:
    return bool(members_among(conversation, [user_id]))
