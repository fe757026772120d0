from django.urls import path

from torg.live import views

app_name = "live"

urlpatterns = [
    path("new/<slug:slug>/", views.new, name="new"),
    path("<int:broadcast_id>/", views.watch, name="watch"),
    path("<int:broadcast_id>/start/", views.start, name="start"),
    path("<int:broadcast_id>/stop/", views.stop, name="stop"),
    path("<int:broadcast_id>/key/", views.rotate_key, name="rotate_key"),
    path("<int:broadcast_id>/heartbeat/", views.heartbeat, name="heartbeat"),
    path(
        "<int:broadcast_id>/chunks/<int:session>/<int:seq>/",
        views.chunk,
        name="chunk",
    ),
    path("<int:broadcast_id>/hls/<str:name>", views.hls, name="hls"),
]
