from django.urls import path

from torg.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("with/<int:user_id>/", views.start_direct, name="start-direct"),
    path("groups/<slug:slug>/", views.group_chat, name="group"),
    path("nav/", views.nav_link, name="nav"),
    path("files/<int:file_id>/", views.file, name="file"),
    path("files/<int:file_id>/thumbnail/", views.thumbnail, name="thumbnail"),
]
