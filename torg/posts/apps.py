from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "torg.posts"
    label = "posts"
