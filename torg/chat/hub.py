"""One subscription per conversation per process: chat's fan-out (the realtime hub's pattern).

Without the hub every chat connection subscribes to its conversations' channels itself, so an
event for a conversation with three members connected to this process is received three
times: the layer deserialises it three times, Channels runs a task and a dispatch per
connection, and each delivery waits for its own membership check. With the hub the process
subscribes once per conversation (on behalf of all its connections there) and takes the
events as they come: one membership query answers every connection of every event that
arrived while the previous query ran (under load the batches grow, a quiet process asks at
once), the event's JSON is made once, and the same text goes to each connection that may see
it, in the order the process received the events.

Guarantees kept (torg/chat/tests): an event is delivered only after commit (it is published
then); membership is read after the event arrived, for every receiver, so someone removed
(or who left the group behind a group chat) gets nothing more, including events already on
their way, and stops listening; each connection still orders ``message.new`` by seq
(``ChatConsumer.hub_deliver``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from torg.chat import events
from torg.realtime.hub import ProcessSubscriptions

if TYPE_CHECKING:
    from torg.accounts.models import User

logger = logging.getLogger(__name__)


class Receiver(Protocol):
    """What the hub needs of a connection (``ChatConsumer``)."""

    user: User

    async def hub_deliver(
        self, conversation_id: int, message: dict[str, Any], text: str
    ) -> None: ...

    def hub_dropped(self, conversation_id: int) -> None: ...


# {conversation: people asked} → {conversation: those of them who are members now}; run on
# the database thread (the consumer passes its kept-connection wrapper).
MembersCheck = Callable[[dict[int, set[int]]], Awaitable[dict[int, set[int]]]]


class ChatHub(ProcessSubscriptions[int, Receiver]):
    """This process's subscriptions to conversation channels, and its connections in each."""

    prefix = "chathub."

    def __init__(self, layer: Any, loop: asyncio.AbstractEventLoop, check: MembersCheck) -> None:
        super().__init__(layer, loop)
        self.check = check
        self._flusher: asyncio.Task[None] | None = None
        self._arrived: list[dict[str, Any]] = []

    def channel(self, key: int) -> str:
        return events.conversation_channel(key)

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:  # a lost Redis connection must not end the fan-out
                logger.exception("chat hub: receiving an event failed")
                await asyncio.sleep(0.1)
                continue
            self._arrived.append(message)
            if self._flusher is None:
                self._flusher = self.loop.create_task(self._flush())

    async def _flush(self) -> None:
        """Deliver what arrived, in arrival order; what arrives meanwhile is the next batch."""
        try:
            while self._arrived:
                batch, self._arrived = self._arrived, []
                try:
                    await self._deliver(batch)
                except asyncio.CancelledError:
                    raise
                except Exception:  # one bad event or a failed check must not end the fan-out
                    logger.exception("chat hub: delivering events failed")
        finally:
            self._flusher = None

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        # Who is asked about each event: the connections listening when it arrived.
        receivers: list[list[Receiver]] = []
        asked: dict[int, set[int]] = {}
        for message in batch:
            conversation_id: int = message["conversation"]
            local = list(self.members.get(conversation_id, ()))
            receivers.append(local)
            if local:
                asked.setdefault(conversation_id, set()).update(r.user.pk for r in local)
        if not asked:
            return
        # Read after the events arrived: a removal committed before then is seen.
        try:
            members = await self.check(asked)
        except Exception:  # a failed database connection is replaced: ask once more
            logger.exception("chat hub: the membership check failed; asking again")
            await asyncio.sleep(0.05)
            members = await self.check(asked)
        for message, local in zip(batch, receivers, strict=True):
            conversation_id = message["conversation"]
            allowed = members.get(conversation_id, set())
            text = ""
            for receiver in local:
                if receiver.user.pk not in allowed:
                    # Removed (or left the group): stop listening; nothing is delivered.
                    if self.listening(conversation_id, receiver):
                        await self.leave(conversation_id, receiver)
                        receiver.hub_dropped(conversation_id)
                    continue
                if not self.listening(conversation_id, receiver):
                    continue  # left (disconnected) meanwhile
                if not text:
                    text = event_text(message)
                try:
                    await receiver.hub_deliver(conversation_id, message, text)
                except (RuntimeError, OSError):  # the connection is closing; its disconnect follows
                    continue
                except Exception:  # one connection's failure must not cost the others
                    logger.exception("chat hub: delivering to a connection failed")


def event_text(message: dict[str, Any]) -> str:
    """The client's JSON of a chat event (``events.send_on_commit`` / ``ephemeral``)."""
    import json

    event = {k: v for k, v in message.items() if k not in ("type", "channel", "uid")}
    return json.dumps({"type": "event", **event})


_hubs: dict[int, ChatHub] = {}


def hub_for(layer: Any, check: MembersCheck) -> ChatHub:
    """The hub of the running event loop and ``layer`` (a new one when either changed)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop or hub.layer is not layer:
        hub = ChatHub(layer, loop, check)
        _hubs[id(loop)] = hub
    return hub
