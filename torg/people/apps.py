from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "torg.people"
    label = "people"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from torg.people.selectors import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="torg_people_sqlite")
