"""Background jobs for posts. Safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.posts.actions import do_purge_deleted_posts
from torg.posts.attachments import do_purge_unattached_uploads


@task()
def purge_deleted_posts() -> int:
    """Remove posts deleted more than 30 days ago (run daily)."""
    return do_purge_deleted_posts()


@task()
def purge_unattached_uploads() -> int:
    """Remove uploads that no post or comment took within a day (abandoned composers)."""
    return do_purge_unattached_uploads()
