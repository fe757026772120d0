from datetime import timedelta

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "torg.insights"
    label = "insights"

    def ready(self) -> None:
        from torg.core import periodic
        from torg.insights import tasks

        # Hourly: today's and yesterday's rows are recomputed, so late events are counted.
        periodic.register(tasks.roll_up_recent_days, every=timedelta(hours=1))
