"""Jobs that run on a schedule (digests, reminders, held e-mail, clean-ups).

Apps register a ``django.tasks`` task with an interval in their ``AppConfig.ready``::

    periodic.register(tasks.send_digests, every=timedelta(minutes=15))

``manage.py run_periodic`` (started by ``make run`` next to the task worker) calls
:func:`enqueue_due` every ``TORG_PERIODIC_TICK`` seconds; it enqueues each task whose interval has
passed since its last run. The last run is a row in ``PeriodicRun`` claimed with
``SELECT ... FOR UPDATE`` (PostgreSQL) so several servers running the command enqueue each job
once. A periodic task takes no arguments and must be safe to run late, early or twice: it works
out what is due from the database, not from the time it was called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from torg.core.models import PeriodicRun


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: Any


_registry: dict[str, Periodic] = {}


def register(task: Any, *, every: timedelta) -> Any:
    """Run ``task`` (a ``django.tasks`` task without arguments) every ``every``."""
    name = task.module_path
    _registry[name] = Periodic(name=name, every=every, task=task)
    return task


def registered() -> list[Periodic]:
    return sorted(_registry.values(), key=lambda p: p.name)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every registered task that is due; returns their names."""
    now = now or timezone.now()
    started: list[str] = []
    for job in registered():
        with transaction.atomic():
            run, _created = PeriodicRun.objects.select_for_update().get_or_create(name=job.name)
            if run.last_run_at is not None and run.last_run_at + job.every > now:
                continue
            run.last_run_at = now
            run.save(update_fields=["last_run_at"])
            transaction.on_commit(job.task.enqueue, robust=True)
        started.append(job.name)
    return started
