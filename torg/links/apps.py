from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "torg.links"
    label = "links"
