"""Fixtures for chat tests: people, groups, conversations and chat WebSocket clients."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.test import Client

from torg.accounts.models import User
from torg.chat import actions
from torg.chat.models import Conversation, Message
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.realtime.tests.conftest import WebsocketCommunicator

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # Each test runs its own event loop; a layer (and its queues) must not outlive it.
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _close_send_threads() -> Iterator[None]:
    # The consumer's send threads keep their database connections; close them after each
    # test, or PostgreSQL refuses to drop the test database at the end.
    yield
    from torg.chat.consumers import close_send_connections

    close_send_connections()


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        email = fields.pop("email", f"chat{number}@example.com")
        return User.objects.create_user(
            email, "pw-123456789", name=name or f"Person {number}", **fields
        )

    return make


def make_group(owner: User, name: str, privacy: str = "closed") -> Group:
    return group_actions.do_create_group(actor=owner, name=name, privacy=privacy)


def send(
    actor: User, conversation: Conversation, body: str, client_id: str | None = None
) -> Message:
    message, _created = actions.do_send_message(
        actor=actor,
        conversation=conversation,
        body=body,
        client_id=client_id or f"c{next(_numbers)}",
    )
    return message


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chat_socket(cookie: bytes | None = None) -> WebsocketCommunicator:
    from torg.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/chat/", headers=headers)


@pytest.fixture
def chat_server(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    """uvicorn serving torg.asgi (HTTP and WebSocket) on this run's test database; its URL."""
    yield from serve_asgi(tmp_path, "django.tasks.backends.immediate.ImmediateBackend")


def serve_asgi(tmp_path: Path, task_backend: str) -> Iterator[str]:
    """Run uvicorn on this run's test database with ``task_backend``; yield its URL.

    Its output goes to a log file that a failing test prints.
    """
    from torg.realtime.tests.conftest import _free_port, _test_database_url

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORG_")}
    env.update(
        DJANGO_SETTINGS_MODULE="torg.settings",
        TORG_DATABASE_URL=_test_database_url(),
        TORG_SECRET_KEY=settings.SECRET_KEY,
        TORG_TASK_BACKEND=task_backend,
        TORG_MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "torg.asgi:application", "--port", str(port)],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        f"the ASGI server did not start: {log.read_text()}"
                    ) from None
                time.sleep(0.2)
        yield f"http://localhost:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        errors = log.read_text(errors="replace")
        if "Traceback" in errors:
            print(errors[-5000:])
