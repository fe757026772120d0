"""The chat WebSocket (/ws/chat/): sending, live messages, catch-up, typing, read receipts.

Client → server (JSON):
  {"type": "send", "conversation": id, "client_id": str, "body": str, "parent": id?, "files": [id]}
  {"type": "sync", "conversation": id, "after": seq}          every message after seq (≤ 200)
  {"type": "open", "conversation": id}                         listen to a conversation
  {"type": "typing", "conversation": id}
  {"type": "read", "conversation": id, "seq": seq}
  {"type": "presence", "state": "online" | "away"}
Server → client:
  {"type": "welcome", "conversations": {id: last_seq}}
  {"type": "ack", "client_id": str, "created": bool, "message": {...}}   after commit only
  {"type": "event", "conversation": id, "kind": "message.new", "seq": n, "message": {...}}
  {"type": "event", "conversation": id, "kind": "message.changed" | "read" | "typing"
                    | "conversation.added" | "conversation.removed" | "conversation.changed", ...}
  {"type": "messages", "conversation": id, "messages": [...], "more": bool}
  {"type": "error", "code": "not_found" | "bad_request" | "invalid", "client_id"?, "detail"?}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404

from torg.accounts.models import User
from torg.chat import actions, events, presence, selectors, serialize
from torg.chat.access import (
    access_conversation,
    members_among,
    members_of_many,
    my_conversations,
    parse_id,
)
from torg.chat.hub import ChatHub, event_text, hub_for
from torg.chat.models import Conversation, Participant
from torg.groups.access import as_person

MAX_CONVERSATIONS = 1000
SYNC_LIMIT = 200
# A message that arrives ahead of a missing one waits this long for it (published by another
# server process a moment later), then the missing ones are read from the database.
GAP_WAIT_SECONDS = 0.1
# The first connection of this process that receives an event waits this long for the others
# that received it, then one query checks them all.
BATCH_WAIT_SECONDS = 0.002


def database_sync_to_async[T](func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run ``func`` in the process's database thread, keeping its connection open.

    Channels' ``database_sync_to_async`` closes the connection after every call when
    CONN_MAX_AGE is 0 (the default here), so every message would open a new PostgreSQL
    connection (a new server process) — the largest cost of a send on a busy machine. A
    connection that failed is closed, and the next call opens a fresh one.
    """

    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except DatabaseError:
            connection.close()
            raise

    return sync_to_async(run, thread_sensitive=True)


# Sends run on threads of their own (each with its database connection), so deliveries and
# the membership checks on the main database thread do not wait behind them. A conversation
# always uses the same thread: its messages are stored and published in order. A send waits
# mostly for PostgreSQL's commit (its WAL flush) and Redis, with the interpreter released:
# with 4 threads a machine whose disk was busy with other work stored fewer than 200 messages
# a second and the sends queued for seconds; concurrent commits share a flush.
SEND_THREADS = 16
_send_pools: list[ThreadPoolExecutor] = []


_send_runners: list[Callable[..., Awaitable[dict[str, Any]]]] = []


def _send_pool(conversation_id: int) -> ThreadPoolExecutor:
    if not _send_pools:
        _send_pools.extend(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"chat-send-{n}")
            for n in range(SEND_THREADS)
        )
    return _send_pools[conversation_id % SEND_THREADS]


def _send_on_thread(conversation_id: int) -> Callable[..., Awaitable[dict[str, Any]]]:
    """``_send`` on the conversation's send thread. Made once per thread, not per message:
    building the wrapper (``functools.update_wrapper`` and friends) was a seventh of the
    event loop's time in a profile at 200 messages a second."""
    if not _send_runners:
        _send_runners.extend(
            sync_to_async(_send, thread_sensitive=False, executor=_send_pool(n))
            for n in range(SEND_THREADS)
        )
    return _send_runners[conversation_id % SEND_THREADS]


def close_send_connections() -> None:
    """Close the send threads' database connections (tests: before the test database goes)."""
    from django.db import connections

    for pool in _send_pools:
        pool.submit(connections.close_all).result()


