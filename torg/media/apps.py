from datetime import timedelta

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "torg.media"
    label = "media"

    def ready(self) -> None:
        from torg.core import periodic
        from torg.media import tasks

        periodic.register(tasks.requeue_stuck_videos, every=timedelta(minutes=5))
        periodic.register(tasks.purge_abandoned_uploads, every=timedelta(hours=6))
