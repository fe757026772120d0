"""One fan-out per process for group events (a post in a group: the large fan-out).

Without the hub every connection of a process subscribes to its group channels itself, so an
event for a group with 1,000 connected members in this process is received 1,000 times: the
layer deserialises it 1,000 times, Channels runs a task and a dispatch per connection, and
each connection builds and encodes the same JSON. With the hub the process subscribes once per
group channel (on behalf of all its connections there), checks in one query which of those
connections' people may still see the group, encodes the client event once, and writes the
same text to each connection that may. Events of user, post and network channels still go
to the connection itself (they are small fan-outs, and their counts differ per person).

Guarantees kept: an event is delivered only after commit (it is published then), access is
re-checked at delivery for every receiver (someone removed from a group gets nothing more,
including events that were already on their way), and a connection gets a process's events in
the order the process received them (one reader per process delivers one event at a time).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

from asgiref.sync import sync_to_async

if TYPE_CHECKING:
    from torg.accounts.models import User

logger = logging.getLogger(__name__)


ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


class Receiver(Protocol):
    """What the hub needs of a connection (``RealtimeConsumer``)."""

    user: User
    user_id: int
    # Welcomed, and no replayed events to skip: the hub may write to ``server_send`` itself.
    ready: bool
    replayed: set[int]
    server_send: ASGISend

    async def hub_deliver(self, event_id: int, channel: str, text: str) -> None: ...

    def hub_dropped(self, channel: str) -> None: ...


class ProcessSubscriptions[K: Hashable, R]:
    """One channel-layer subscription per key (a group, a conversation) for all of this
    process's connections listening to it; subclasses read the hub's channel (``_read``)."""

    prefix = "hub."

    def __init__(self, layer: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.layer = layer
        self.loop = loop
        self.members: dict[K, set[R]] = {}
        self.channel_name = ""
        self._started = asyncio.Lock()
        self._subscriptions = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    def channel(self, key: K) -> str:
        """The channel-layer group of ``key``."""
        return str(key)

    async def join(self, key: K, receiver: R) -> None:
        await self._start()
        local = self.members.get(key)
        if local is not None:
            local.add(receiver)
            return
        self.members[key] = {receiver}
        async with self._subscriptions:
            await self.layer.group_add(self.channel(key), self.channel_name)

    async def leave(self, key: K, receiver: R) -> None:
        local = self.members.get(key)
        if local is None or receiver not in local:
            return
        local.discard(receiver)
        if local:
            return
        del self.members[key]
        async with self._subscriptions:
            if key not in self.members:  # nobody joined again meanwhile
                await self.layer.group_discard(self.channel(key), self.channel_name)

    def listening(self, key: K, receiver: R) -> bool:
        return receiver in self.members.get(key, ())

    async def _start(self) -> None:
        if self._reader is not None:
            return
        async with self._started:
            if self._reader is None:
                self.channel_name = await self.layer.new_channel(self.prefix)
                self._reader = self.loop.create_task(self._read())

    async def _read(self) -> None:
        raise NotImplementedError


class GroupHub(ProcessSubscriptions[str, Receiver]):
    """This process's subscriptions to group channels, and the connections behind each."""

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
                await self.deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad event or a lost connection must not end the fan-out
                logger.exception("realtime hub: delivering an event failed")
                await asyncio.sleep(0.1)

    async def deliver(self, message: dict[str, Any]) -> None:
        """Send one group event to every local connection whose person may see the group."""
        from torg.realtime.consumers import _client_event, _users_seeing_group_on_kept_connection

        channel: str = message["channel"]
        receivers = list(self.members.get(channel, ()))
        if not receivers:
            return
        event_id: int = message["id"]
        ids: dict[str, int] = message["ids"]
        seeing = await sync_to_async(_users_seeing_group_on_kept_connection)(
            ids["group"], [receiver.user for receiver in receivers]
        )
        text = json.dumps(_client_event(event_id, message["kind"], ids, {}))
        for receiver in receivers:
            if receiver.user_id not in seeing:
                # Removed from the group (or it became secret): stop listening to it.
                await self.leave(channel, receiver)
                receiver.hub_dropped(channel)
            elif receiver.ready and not receiver.replayed:
                # The common case, with the least Python per connection (this loop runs once
                # per connection and event): the server's own send, not the consumer's
                # send → Channels' send → the session middleware's send → the server's.
                try:
                    await receiver.server_send({"type": "websocket.send", "text": text})
                except Exception:  # noqa: S112 - a connection closing meanwhile; its disconnect follows
                    continue
            else:
                await receiver.hub_deliver(event_id, channel, text)


def server_send(send: ASGISend) -> ASGISend:
    """The ASGI server's own ``send`` beneath Channels' session middleware (``send`` is what
    the consumer got), for ``websocket.send`` messages only.

    The middleware's ``send`` passes every message on unchanged except those of its
    ``save_message_types`` and ``cookie_response_message_types`` (HTTP responses), but first
    reads the lazy session's state: a few µs for each of 1,000 connections per event. Any
    other wrapper is kept as it is.
    """
    from channels.sessions import InstanceSessionWrapper

    while getattr(send, "__func__", None) is InstanceSessionWrapper.send:
        wrapper: InstanceSessionWrapper = send.__self__  # type: ignore[attr-defined]
        acting_on = (*wrapper.save_message_types, *wrapper.cookie_response_message_types)
        if "websocket.send" in acting_on:
            break
        send = wrapper.real_send
    return send


_hubs: dict[int, GroupHub] = {}


def hub_for(layer: Any) -> GroupHub:
    """The hub of the running event loop and ``layer`` (a new one when either changed)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop or hub.layer is not layer:
        hub = GroupHub(layer, loop)
        _hubs[id(loop)] = hub
    return hub
