from django.urls import path

from torg.announcements import views

app_name = "announcements"
urlpatterns = [
    path("posts/<int:post_id>/mark/", views.mark, name="mark"),
    path("posts/<int:post_id>/unmark/", views.unmark, name="unmark"),
    path("posts/<int:post_id>/read/", views.read, name="read"),
    path("posts/<int:post_id>/receipts/", views.receipts, name="receipts"),
    path("posts/<int:post_id>/receipts.csv", views.receipts_export, name="receipts_csv"),
]
