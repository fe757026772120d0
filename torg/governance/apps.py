from datetime import timedelta

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "torg.governance"
    label = "governance"

    def ready(self) -> None:
        from torg.core import periodic
        from torg.governance import signals, tasks

        signals.connect()
        periodic.register(tasks.flag_inactive_groups, every=timedelta(days=1))
        periodic.register(tasks.apply_retention, every=timedelta(days=1))
