"""Test-only middleware: how many requests the live server is answering right now.

Browser journeys end while a page may still have a request in flight (a video's view beacon, an
htmx poll). pytest-django then empties the database with one TRUNCATE of every table, which on
PostgreSQL can deadlock with such a request's transaction (seen in CI: the next test found the
previous test's rows). The page fixtures close their browser context and then wait here until
the server has answered everything it had started (torg/core/tests/browser/fixtures.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

_lock = threading.Condition()
_in_flight = 0


class InFlightMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        global _in_flight
        with _lock:
            _in_flight += 1
        try:
            return self.get_response(request)
        finally:
            with _lock:
                _in_flight -= 1
                _lock.notify_all()


def wait_until_idle(timeout: float = 10.0) -> bool:
    """Wait until no request is being answered; False if some still was after ``timeout``."""
    deadline = time.monotonic() + timeout
    with _lock:
        while _in_flight:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _lock.wait(left)
    return True
