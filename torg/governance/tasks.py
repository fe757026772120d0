"""Background jobs: flag inactive groups, apply retention. Safe to run twice."""

from __future__ import annotations

from django.tasks import task


@task()
def flag_inactive_groups() -> int:
    from torg.governance import lifecycle

    return lifecycle.do_flag_inactive_groups()


@task()
def apply_retention() -> int:
    from torg.governance import retention

    return retention.do_apply_retention()


@task()
def scan_post_keywords(post_id: int) -> None:
    from torg.governance import moderation

    moderation.do_scan_post(post_id=post_id)
