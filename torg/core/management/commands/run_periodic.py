"""Enqueue periodic jobs when they are due (see ``torg.core.periodic``)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from torg.core import periodic


class Command(BaseCommand):
    help = "Enqueue the registered periodic jobs when due; loops until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Check once and exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        while True:
            for name in periodic.enqueue_due():
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(settings.TORG_PERIODIC_TICK)
