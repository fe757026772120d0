"""An event caused by a request in one process reaches a WebSocket client of another process.

With TORG_TEST_DATABASE_URL and TORG_TEST_REDIS_URL set, a second server (uvicorn) runs on the
same test database and Redis; the WebSocket client connects to it over TCP. Without them, the
same request-to-WebSocket path runs in this process through the real ASGI app and the in-memory
layer (the assertions on the delivered event are the same; only the transport differs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.posts.models import Post
from torg.realtime.tests.conftest import communicator, run_async, session_cookie

TWO_PROCESSES = bool(
    os.environ.get("TORG_TEST_REDIS_URL")
    and os.environ.get("TORG_TEST_DATABASE_URL", "").startswith(("postgres", "postgresql"))
)


@pytest.fixture
def second_server(asgi_server: Callable[..., int]) -> int:
    return asgi_server(redis=True)


def _post_through_a_request(author: User, slug: str, body: str) -> Post:
    client = Client()
    client.force_login(author)
    response = client.post(reverse("posts:create"), {"body": body, "group": slug})
    assert response.status_code in (200, 302)
    return Post.objects.get(body=body)


def test_event_from_a_request_reaches_a_websocket(
    make_user: Callable[..., User], request: pytest.FixtureRequest
) -> None:
    owner, member = make_user(), make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    group_actions.do_add_member(group=group, user=member)
    if TWO_PROCESSES:
        port = request.getfixturevalue("second_server")
        _across_processes(port, owner, member, group.pk, group.slug)
    else:
        _in_process(owner, member, group.pk, group.slug)


def _across_processes(port: int, owner: User, member: User, group_id: int, slug: str) -> None:
    import websockets

    cookie = session_cookie(member).decode()

    async def body() -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/",
            additional_headers={"Cookie": cookie, "Origin": "http://localhost"},
        ) as ws:
            welcome = json.loads(await ws.recv(decode=True))
            assert welcome["type"] == "welcome"
            post = await database_sync_to_async(_post_through_a_request)(owner, slug, "Over Redis")
            event = json.loads(await _recv(ws))
            assert (event["kind"], event["ids"]) == (
                "post.created",
                {"post": post.pk, "author": owner.pk, "group": group_id},
            )

    run_async(body)


async def _recv(ws: Any) -> str:
    import asyncio

    return str(await asyncio.wait_for(ws.recv(decode=True), timeout=10))


def _in_process(owner: User, member: User, group_id: int, slug: str) -> None:
    cookie = session_cookie(member)

    async def body() -> None:
        ws = communicator(cookie)
        ok, _code = await ws.connect()
        assert ok
        assert (await ws.receive_json_from())["type"] == "welcome"
        post = await database_sync_to_async(_post_through_a_request)(owner, slug, "In process")
        event = await ws.receive_json_from()
        assert (event["kind"], event["ids"]) == (
            "post.created",
            {"post": post.pk, "author": owner.pk, "group": group_id},
        )
        await ws.disconnect()

    run_async(body)
