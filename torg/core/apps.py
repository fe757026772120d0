from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "torg.core"
    label = "core"
