"""Re-create the whole search index from the database (see torg/search/rebuild.py)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from torg.search.rebuild import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of posts, comments, files, people, groups and topics."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        counts = rebuild(report=lambda line: self.stdout.write(line))
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {total} documents in {time.monotonic() - started:.1f} s.")
        )
