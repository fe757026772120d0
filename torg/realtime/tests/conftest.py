"""Fixtures for realtime tests: people, groups and WebSocket clients on the real ASGI app."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from torg.accounts.models import User

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # Each test runs its own event loop; a layer (and its queues) must not outlive it.
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture
def make_user(transactional_db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        email = fields.pop("email", f"rt{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name or f"P {number}", **fields)

    return make


def run_async(body: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body to the end in a fresh thread and event loop.

    A fresh thread, because Playwright's sync API (browser tests in the same process) leaves
    an event loop in the test thread, where ``async_to_sync`` refuses to run.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            pool.submit(async_to_sync(body)).result()
        finally:
            # Thread-sensitive ORM calls ran in the pool's thread: close its connections there.
            pool.submit(connections.close_all).result()


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class WebsocketCommunicator(ApplicationCommunicator):  # type: ignore[misc]
    """A WebSocket client for an ASGI app in this process.

    ``channels.testing`` cannot be imported without daphne, which is not installed.
    """

    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {"type": "websocket", "path": path, "query_string": b"", "headers": headers}
        super().__init__(application, scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept"
        return True, response.get("subprotocol")

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def communicator(cookie: bytes | None = None) -> WebsocketCommunicator:
    from torg.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _test_database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    url = urlsplit(os.environ["TORG_TEST_DATABASE_URL"])
    return urlunsplit(url._replace(path=f"/{name}"))


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[Callable[..., int]]:
    """Start uvicorn serving torg.asgi on this run's test database; returns its port.

    ``redis=True`` shares this process's Redis channel layer (TORG_TEST_REDIS_URL).
    """
    servers: list[subprocess.Popen[bytes]] = []

    def start(*, redis: bool = False) -> int:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TORG_")}
        env.update(
            DJANGO_SETTINGS_MODULE="torg.settings",
            TORG_DATABASE_URL=_test_database_url(),
            TORG_SECRET_KEY=settings.SECRET_KEY,
            TORG_TASK_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
            TORG_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        )
        if redis:
            env["TORG_REDIS_URL"] = os.environ["TORG_TEST_REDIS_URL"]
            env["TORG_CACHE_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "torg.asgi:application", "--port", str(port)],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        # Generous: on a loaded 2-CPU machine importing Django and the apps took over 30 s.
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the ASGI server did not start") from None
                time.sleep(0.2)

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