_kinds: dict[int, tuple[str, int | None]] = {}  # conversation id → (kind, group id): immutable
# Deliveries waiting for their membership check, per event loop: conversation → people.
_pending: dict[int, tuple[dict[int, set[int]], asyncio.Future[dict[int, set[int]]]]] = {}
_tasks: set[asyncio.Task[None]] = set()


def _conversation_shape(conversation_id: int) -> Conversation | None:
    shape = _kinds.get(conversation_id)
    if shape is None:
        row = (
            Conversation.objects.filter(pk=conversation_id).values_list("kind", "group_id").first()
        )
        if row is None:
            return None
        shape = _kinds[conversation_id] = (row[0], row[1])
    return Conversation(pk=conversation_id, kind=shape[0], group_id=shape[1])


def _members_now(conversation_id: int, user_ids: set[int]) -> set[int]:
    conversation = _conversation_shape(conversation_id)
    if conversation is None:
        return set()
    return members_among(conversation, user_ids)


def _members_of_many(asked: dict[int, set[int]]) -> dict[int, set[int]]:
    """``{conversation: members among the people asked}``: on PostgreSQL in one statement
    (``access.members_of_many``); else direct and group conversations in one query, each
    group's chat in one more."""
    if connection.vendor == "postgresql":
        return members_of_many(asked)
    answer: dict[int, set[int]] = {}
    plain: dict[int, set[int]] = {}
    for conversation_id, user_ids in asked.items():
        shape = _conversation_shape(conversation_id)
        if shape is None:
            answer[conversation_id] = set()
        elif shape.kind == Conversation.Kind.TEAM:
            answer[conversation_id] = members_among(shape, user_ids)
        else:
            plain[conversation_id] = user_ids
            answer[conversation_id] = set()
    if plain:
        everyone = set().union(*plain.values())
        rows = Participant.objects.filter(
            conversation_id__in=list(plain), user_id__in=sorted(everyone), user__is_active=True
        ).values_list("conversation_id", "user_id")
        for conversation_id, user_id in rows:
            if user_id in plain[conversation_id]:
                answer[conversation_id].add(user_id)
    return answer


async def still_member(uid: str, conversation_id: int, user_id: int) -> bool:
    """Whether ``user_id`` belongs to the conversation now, read after the event arrived.

    Every delivery of this process asks; the first waits ``BATCH_WAIT_SECONDS`` and one query
    answers all that asked meanwhile (every event, every conversation), so the checks do not
    queue up behind each other on the database thread under load.
    """
    loop = asyncio.get_running_loop()
    entry = _pending.get(id(loop))
    if entry is None:
        entry = ({}, loop.create_future())
        _pending[id(loop)] = entry
        task = loop.create_task(_answer(id(loop)))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
    entry[0].setdefault(conversation_id, set()).add(user_id)
    members = await asyncio.shield(entry[1])
    return user_id in members.get(conversation_id, set())


async def _answer(key: int) -> None:
    await asyncio.sleep(BATCH_WAIT_SECONDS)
    asked, answer = _pending.pop(key)
    try:
        members = await database_sync_to_async(_members_of_many)(asked)
    except Exception as error:  # every waiting delivery gets the error, none a stale answer
        answer.set_exception(error)
        return
    answer.set_result(members)


def _missing(user: User, conversation_id: int, after: int, upto: int) -> list[tuple[int, str]]:
    """message.new events for seqs ``after`` < seq < ``upto`` read from the database, for a
    connection that still belongs to the conversation (else nothing)."""
    try:
        conversation = access_conversation(user, conversation_id)
    except Http404:
        return []
    messages, _more = selectors.history(
        conversation, after=after, limit=min(max(upto - after - 1, 1), SYNC_LIMIT)
    )
    return [
        (
            message["seq"],
            json.dumps(
                {
                    "type": "event",
                    "conversation": conversation_id,
                    "kind": "message.new",
                    "seq": message["seq"],
                    "message": message,
                }
            ),
        )
        for message in messages
        if message["seq"] < upto
    ]


_warming: list[asyncio.Future[None]] = []


