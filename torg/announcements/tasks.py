"""Background jobs for announcements and closed polls. They take ids (or nothing) and are safe
to run twice: each reminder and each poll closing is claimed in the database before it is sent.
"""

from __future__ import annotations

from django.tasks import task

from torg.announcements import actions


@task()
def announcement_made(announcement_id: int) -> list[int]:
    return actions.do_notify_announcement(announcement_id)


@task()
def send_due_reminders() -> list[int]:
    """Periodic: send every reminder whose time has come; returns the ids of those reminded."""
    reminded: list[int] = []
    for announcement_id in actions.due_reminder_ids():
        reminded += actions.do_send_reminder(announcement_id)
    return sorted(reminded)


@task()
def notify_closed_polls() -> list[int]:
    """Periodic: notify every poll that closed since the last run; returns the ids told."""
    told: list[int] = []
    for poll_id in actions.closed_poll_ids():
        told += actions.do_notify_poll_closed(poll_id)
    return sorted(told)
