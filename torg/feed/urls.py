from django.urls import path

from torg.feed import views

app_name = "feed"
urlpatterns = [
    path("topics/<str:name>/", views.topic, name="topic"),
    path("topics/<str:name>/follow/", views.follow_topic, name="follow_topic"),
    path("topics/<str:name>/unfollow/", views.unfollow_topic, name="unfollow_topic"),
    path("feed/settings/", views.feed_settings, name="settings"),
    path("feed/groups/<slug:slug>/", views.group_page, name="group_page"),
    path("feed/groups/<slug:slug>/in-feed/", views.set_group_in_feed, name="group_in_feed"),
    path("feed/people/<int:user_id>/", views.profile_page, name="profile_page"),
    path("feed/people/<int:user_id>/follow/", views.follow_person, name="follow_person"),
    path("feed/people/<int:user_id>/unfollow/", views.unfollow_person, name="unfollow_person"),
    path("feed/posts/<int:post_id>/seen-by/", views.seen_by, name="seen_by"),
]
