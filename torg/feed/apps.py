from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "torg.feed"
    label = "feed"
