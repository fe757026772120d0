"""Comment and reaction URLs; included by torg/urls.py under "posts/" (namespace "comments")."""

from django.urls import path

from torg.posts import comment_views

app_name = "comments"

urlpatterns = [
    path("<int:post_id>/comments/", comment_views.comments, name="list"),
    path("<int:post_id>/reaction/", comment_views.react_post, name="react_post"),
    path("<int:post_id>/reactions/", comment_views.post_reactions, name="post_reactions"),
    path("comments/<int:comment_id>/", comment_views.comment_detail, name="detail"),
    path("comments/<int:comment_id>/replies/", comment_views.replies, name="replies"),
    path("comments/<int:comment_id>/reply/", comment_views.reply_form, name="reply_form"),
    path("comments/<int:comment_id>/edit/", comment_views.edit, name="edit"),
    path("comments/<int:comment_id>/delete/", comment_views.delete, name="delete"),
    path("comments/<int:comment_id>/reaction/", comment_views.react_comment, name="react_comment"),
    path(
        "comments/<int:comment_id>/reactions/",
        comment_views.comment_reactions,
        name="comment_reactions",
    ),
]
