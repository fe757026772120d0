from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "torg.api"
    label = "api"
