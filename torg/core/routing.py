"""WebSocket routes."""

from django.urls import URLPattern, path

from torg.chat.consumers import ChatConsumer
from torg.realtime.consumers import RealtimeConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/", RealtimeConsumer.as_asgi()),
    path("ws/chat/", ChatConsumer.as_asgi()),
]
