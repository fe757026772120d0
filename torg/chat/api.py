"""REST endpoints for chat at /api/v1/chat. The page script uses them too (session auth)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from torg.api.refusals import run as _run
from torg.chat import actions, selectors
from torg.chat.access import access_conversation, access_message
from torg.chat.models import BODY_MAX_LENGTH, Conversation
from torg.chat.serialize import file_data, messages_data
from torg.groups.access import access_group_by_slug
from torg.media.api import VideoOut as MediaVideoOut

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["chat"])
MAX_ID = 2**63 - 1


class Detail(Schema):
    detail: str


class ConversationOut(Schema):
    id: int
    kind: str
    title: str
    last_seq: int
    last_read_seq: int
    unread: int
    muted: bool


class MemberOut(Schema):
    id: int
    name: str
    last_read_seq: int
    presence: str


class ConversationDetailOut(ConversationOut):
    members: list[MemberOut]


class DirectIn(Schema):
    user_id: int = Field(..., ge=1, le=MAX_ID)


class GroupConversationIn(Schema):
    name: str = Field(..., max_length=200)
    member_ids: list[int] = Field(..., max_length=500)


class ConversationPatch(Schema):
    name: str | None = Field(None, max_length=200)
    muted: bool | None = None


class MembersIn(Schema):
    user_ids: list[int] = Field(..., min_length=1, max_length=500)


class SenderOut(Schema):
    id: int
    name: str


class VideoOut(MediaVideoOut):
    """A video sent in the chat (kind "video"): transcoded in the background. ``state`` is
    "processing" (``progress`` in percent), "ready" (the URLs are set) or "failed"
    (``error`` says why). Its files are served to the conversation's members only.
    ``status_url`` is the player fragment that shows its state."""

    status_url: str


class FileOut(Schema):
    id: int
    kind: str = Field(..., description='"image", "video" or "file"')
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None
    video: VideoOut | None = None


class ReactionOut(Schema):
    emoji: str
    symbol: str
    count: int
    users: list[int]


class PreviewOut(Schema):
    url: str
    title: str
    description: str
    site_name: str
    image_url: str | None


class MessageOut(Schema):
    id: int
    conversation: int
    seq: int
    sender: SenderOut
    html: str
    body: str
    parent: int | None
    reply_count: int
    created_at: str
    edited: bool
    deleted: bool
    files: list[FileOut]
    reactions: list[ReactionOut]
    previews: list[PreviewOut]
    url: str


class MessagePageOut(Schema):
    messages: list[MessageOut]
    more: bool


class SendIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=64)
    body: str = Field("", max_length=BODY_MAX_LENGTH)
    parent: int | None = Field(None, ge=1, le=MAX_ID)
    files: list[int] = Field([], max_length=10)


class EditIn(Schema):
    body: str = Field(..., max_length=BODY_MAX_LENGTH)


class ReactIn(Schema):
    emoji: str = Field(..., max_length=16)


class ReactOut(Schema):
    reacted: bool
    message: MessageOut


class ReadIn(Schema):
    seq: int = Field(..., ge=0, le=MAX_ID)


class ReadOut(Schema):
    last_read_seq: int


class PersonOut(Schema):
    id: int
    name: str


class UnreadOut(Schema):
    unread: int


class SettingsIn(Schema):
    share_presence: bool


class SettingsOut(Schema):
    share_presence: bool


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _row(user: User, conversation: Conversation) -> dict[str, Any]:
    for row in selectors.conversation_rows(user, limit=selectors.LIST_LIMIT):
        if row.id == conversation.pk:
            return row.__dict__
    # Beyond the list's window: the same numbers, read directly.
    from torg.chat.models import Participant

    mine = Participant.objects.filter(conversation=conversation, user=user).first()
    read = mine.last_read_seq if mine else 0
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": selectors.title_of(user, conversation),
        "last_seq": conversation.last_seq,
        "last_read_seq": read,
        "unread": max(conversation.last_seq - read, 0),
        "muted": bool(mine and mine.muted),
    }


def _detail(user: User, conversation: Conversation) -> dict[str, Any]:
    conversation.refresh_from_db()
    return {**_row(user, conversation), "members": selectors.members(conversation)}


@router.get("/conversations", response=list[ConversationOut])
def list_conversations(request: HttpRequest) -> list[dict[str, Any]]:
    return [row.__dict__ for row in selectors.conversation_rows(_actor(request))]


@router.post("/conversations/direct", response={200: ConversationDetailOut, 404: Detail})
def start_direct(request: HttpRequest, payload: DirectIn) -> dict[str, Any]:
    person = _actor(request)
    conversation = _run(lambda: actions.do_start_direct(actor=person, other_id=payload.user_id))
    return _detail(person, conversation)


@router.post("/conversations", response={201: ConversationDetailOut, 400: Detail})
def create_conversation(request: HttpRequest, payload: GroupConversationIn) -> Status[Any]:
    person = _actor(request)
    conversation = _run(
        lambda: actions.do_create_group_conversation(
            actor=person, name=payload.name, member_ids=payload.member_ids
        )
    )
    return Status(201, _detail(person, conversation))


@router.post("/groups/{slug}", response={200: ConversationDetailOut, 404: Detail})
def open_group_chat(request: HttpRequest, slug: str) -> dict[str, Any]:
    person = _actor(request)
    group = access_group_by_slug(person, slug)
    conversation = _run(lambda: actions.do_open_group_chat(actor=person, group=group))
    return _detail(person, conversation)


@router.get("/conversations/{conversation_id}", response={200: ConversationDetailOut, 404: Detail})
def get_conversation(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    person = _actor(request)
    return _detail(person, access_conversation(person, conversation_id))


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationDetailOut, 400: Detail, 404: Detail},
)
def update_conversation(
    request: HttpRequest, conversation_id: int, payload: ConversationPatch
) -> dict[str, Any]:
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    if payload.name is not None:
        name = payload.name
        _run(lambda: actions.do_rename(actor=person, conversation=conversation, name=name))
    if payload.muted is not None:
        muted = payload.muted
        _run(lambda: actions.do_set_muted(actor=person, conversation=conversation, muted=muted))
    return _detail(person, conversation)


@router.post(
    "/conversations/{conversation_id}/members",
    response={200: ConversationDetailOut, 400: Detail, 404: Detail},
)
def add_members(request: HttpRequest, conversation_id: int, payload: MembersIn) -> dict[str, Any]:
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    _run(
        lambda: actions.do_add_members(
            actor=person, conversation=conversation, user_ids=payload.user_ids
        )
    )
    return _detail(person, conversation)


@router.delete(
    "/conversations/{conversation_id}/members/{user_id}",
    response={204: None, 400: Detail, 403: Detail, 404: Detail},
)
def remove_member(request: HttpRequest, conversation_id: int, user_id: int) -> Status[Any]:
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    _run(lambda: actions.do_remove_member(actor=person, conversation=conversation, user_id=user_id))
    return Status(204, None)


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: MessagePageOut, 400: Detail, 404: Detail},
)
def list_messages(
    request: HttpRequest,
    conversation_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = selectors.PAGE_SIZE,
) -> HttpResponse:
    """History by seq: ``before`` pages up the main timeline; ``after`` returns every message
    (thread replies too) after a seq, for catching up."""
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    for value in (before, after):
        if value is not None and not (0 <= value <= MAX_ID):
            raise HttpError(400, "before and after are message numbers (0 or more).")
    if before is not None and after is not None:
        raise HttpError(400, "Give before or after, not both.")
    if not (1 <= limit <= selectors.MAX_PAGE_SIZE):
        raise HttpError(400, f"limit is 1 to {selectors.MAX_PAGE_SIZE}.")
    messages, more = selectors.history(conversation, before=before, after=after, limit=limit)
    # Already the documented shape (``messages_data``, as every MessageOut here): written as
    # it is. Validating 50 messages against the schema again was a fifth of the page's time.
    return HttpResponse(
        json.dumps({"messages": messages, "more": more}), content_type="application/json"
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut, 400: Detail, 404: Detail},
)
def send_message(request: HttpRequest, conversation_id: int, payload: SendIn) -> Status[Any]:
    """Send a message. Retrying with the same ``client_id`` answers 200 with the first message
    instead of creating another; 201 means it was created now (and committed)."""
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    message, created = _run(
        lambda: actions.do_send_message(
            actor=person,
            conversation=conversation,
            body=payload.body,
            client_id=payload.client_id,
            parent_id=payload.parent,
            file_ids=payload.files,
        )
    )
    message.sender = person
    return Status(201 if created else 200, messages_data([message])[0])


@router.patch(
    "/messages/{message_id}", response={200: MessageOut, 400: Detail, 403: Detail, 404: Detail}
)
def edit_message(request: HttpRequest, message_id: int, payload: EditIn) -> dict[str, Any]:
    person = _actor(request)
    message = access_message(person, message_id)
    _run(lambda: actions.do_edit_message(actor=person, message=message, body=payload.body))
    return messages_data([message])[0]


@router.delete("/messages/{message_id}", response={200: MessageOut, 403: Detail, 404: Detail})
def delete_message(request: HttpRequest, message_id: int) -> dict[str, Any]:
    person = _actor(request)
    message = access_message(person, message_id)
    _run(lambda: actions.do_delete_message(actor=person, message=message))
    return messages_data([message])[0]


@router.post("/messages/{message_id}/reactions", response={200: ReactOut, 400: Detail, 404: Detail})
def toggle_reaction(request: HttpRequest, message_id: int, payload: ReactIn) -> dict[str, Any]:
    person = _actor(request)
    message = access_message(person, message_id)
    reacted = _run(
        lambda: actions.do_toggle_reaction(actor=person, message=message, emoji=payload.emoji)
    )
    return {"reacted": reacted, "message": messages_data([message])[0]}


@router.get("/messages/{message_id}/thread", response={200: list[MessageOut], 404: Detail})
def get_thread(request: HttpRequest, message_id: int) -> list[dict[str, Any]]:
    message = access_message(_actor(request), message_id)
    return selectors.thread(message)


@router.get("/messages/{message_id}/seen-by", response={200: list[PersonOut], 404: Detail})
def seen_by(request: HttpRequest, message_id: int) -> list[dict[str, Any]]:
    message = access_message(_actor(request), message_id)
    return selectors.seen_by(message.conversation, message)


@router.post(
    "/conversations/{conversation_id}/read", response={200: ReadOut, 400: Detail, 404: Detail}
)
def mark_read(request: HttpRequest, conversation_id: int, payload: ReadIn) -> dict[str, int]:
    person = _actor(request)
    conversation = access_conversation(person, conversation_id)
    seq = _run(
        lambda: actions.do_mark_read(actor=person, conversation=conversation, seq=payload.seq)
    )
    return {"last_read_seq": seq}


@router.get("/search", response={200: list[MessageOut], 404: Detail})
def search(
    request: HttpRequest, q: str = "", conversation: int | None = None
) -> list[dict[str, Any]]:
    """Messages containing ``q`` in my conversations (or in one)."""
    person = _actor(request)
    scope = access_conversation(person, conversation) if conversation is not None else None
    return selectors.search(person, q[:400], conversation=scope)


@router.post("/files", response={201: FileOut, 400: Detail, 403: Detail})
def upload_file(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:
    stored = _run(lambda: actions.do_upload_file(uploader=_actor(request), upload=file))
    return Status(201, file_data(stored))


@router.get("/unread", response=UnreadOut)
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_total(_actor(request))}


@router.put("/settings", response=SettingsOut)
def put_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, bool]:
    row = actions.do_set_share_presence(actor=_actor(request), share=payload.share_presence)
    return {"share_presence": row.share_presence}
