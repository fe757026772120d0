from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "torg.notifications"
    label = "notifications"
