"""``manage.py live_ingest``: the RTMP listener and the live transcoder (started by make run)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from torg.live.service import IngestService


class Command(BaseCommand):
    help = "Receive live broadcasts (RTMP and browser) and write their HLS playlists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="RTMP port (0: none)")
        parser.add_argument("--host", default=None, help="address to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] if options["port"] is not None else settings.RTMP_PORT
        service = IngestService(rtmp_host=options["host"], rtmp_port=port)
        done = threading.Event()

        def stop(signum: int, frame: Any) -> None:
            done.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        service.start()
        where = f"rtmp://{service.rtmp_host}:{port}/live/<stream key>" if port else "no RTMP"
        self.stdout.write(f"Live ingest running ({where}); writing to {settings.LIVE_ROOT}")
        done.wait()
        service.stop()
