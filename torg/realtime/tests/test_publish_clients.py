"""The after-commit publisher's kept Redis client is made once, however many threads publish.

Chat sends from many threads at once; when each made its own client, the one replaced in the
cache was garbage-collected and closed the socket another thread was publishing on (an event
lost with "Bad file descriptor"). Needs the Redis channel layer (TORG_TEST_REDIS_URL).
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import redis
from channels.layers import get_channel_layer

from torg.realtime import events

pytestmark = pytest.mark.skipif(
    not os.environ.get("TORG_TEST_REDIS_URL"),
    reason="publishing straight to Redis needs TORG_TEST_REDIS_URL",
)


def test_threads_publishing_at_once_share_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "_redis_clients", {})
    made: list[object] = []
    real_from_url = redis.Redis.from_url

    def counted_from_url(url: str, **options: object) -> redis.Redis:
        time.sleep(0.02)  # widen the window in which a second thread could make another
        client = real_from_url(url, **options)
        made.append(client)
        return client

    monkeypatch.setattr(redis.Redis, "from_url", counted_from_url)
    layer = get_channel_layer()
    start = threading.Barrier(16)
    failures: list[BaseException] = []

    def publish(n: int) -> None:
        start.wait()
        try:
            assert events._publish_to_redis(layer, [(f"group-{n}", {"type": "x.y", "n": n})])
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(made) == 1
    assert list(events._redis_clients.values()) == made
