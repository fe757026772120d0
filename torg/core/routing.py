"""WebSocket routes."""

from django.urls import URLPattern, path

from torg.realtime.consumers import RealtimeConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/", RealtimeConsumer.as_asgi()),
]
