from django.urls import path

from torg.posts import views

app_name = "posts"
urlpatterns = [
    path("new/", views.create, name="create"),
    path("compose/", views.compose, name="compose"),
    path("mention-suggestions", views.mention_suggestions, name="mention_suggestions"),
    path("attachments/", views.upload, name="upload"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("attachments/<int:attachment_id>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("<int:post_id>/", views.detail, name="detail"),
    path("<int:post_id>/edit/", views.edit, name="edit"),
    path("<int:post_id>/history/", views.history, name="history"),
    path("<int:post_id>/delete/", views.delete, name="delete"),
    path("<int:post_id>/restore/", views.restore, name="restore"),
    path("<int:post_id>/pin/", views.pin, name="pin"),
    path("<int:post_id>/unpin/", views.unpin, name="unpin"),
    path("<int:post_id>/share/", views.share, name="share"),
    path("<int:post_id>/vote/", views.vote, name="vote"),
]