def _load_urls() -> None:
    """Import the URLconf (and with it every API router and schema). The first ``reverse()``
    of a process does it; in a process that so far served only sockets that is the first
    message's ack, which then waited ~15 s on a busy machine with every send behind it."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)


def _conversations_of(user: User) -> dict[int, int]:
    """{conversation id: last seq} of the person's conversations (newest first, at most
    ``MAX_CONVERSATIONS``)."""
    return dict(
        my_conversations(user)
        .order_by("-last_message_at")
        .values_list("pk", "last_seq")[:MAX_CONVERSATIONS]
    )


async def _check_members(asked: dict[int, set[int]]) -> dict[int, set[int]]:
    """The hub's membership check, on the database thread with its kept connection."""
    return await database_sync_to_async(_members_of_many)(asked)


def _send(user: User, content: dict[str, Any]) -> dict[str, Any]:
    files = content.get("files") or []
    message, created = actions.do_send_message_to(
        actor=user,
        conversation_id=content.get("conversation"),
        body=content.get("body", ""),
        client_id=content.get("client_id"),
        parent_id=content.get("parent"),
        file_ids=files,
    )
    message.sender = user
    if created and not files:
        # Just made, no files, no reactions yet: nothing to read back.
        data = serialize.message_data(message, files=[], reactions={}, previews={})
    else:
        data = serialize.messages_data([message])[0]
    return {"type": "ack", "client_id": message.client_id, "created": created, "message": data}


def _sync(user: User, conversation_id: Any, after: Any) -> dict[str, Any]:
    conversation = access_conversation(user, conversation_id)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValidationError("after")
    messages, more = selectors.history(conversation, after=after, limit=SYNC_LIMIT)
    return {
        "type": "messages",
        "conversation": conversation.pk,
        "messages": messages,
        "more": more,
        "last_seq": conversation.last_seq,
    }


