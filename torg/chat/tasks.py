"""Background jobs for chat: take ids, safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.chat import notify


@task()
def notify_message(message_id: int) -> list[int]:
    return notify.notify_message(message_id)
