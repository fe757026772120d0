"""The realtime benchmark's arithmetic and its bare baseline broadcaster."""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import realtime


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]  # 1..100
    assert realtime.percentile(values, 50) == 50.0
    assert realtime.percentile(values, 99) == 99.0
    assert realtime.percentile(values, 100) == 100.0
    assert realtime.percentile([7.0], 99) == 7.0
    assert realtime.percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_latencies_count_only_measured_events() -> None:
    deliveries = realtime.Deliveries()
    deliveries.sent_at = {1: 10.0, 2: 20.0}
    deliveries.arrived = {1: [10.010, 10.030], 2: [20.005], 3: [30.0]}  # 3: warm-up
    assert [round(ms, 3) for ms in deliveries.latencies_ms()] == [10.0, 30.0, 5.0]
    assert [round(ms, 3) for ms in deliveries.last_ms()] == [30.0, 5.0]


@pytest.mark.skipif(not os.environ.get("TORG_TEST_REDIS_URL"), reason="needs Redis")
def test_bare_broadcaster_forwards_every_message_to_every_client() -> None:
    import redis
    import websockets

    url = os.environ["TORG_TEST_REDIS_URL"]
    port = realtime._free_port()
    server = realtime.start_bare(port, url)
    try:

        async def body() -> list[list[dict[str, int]]]:
            clients = [await websockets.connect(f"ws://127.0.0.1:{port}/") for _ in range(3)]
            await asyncio.sleep(0.2)
            publisher = redis.Redis.from_url(url)
            for seq in (1, 2):
                publisher.publish(realtime.BARE_CHANNEL, json.dumps({"seq": seq}))
            got = [
                [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(2)]
                for ws in clients
            ]
            for ws in clients:
                await ws.close()
            return got

        # A fresh thread: browser tests in the same run leave an event loop in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            got = pool.submit(asyncio.run, body()).result()
        assert got == [[{"seq": 1}, {"seq": 2}]] * 3
    finally:
        server.terminate()
        server.wait(timeout=10)
