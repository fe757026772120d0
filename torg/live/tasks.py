"""Background jobs for live broadcasts. Each takes ids (or nothing) and is safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.live import actions, recording


@task()
def finalize_broadcast(broadcast_id: int) -> bool:
    """Close the playlist of an ended broadcast and attach its recording to the post."""
    return recording.finalize(broadcast_id)


@task()
def send_due_live_reminders() -> int:
    """Periodic: remind followers of broadcasts about to start."""
    return len(actions.do_send_due_reminders())


@task()
def end_stale_broadcasts() -> int:
    """Periodic: end broadcasts whose broadcaster did not come back (also done by the ingest)."""
    return len(actions.do_end_stale_broadcasts())
