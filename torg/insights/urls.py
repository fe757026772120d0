from django.urls import path

from torg.insights import views, views_posts, views_topics

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("nav/", views.nav, name="nav"),
    path("network/", views.network, name="network"),
    path("network/csv/<slug:table>/", views.network_csv, name="network_csv"),
    path("groups/<slug:slug>/", views.group, name="group"),
    path("groups/<slug:slug>/csv/<slug:table>/", views.group_csv, name="group_csv"),
    path("posts/<int:post_id>/", views_posts.post, name="post"),
    path("posts/<int:post_id>/csv/<slug:table>/", views_posts.post_csv, name="post_csv"),
    # Topics and questions, people (views_topics.py)
    path("topics/", views_topics.network_topics, name="topics"),
    path("topics/csv/<slug:table>/", views_topics.network_topics_csv, name="topics_csv"),
    path("people/", views_topics.network_people, name="people"),
    path("people/csv/<slug:table>/", views_topics.network_people_csv, name="people_csv"),
    path("groups/<slug:slug>/topics/", views_topics.group_topics, name="group_topics"),
    path(
        "groups/<slug:slug>/topics/csv/<slug:table>/",
        views_topics.group_topics_csv,
        name="group_topics_csv",
    ),
    path("groups/<slug:slug>/people/", views_topics.group_people, name="group_people"),
    path(
        "groups/<slug:slug>/people/csv/<slug:table>/",
        views_topics.group_people_csv,
        name="group_people_csv",
    ),
]
