from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from torg.people.demo import DemoExists, seed_demo


class Command(BaseCommand):
    help = "Seed the demo organisation, Fjordlys Consulting (deterministic; about 300 people)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has any account.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = seed_demo(if_empty=options["if_empty"])
        except DemoExists as exc:
            raise CommandError(
                "The demo organisation already exists; nothing was changed."
            ) from exc
        self.stdout.write(result.summary())
