"""Side effects after commit, and only after commit.

Actions call these instead of enqueueing tasks or sending mail directly, so nothing leaves the
process for a transaction that is later rolled back (Zulip's ``send_event_on_commit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a ``django.tasks`` task once the current transaction commits."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)


def call_on_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: func(*args, **kwargs), robust=True)
