from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "torg.groups"
    label = "groups"
