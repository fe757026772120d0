from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from torg.accounts.models import User


class Command(BaseCommand):
    help = "Seed the demo organisation (placeholder until the full seed lands)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            return
        User.objects.create_superuser("admin@demo.torg.example", "torg-demo", name="Demo Admin")
