from django.urls import path

from torg.media import views

app_name = "media"
urlpatterns = [
    path("<str:token>/files/<str:name>", views.video_file, name="file"),
    path("<str:token>/captions/<int:caption_id>.vtt", views.caption_file, name="caption"),
    path("<str:token>/status/", views.status, name="status"),
    path("<str:token>/stats/", views.stats, name="stats"),
    path("<str:token>/captions/", views.add_caption, name="add_caption"),
]
