from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "torg.people"
    label = "people"
