from django.urls import path

from torg.links import views

app_name = "links"

urlpatterns = [
    path("previews/<int:preview_id>/image", views.preview_image, name="preview-image"),
]
