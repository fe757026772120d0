"""Chat events: sent to a conversation's channel group after commit, checked at delivery.

The consumer (``torg.chat.consumers``) re-checks that each receiver still belongs to the
conversation right before it forwards an event, so a message may carry its content: the
check is the same one an HTTP fetch would make, without a request per receiver.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from django.db import transaction

_numbers = itertools.count(1)
_PROCESS = f"{os.getpid()}-{id(_numbers)}"


def conversation_channel(conversation_id: int) -> str:
    return f"chat-{conversation_id}"


def user_channel(user_id: int) -> str:
    return f"chatuser-{user_id}"


def send_on_commit(channel: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``channel`` once the current transaction commits."""
    message = {"type": "chat.event", "channel": channel, "uid": _uid(), **event}
    transaction.on_commit(lambda: send_now([(channel, message)]), robust=True)


def send_now(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send (channel group, message) pairs in order, from sync code."""
    # The realtime app's sender: on Redis, one pipelined PUBLISH on a kept connection instead
    # of a new connection per group_send (see torg/realtime/events.py).
    from torg.realtime.events import _send_all

    _send_all(messages)


def ephemeral(channel: str, event: dict[str, Any]) -> dict[str, Any]:
    """A message for events never stored (typing): the consumer sends it with ``group_send``."""
    return {"type": "chat.event", "channel": channel, "uid": _uid(), **event}


def _uid() -> str:
    return f"{_PROCESS}-{next(_numbers)}"
