"""Side effects after commit, and only after commit.

Actions call these instead of enqueueing tasks or sending mail directly, so nothing leaves the
process for a transaction that is later rolled back (Zulip's ``send_event_on_commit``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a ``django.tasks`` task once the current transaction commits."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)


def call_on_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: func(*args, **kwargs), robust=True)


def send_event_on_commit(event: dict[str, Any]) -> None:
    """Send a realtime ``event`` to channel group ``event["group"]`` once the transaction commits.

    ``event`` holds ``group``, ``id``, ``kind`` and ``ids`` (never content); the realtime
    consumer re-checks access for each receiver before delivering it.
    """

    def send() -> None:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        message = {
            "type": "realtime.event",
            "channel": event["group"],
            "id": event["id"],
            "kind": event["kind"],
            "ids": event["ids"],
        }
        deliver = async_to_sync(layer.group_send)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            deliver(event["group"], message)
            return
        # An event loop runs in this thread (sync code called from async code that is allowed to
        # be unsafe, e.g. under Playwright's sync API): send from a helper thread instead.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(deliver, event["group"], message).result()

    transaction.on_commit(send, robust=True)