def _read(user: User, conversation_id: Any, seq: Any) -> None:
    conversation = access_conversation(user, conversation_id)
    actions.do_mark_read(actor=user, conversation=conversation, seq=seq)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One connection. Its conversations' events come through the process's hub
    (``torg.chat.hub``, ``hub_deliver``); its own channel (``chatuser-<id>``: added, removed)
    through the channel layer."""

    user: User
    conversations: set[int]  # the conversations this connection listens to (in the hub)
    sending: set[asyncio.Task[None]]
    # Per conversation: the seq of the last message.new sent to this client, and those that
    # arrived ahead of a missing one (seq → JSON), so the client gets them in seq order.
    last_seq: dict[int, int]
    held: dict[int, dict[int, str]]
    filling: dict[int, asyncio.Task[None]]
    ordering: asyncio.Lock
    # Events the hub hands over before the welcome went out wait here.
    ready: bool
    early: list[tuple[int, dict[str, Any], str]]

    async def connect(self) -> None:
        self.sending = set()
        self.conversations = set()
        self.last_seq, self.held, self.filling = {}, {}, {}
        self.ordering = asyncio.Lock()
        self.ready, self.early = False, []
        person = as_person(self.scope.get("user"))
        if person is None:
            await self.close(code=4401)
            return
        self.user = person
        if not _warming:  # the process's first connection: load the URLconf meanwhile
            _warming.append(asyncio.get_running_loop().run_in_executor(None, _load_urls))
        seqs = await database_sync_to_async(_conversations_of)(person)
        self.last_seq.update(seqs)
        await self.channel_layer.group_add(events.user_channel(person.pk), self.channel_name)
        for conversation_id in seqs:
            await self._join(conversation_id)
        await self.accept()
        await database_sync_to_async(presence.report)(person.pk, "online")
        await self.send_json({"type": "welcome", "conversations": seqs})
        while self.early:  # what comes meanwhile joins the end of the list
            conversation_id, message, text = self.early.pop(0)
            await self._deliver(conversation_id, message, text)
        self.ready = True

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its ``aclose_old_connections()`` before every handler.

        That call hops to the process's one database thread for every event delivered to
        every connection and, with CONN_MAX_AGE 0, closes the connection the membership
        checks keep, so each check would open a new PostgreSQL connection. This consumer's
        database work runs in its own wrappers, which keep their connections and replace a
        failed one.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "filling", {}).values():
            task.cancel()
        if not hasattr(self, "user"):
            return
        hub = self._hub()
        for conversation_id in list(self.conversations):
            await hub.leave(conversation_id, self)
        self.conversations.clear()
        await self.channel_layer.group_discard(events.user_channel(self.user.pk), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "send":
                # In a task: events for this connection keep flowing while the send waits.
                task = asyncio.create_task(self._send(content))
                self.sending.add(task)
                task.add_done_callback(self.sending.discard)
            elif kind == "sync":
                answer = await database_sync_to_async(_sync)(
                    self.user, content.get("conversation"), content.get("after")
                )
                await self._join(answer["conversation"])
                if not answer["more"]:
                    seqs = [m["seq"] for m in answer["messages"]] or [content["after"]]
                    self.last_seq.setdefault(answer["conversation"], max(seqs))
                await self.send_json(answer)
            elif kind == "open":
                conversation = await database_sync_to_async(access_conversation)(
                    self.user, content.get("conversation")
                )
                await self._join(conversation.pk)
                self.last_seq.setdefault(conversation.pk, conversation.last_seq)
                await self.send_json({"type": "opened", "conversation": conversation.pk})
            elif kind == "typing":
                await self._typing(content.get("conversation"))
            elif kind == "read":
                await database_sync_to_async(_read)(
                    self.user, content.get("conversation"), content.get("seq")
                )
            elif kind == "presence":
                await database_sync_to_async(presence.report)(self.user.pk, content.get("state"))
            else:
                await self.send_json({"type": "error", "code": "bad_request"})
        except Http404:
            await self.send_json({"type": "error", "code": "not_found", **_echo(content)})
        except (ValidationError, PermissionDenied) as refusal:
            detail = refusal.messages[0] if isinstance(refusal, ValidationError) else str(refusal)
            await self.send_json(
                {"type": "error", "code": "invalid", "detail": detail, **_echo(content)}
            )

    async def _send(self, content: dict[str, Any]) -> None:
        pk = parse_id(content.get("conversation")) or 0
        try:
            answer = await _send_on_thread(pk)(self.user, content)
        except Http404:
            answer = {"type": "error", "code": "not_found", **_echo(content)}
        except (ValidationError, PermissionDenied) as refusal:
            detail = refusal.messages[0] if isinstance(refusal, ValidationError) else str(refusal)
            answer = {"type": "error", "code": "invalid", "detail": detail, **_echo(content)}
        # The connection may have closed meanwhile; the message (if any) is stored.
        with contextlib.suppress(RuntimeError, OSError):  # uvicorn: ClientDisconnected
            await self.send_json(answer)

    def _hub(self) -> ChatHub:
        return hub_for(self.channel_layer, _check_members)

    async def _join(self, conversation_id: int) -> None:
        if conversation_id not in self.conversations:
            self.conversations.add(conversation_id)
            await self._hub().join(conversation_id, self)

    async def _leave(self, conversation_id: int) -> None:
        self.conversations.discard(conversation_id)
        await self._hub().leave(conversation_id, self)
        self._forget(conversation_id)

    async def _typing(self, conversation_id: Any) -> None:
        pk = parse_id(conversation_id)
        if pk is None or not await database_sync_to_async(_members_now)(pk, {self.user.pk}):
            raise Http404
        channel = events.conversation_channel(pk)
        await self.channel_layer.group_send(
            channel,
            events.ephemeral(
                channel,
                {
                    "conversation": pk,
                    "kind": "typing",
                    "user": self.user.pk,
                    "name": self.user.name,
                },
            ),
        )

    async def chat_event(self, message: dict[str, Any]) -> None:
        """An event of the person's own channel (``chatuser-<id>``): added to or removed
        from a conversation."""
        kind: str = message["kind"]
        conversation_id: int = message["conversation"]
        if kind == "conversation.removed":
            await self._leave(conversation_id)
        elif kind == "conversation.added":
            if not await still_member(message["uid"], conversation_id, self.user.pk):
                return
            await self._join(conversation_id)
        await self.send(text_data=event_text(message))

    async def hub_deliver(self, conversation_id: int, message: dict[str, Any], text: str) -> None:
        """An event of one of this connection's conversations, membership checked by the hub."""
        if not self.ready:
            self.early.append((conversation_id, message, text))
            return
        await self._deliver(conversation_id, message, text)

    async def _deliver(self, conversation_id: int, message: dict[str, Any], text: str) -> None:
        kind = message["kind"]
        if kind == "typing" and message.get("user") == self.user.pk:
            return  # not echoed to the typist
        if kind == "message.new":
            await self._in_order(conversation_id, message["seq"], text)
            return
        await self.send(text_data=text)

    def hub_dropped(self, conversation_id: int) -> None:
        """The hub found this person no longer in the conversation and stopped delivering."""
        self.conversations.discard(conversation_id)
        self._forget(conversation_id)

    async def _in_order(self, conversation_id: int, seq: int, text: str) -> None:
        """Send a message.new in seq order: one ahead of a gap waits for the missing ones.

        Seqs follow commit order, but two server processes may publish two messages of one
        conversation in the other order; the client must never receive them so.
        """
        async with self.ordering:
            last = self.last_seq.get(conversation_id)
            if last is not None and seq <= last:
                return  # already sent (read from the database while it was on its way)
            if last is not None and seq > last + 1:
                self.held.setdefault(conversation_id, {})[seq] = text
                if conversation_id not in self.filling:
                    task = asyncio.create_task(self._fill(conversation_id))
                    self.filling[conversation_id] = task
                return
            self.last_seq[conversation_id] = seq
            await self.send(text_data=text)
            await self._release(conversation_id)

    async def _release(self, conversation_id: int) -> None:
        """Send the held messages that follow on now (the lock is held)."""
        held = self.held.get(conversation_id)
        while held:
            following = self.last_seq[conversation_id] + 1
            text = held.pop(following, None)
            if text is None:
                for seq in [seq for seq in held if seq < following]:
                    del held[seq]
                break
            self.last_seq[conversation_id] = following
            await self.send(text_data=text)
        if not held:
            self.held.pop(conversation_id, None)

    async def _fill(self, conversation_id: int) -> None:
        """After ``GAP_WAIT_SECONDS``, read what is still missing and send it in order."""
        await asyncio.sleep(GAP_WAIT_SECONDS)
        try:
            await self._fill_now(conversation_id)
        except (RuntimeError, OSError):  # the client has gone (uvicorn: ClientDisconnected)
            self._forget(conversation_id)
        finally:
            self.filling.pop(conversation_id, None)
        if self.held.get(conversation_id):  # a gap further on: wait for it in turn
            self.filling[conversation_id] = asyncio.create_task(self._fill(conversation_id))

    async def _fill_now(self, conversation_id: int) -> None:
        held = self.held.get(conversation_id)
        last = self.last_seq.get(conversation_id)
        if not held or last is None:
            return
        # Read without holding the order lock: the hub keeps delivering to this connection
        # meanwhile (what arrives ahead of the gap is held; what fills it is sent).
        missing = await database_sync_to_async(_missing)(
            self.user, conversation_id, last, min(held)
        )
        async with self.ordering:
            if conversation_id not in self.last_seq:
                return  # removed meanwhile
            if not missing:  # not a member any more
                self._forget(conversation_id)
                return
            for seq, text in missing:
                if seq > self.last_seq[conversation_id]:
                    self.last_seq[conversation_id] = seq
                    await self.send(text_data=text)
            await self._release(conversation_id)

    def _forget(self, conversation_id: int) -> None:
        self.held.pop(conversation_id, None)
        self.last_seq.pop(conversation_id, None)


def _echo(content: Any) -> dict[str, Any]:
    if not isinstance(content, dict):
        return {}
    return {key: content[key] for key in ("client_id", "conversation") if key in content}
