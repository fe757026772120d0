"""Background jobs for media. They take ids and call actions; safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.media import actions


@task(queue_name="media")
def transcode_video(video_id: int) -> str:
    """Transcode one uploaded video (queue "media": run its worker apart from the web)."""
    return actions.do_transcode_video(video_id=video_id)


@task()
def requeue_stuck_videos() -> list[int]:
    """Periodic: re-enqueue videos whose transcoding job died; give up after three tries."""
    requeued, failed = actions.do_requeue_stuck_videos()
    return [requeued, failed]


@task()
def purge_abandoned_uploads() -> int:
    """Periodic: remove resumable uploads left unfinished for two days, and the stored files of
    videos whose post or upload was purged."""
    return actions.do_purge_abandoned_uploads() + actions.do_purge_orphaned_video_files()
