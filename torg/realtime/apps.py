from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "torg.realtime"
    label = "realtime"
