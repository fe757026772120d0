"""WebSocket routes. The realtime app (notifications issue) adds its consumers here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
