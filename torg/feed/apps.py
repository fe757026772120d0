from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "torg.feed"
    label = "feed"

    def ready(self) -> None:
        from torg.feed.sources_cache import connect_signals

        connect_signals()
