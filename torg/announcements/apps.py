from datetime import timedelta

from django.apps import AppConfig


class AnnouncementsConfig(AppConfig):
    name = "torg.announcements"
    label = "announcements"

    def ready(self) -> None:
        from torg.announcements import tasks
        from torg.core import periodic

        periodic.register(tasks.send_due_reminders, every=timedelta(minutes=5))
        periodic.register(tasks.notify_closed_polls, every=timedelta(minutes=5))
