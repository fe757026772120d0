from django.urls import path

from torg.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.index, name="index"),
    path("questions/", views.questions, name="questions"),
    path("questions/<int:post_id>/", views.question, name="question"),
    path("questions/<int:post_id>/mark/", views.mark_question, name="mark_question"),
    path("questions/<int:post_id>/unmark/", views.unmark_question, name="unmark_question"),
    path("questions/<int:post_id>/unmark-best/", views.unmark_best, name="unmark_best"),
    path("answers/<int:comment_id>/best/", views.best_answer, name="best_answer"),
    path("answers/<int:comment_id>/vote/", views.vote, name="vote"),
    path("ask/", views.ask, name="ask"),
    path("compose-help/", views.compose_help, name="compose_help"),
    path("trending/", views.trending, name="trending"),
    path("groups/<slug:slug>/topics/", views.group_topics, name="group_topics"),
]
