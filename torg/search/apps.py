from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "torg.search"
    label = "search"
