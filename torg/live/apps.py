from datetime import timedelta

from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "torg.live"
    label = "live"

    def ready(self) -> None:
        from torg.core import periodic
        from torg.live import tasks

        periodic.register(tasks.send_due_live_reminders, every=timedelta(minutes=1))
        periodic.register(tasks.end_stale_broadcasts, every=timedelta(minutes=1))
