"""Background jobs for insights. Safe to run twice: each day is recomputed in full."""

from __future__ import annotations

from django.tasks import task

from torg.insights.rollup import do_roll_up_recent_days


@task()
def roll_up_recent_days() -> int:
    """Recompute yesterday and today (hourly), so late events land in the right day."""
    return len(do_roll_up_recent_days(days=2))
