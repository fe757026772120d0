from django.urls import path

from torg.people import views

app_name = "people"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:user_id>/", views.profile, name="profile"),
    path("<int:user_id>/org-chart/", views.orgchart, name="orgchart"),
    path("<int:user_id>/avatar", views.avatar, name="avatar"),
]
