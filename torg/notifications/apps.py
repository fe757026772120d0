from datetime import timedelta

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "torg.notifications"
    label = "notifications"

    def ready(self) -> None:
        from torg.core import periodic
        from torg.notifications import tasks

        periodic.register(tasks.release_held_emails, every=timedelta(minutes=5))
        periodic.register(tasks.send_digests, every=timedelta(minutes=15))
