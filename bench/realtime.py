"""Realtime benchmark (issue 4): WebSocket fan-out latency and notification fan-out time.

    .venv/bin/python -m bench.realtime \\
        --database-url postgres://postgres@127.0.0.1:5432/torg_bench_realtime \\
        --redis-url redis://127.0.0.1:6379/5

1. WebSocket fan-out. ``--clients`` (2,000) signed-in people each hold one WebSocket to Torg
   (``--servers`` uvicorn processes serving torg.asgi with TORG_REDIS_URL set; clients spread
   round-robin) and one to a bare baseline: a minimal asyncio ``websockets`` broadcaster (no
   Django) that forwards every message of one Redis pub/sub channel to all its clients. All
   clients live in this process (one asyncio loop), and the same client code reads both: by
   default (``--no-compression``) a minimal frame reader (``_LeanClient``: handshake, frames,
   pongs; the arrival is stamped when the bytes are read, before any parsing), else the
   ``websockets`` client (``--client websockets``; needed for permessage-deflate), which costs
   several times more CPU per frame on the same 2 CPUs as the servers. The thread running the
   clients reports its CPU per event. Each round publishes one event to each, in
   turn: Torg — ``do_create_post`` in a group all clients are members of, timestamped when the
   transaction commits (an on-commit hook registered before the action's own); baseline —
   ``PUBLISH`` of a message carrying its timestamp. Each client records when the event arrived;
   the latency is arrival minus commit (or publish). Reported: p50/p99 over every delivery,
   and the p99 of each round's last delivery.
2. Notification fan-out. A ``--members`` (5,000) member group in which everyone chose "All
   posts"; ``notify_post_created`` for a new post is timed end to end (recipients computed,
   notifications written, one realtime event per recipient sent to Redis after commit).

The dataset (people ``rt<n>@bench-realtime.torg.example``, two groups, sessions) is made on
first use in the database given (created if missing; migrated). Posts made here are deleted at
the end. Nothing here is imported by Torg.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.feed import git_revision, machine

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "rt{n}@bench-realtime.torg.example"
FANOUT_GROUP = "Realtime bench fan-out"
NOTIFY_GROUP = "Realtime bench notifications"
BARE_CHANNEL = "bench-realtime-bare"
ORIGIN = "http://localhost"


# --- statistics -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


@dataclass
class Deliveries:
    """Arrival times per event key, and the time each event was committed or published."""

    sent_at: dict[Any, float] = field(default_factory=dict)
    arrived: dict[Any, list[float]] = field(default_factory=dict)

    def latencies_ms(self) -> list[float]:
        return [
            (t - self.sent_at[key]) * 1000
            for key, times in self.arrived.items()
            if key in self.sent_at
            for t in times
        ]

    def last_ms(self) -> list[float]:
        return [
            (max(times) - self.sent_at[key]) * 1000
            for key, times in self.arrived.items()
            if key in self.sent_at and times
        ]


# --- the bare baseline: Redis pub/sub to a minimal websockets broadcaster -------------------------


async def _broadcaster(port: int, redis_url: str) -> None:
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast, serve

    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    redis = aioredis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(BARE_CHANNEL)
    async with serve(handler, "127.0.0.1", port, backlog=4096):
        print("ready", flush=True)
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"].decode())


# --- servers --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"server on port {port} did not start") from None
            time.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_torg(port: int, env: dict[str, str], ws: str = "auto") -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "torg.asgi:application", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning", "--backlog", "4096", "--ws", ws]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    _wait_for_port(port, process)
    return process


def start_bare(port: int, redis_url: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.realtime", "broadcaster", "--port", str(port)]
    command += ["--redis-url", redis_url]
    process = subprocess.Popen(command, cwd=ROOT)
    _wait_for_port(port, process)
    return process


# --- clients --------------------------------------------------------------------------------------


COMPRESSION: dict[str, str | None] = {"compression": "deflate"}


async def _client(
    url: str,
    headers: dict[str, str],
    torg: Deliveries,
    bare: Deliveries,
    ready: asyncio.Event,
    done: asyncio.Event,
) -> None:
    import websockets

    compression = COMPRESSION["compression"]
    async with websockets.connect(
        url, additional_headers=headers, open_timeout=60, compression=compression
    ) as ws:
        ready.set()
        async for raw in ws:
            _record(raw, time.time(), torg, bare)
            if done.is_set():
                return


def _record(raw: str | bytes, now: float, torg: Deliveries, bare: Deliveries) -> None:
    """Note the arrival of one text frame: a baseline message or a Torg post event."""
    data = json.loads(raw)
    if "seq" in data:
        bare.arrived.setdefault(data["seq"], []).append(now)
    elif data.get("type") == "event" and data.get("kind") == "post.created":
        torg.arrived.setdefault(data["ids"]["post"], []).append(now)


class _LeanClient(asyncio.Protocol):
    """A minimal WebSocket client (RFC 6455) for the fan-out: the opening handshake, then it
    reads server frames, stamps each read with ``time.time()`` *before* parsing anything, and
    answers pings. No compression, no fragmentation (the servers here send neither for these
    small messages; a fragmented or compressed frame is an error, not a silent miss).

    Why not the ``websockets`` client: all 4,000 clients share one process on the same 2 CPUs
    as the servers, and the ``websockets`` client spends tens of µs of Python per received
    frame (its reader task, frame parser, assembler, async iterator), so with 2,000 frames per
    event the last clients' reads waited for the others' processing. This client does the
    least per frame; Torg and the baseline are read by the same code, so the comparison stays
    fair.
    """

    def __init__(self, request: bytes, key: str, torg: Deliveries, bare: Deliveries) -> None:
        self.request = request
        self.accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        )
        self.torg, self.bare = torg, bare
        self.buffer = b""
        self.upgraded = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport subclasses

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            head, sep, rest = buffer.partition(b"\r\n\r\n")
            if not sep:
                self.buffer = buffer
                return
            lines = head.split(b"\r\n")
            accept = [
                line.split(b":", 1)[1].strip()
                for line in lines[1:]
                if line.lower().startswith(b"sec-websocket-accept:")
            ]
            if not lines[0].startswith(b"HTTP/1.1 101") or accept != [self.accept]:
                self.opened.set_exception(ConnectionError(f"handshake refused: {lines[0]!r}"))
                self._close()
                return
            self.upgraded = True
            self.opened.set_result(None)
            buffer = rest
        offset, size = 0, len(buffer)
        while size - offset >= 2:
            first, second = buffer[offset], buffer[offset + 1]
            length, start = second & 0x7F, offset + 2
            if second & 0x80 or first & 0x70:
                raise ConnectionError("masked or compressed frame from a server")
            if length == 126:
                if size - start < 2:
                    break
                length, start = int.from_bytes(buffer[start : start + 2]), start + 2
            elif length == 127:
                if size - start < 8:
                    break
                length, start = int.from_bytes(buffer[start : start + 8]), start + 8
            if size - start < length:
                break
            payload = buffer[start : start + length]
            offset = start + length
            opcode = first & 0x0F
            if not first & 0x80:
                raise ConnectionError("fragmented frame")
            if opcode == 0x1:
                _record(payload, now, self.torg, self.bare)
            elif opcode == 0x9:
                self._send(0xA, payload)  # pong
            elif opcode == 0x8:
                self._close()
                return
        self.buffer = buffer[offset:]

    def _send(self, opcode: int, payload: bytes) -> None:
        """A masked frame (clients must mask); control frames only (< 126 bytes)."""
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def _lean_client(
    url: str, headers: dict[str, str], torg: Deliveries, bare: Deliveries
) -> asyncio.Transport:
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        lambda: _LeanClient(request, key, torg, bare), parts.hostname, parts.port
    )
    await asyncio.wait_for(protocol.opened, timeout=60)
    return transport


async def _open_clients(
    urls_and_headers: list[tuple[str, dict[str, str]]],
    torg: Deliveries,
    bare: Deliveries,
    done: asyncio.Event,
    batch: int = 50,
) -> list[asyncio.Task[None]]:
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, len(urls_and_headers), batch):
        ready = [asyncio.Event() for _ in urls_and_headers[start : start + batch]]
        for (url, headers), event in zip(
            urls_and_headers[start : start + batch], ready, strict=True
        ):
            tasks.append(asyncio.create_task(_client(url, headers, torg, bare, event, done)))
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ready)), timeout=120)
    return tasks


async def _open_lean_clients(
    urls_and_headers: list[tuple[str, dict[str, str]]],
    torg: Deliveries,
    bare: Deliveries,
    batch: int = 50,
) -> list[asyncio.Transport]:
    transports: list[asyncio.Transport] = []
    for start in range(0, len(urls_and_headers), batch):
        transports += await asyncio.gather(
            *(
                _lean_client(url, headers, torg, bare)
                for url, headers in urls_and_headers[start : start + batch]
            )
        )
    return transports


# --- Django side ----------------------------------------------------------------------------------


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ["TORG_DATABASE_URL"] = database_url
    os.environ["TORG_REDIS_URL"] = redis_url
    os.environ.setdefault("TORG_CACHE_PREFIX", f"torgbench{os.getpid()}")
    # Tasks are enqueued and dropped: notifications are measured on their own (part 2), and an
    # enqueue is all a post's request pays for them in production.
    os.environ["TORG_TASK_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "torg.settings"
    import django

    django.setup()


def ensure_database(database_url: str) -> None:
    if not database_url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(people: int, clients: int, members: int) -> dict[str, Any]:
    """People, the two groups and their levels; made once, reused after."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F

    from torg.accounts.models import User
    from torg.groups.models import Group, Membership
    from torg.notifications.models import GroupNotificationLevel

    call_command("migrate", verbosity=0)
    existing = set(
        User.objects.filter(email__endswith="@bench-realtime.torg.example").values_list(
            "email", flat=True
        )
    )
    password = make_password(secrets.token_urlsafe(16))
    made = User.objects.bulk_create(
        [
            User(email=EMAIL.format(n=n), name=f"Bench Person {n}", password=password)
            for n in range(people)
            if EMAIL.format(n=n) not in existing
        ],
        batch_size=1000,
    )
    new_rows = len(made)
    by_email = dict(
        User.objects.filter(email__endswith="@bench-realtime.torg.example").values_list(
            "email", "pk"
        )
    )
    ids = [by_email[EMAIL.format(n=n)] for n in range(people)]
    author = User.objects.get(pk=ids[0])

    def group_of(name: str, size: int, level: str | None) -> Group:
        nonlocal new_rows
        group, created = Group.objects.get_or_create(
            name=name,
            defaults={"slug": name.lower().replace(" ", "-"), "privacy": "closed"},
        )
        with transaction.atomic():
            have = set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
            new = [uid for uid in ids[:size] if uid not in have]
            Membership.objects.bulk_create(
                [
                    Membership(
                        group=group, user_id=uid, role="admin" if uid == ids[0] else "member"
                    )
                    for uid in new
                ],
                batch_size=1000,
            )
            Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + len(new))
            new_rows += len(new)
            if level is not None:
                GroupNotificationLevel.objects.bulk_create(
                    [
                        GroupNotificationLevel(user_id=uid, group=group, level=level)
                        for uid in ids[:size]
                    ],
                    ignore_conflicts=True,
                    batch_size=1000,
                )
        del created
        return group

    fanout = group_of(FANOUT_GROUP, clients, None)
    notify = group_of(NOTIFY_GROUP, members, "all")
    if new_rows and connection.vendor == "postgresql":
        # Planner statistics for the new rows now, as autovacuum would soon after: the first
        # runs on a just-made dataset otherwise plan with empty-table estimates.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"author": author, "fanout": fanout, "notify": notify, "client_ids": ids[:clients]}


def sign_in(user_ids: list[int]) -> list[str]:
    """A session cookie for each person (sessions as a sign-in makes them, in one insert)."""
    from django.conf import settings
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from torg.accounts.models import User

    sessions, cookies = [], []
    expires = timezone.now() + dt.timedelta(hours=2)
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        store = SessionStore()
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[-1],
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    Session.objects.bulk_create(sessions, batch_size=1000)
    return cookies


# --- part 1: WebSocket fan-out --------------------------------------------------------------------


def websocket_fanout(
    *,
    author: Any,
    group: Any,
    cookies: list[str],
    servers: int,
    rounds: int,
    warmup: int,
    redis_url: str,
    database_url: str,
    client: str = "lean",
    ws: str = "auto",
) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections, transaction

    from torg.posts.actions import do_create_post
    from torg.posts.models import Post

    env = {k: v for k, v in os.environ.items() if not k.startswith("TORG_")}
    env.update(
        DJANGO_SETTINGS_MODULE="torg.settings",
        TORG_DATABASE_URL=database_url,
        TORG_REDIS_URL=redis_url,
        TORG_CACHE_PREFIX=os.environ["TORG_CACHE_PREFIX"],
        TORG_SECRET_KEY=settings.SECRET_KEY,
        TORG_ALLOWED_HOSTS="localhost,127.0.0.1",
    )
    torg_ports = [_free_port() for _ in range(servers)]
    bare_port = _free_port()
    processes = [start_torg(port, env, ws) for port in torg_ports]
    processes.append(start_bare(bare_port, redis_url))
    torg, bare = Deliveries(), Deliveries()
    cpu: dict[str, Any] = {}
    made: list[int] = []
    worker = ThreadPoolExecutor(max_workers=1)  # Django work in one thread, one connection
    import redis

    publisher = redis.Redis.from_url(redis_url)

    def publish_torg(n: int) -> tuple[int, float]:
        stamp: dict[str, float] = {}
        with transaction.atomic():
            transaction.on_commit(lambda: stamp.setdefault("t", time.time()))
            post = do_create_post(author=author, group=group, body=f"Realtime benchmark {n}")
        made.append(post.pk)
        return post.pk, stamp["t"]

    def publish_bare(n: int) -> tuple[int, float]:
        sent = time.time()
        publisher.publish(BARE_CHANNEL, json.dumps({"seq": n, "t": sent}))
        return n, sent

    async def run() -> None:
        done = asyncio.Event()
        targets = []
        for i, cookie in enumerate(cookies):
            port = torg_ports[i % servers]
            targets.append((f"ws://127.0.0.1:{port}/ws/", {"Cookie": cookie, "Origin": ORIGIN}))
            targets.append((f"ws://127.0.0.1:{bare_port}/", {"Origin": ORIGIN}))
        started = time.monotonic()
        tasks: list[asyncio.Task[None]] = []
        transports: list[asyncio.Transport] = []
        if client == "lean":
            transports = await _open_lean_clients(targets, torg, bare)
        else:
            tasks = await _open_clients(targets, torg, bare, done)
        opened = len(tasks) + len(transports)
        print(f"  {opened} connections open in {time.monotonic() - started:.1f} s", flush=True)
        await asyncio.sleep(2)  # welcome messages, subscriptions settle
        loop = asyncio.get_running_loop()
        expected = len(cookies)
        client_cpu = {"torg": 0.0, "bare": 0.0}
        for n in range(warmup + rounds):
            if n == warmup:
                cpu["start"] = [cpu_seconds(process.pid) for process in processes]
            for name, publish, deliveries in (
                ("torg", publish_torg, torg),
                ("bare", publish_bare, bare),
            ):
                # This thread runs every client: its CPU until the last frame has arrived.
                thread_started = time.thread_time()
                key, sent = await loop.run_in_executor(worker, publish, n)
                deadline = time.monotonic() + 10
                while len(deliveries.arrived.get(key, ())) < expected:
                    if time.monotonic() > deadline:
                        got = len(deliveries.arrived.get(key, ()))
                        raise RuntimeError(f"{name} event {n}: {got} of {expected} arrived")
                    await asyncio.sleep(0.005)
                if n >= warmup:
                    deliveries.sent_at[key] = sent
                    client_cpu[name] += time.thread_time() - thread_started
                await asyncio.sleep(0.2)
        cpu["end"] = [cpu_seconds(process.pid) for process in processes]
        cpu["client"] = client_cpu
        done.set()
        for transport in transports:
            transport.abort()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        _run(run())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        worker.submit(lambda: Post.objects.filter(pk__in=made).delete()).result()
        worker.submit(connections.close_all).result()
        worker.shutdown()
    used = [end - start for start, end in zip(cpu["start"], cpu["end"], strict=True)]
    return {
        "torg": torg,
        "bare": bare,
        # CPU per event (ms) of each Torg process, and of the broadcaster (the last process).
        "cpu_ms": {
            "torg": [seconds * 1000 / rounds for seconds in used[:-1]],
            "bare": [used[-1] * 1000 / rounds],
        },
        # CPU per event (ms) of the thread running all the clients, from publish to last frame.
        "client_cpu_ms": {name: seconds * 1000 / rounds for name, seconds in cpu["client"].items()},
    }


# --- part 2: notification fan-out -----------------------------------------------------------------


def notification_fanout(
    *, author: Any, group: Any, runs: int
) -> list[tuple[float, float, int, int]]:
    """(seconds, CPU seconds of this process, notifications made, queries) per run of
    notify_post_created."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from torg.notifications.delivery import notify_post_created
    from torg.notifications.models import Notification
    from torg.posts.actions import do_create_post
    from torg.posts.models import Post

    results = []
    for n in range(runs):
        post = do_create_post(author=author, group=group, body=f"Notification benchmark {n}")
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            told = notify_post_created(post.pk)
            seconds = time.perf_counter() - started
            cpu_used = time.process_time() - cpu_started
        made = Notification.objects.filter(post=post).count()
        assert made == len(told), (made, len(told))
        results.append((seconds, cpu_used, made, len(queries)))
        Post.objects.filter(pk=post.pk).delete()
    return results


# --- command line ---------------------------------------------------------------------------------


def _run(main: Any) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        asyncio.run(main, loop_factory=uvloop.new_event_loop)


def _raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__)
    parser.add_argument(
        "mode", nargs="?", default="all", choices=["all", "websocket", "notify", "broadcaster"]
    )
    parser.add_argument("--database-url", default=os.environ.get("TORG_BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("TORG_BENCH_REDIS_URL", ""))
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=2, help="uvicorn processes for Torg")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--notify-runs", type=int, default=5)
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="clients do not offer permessage-deflate (browsers do; servers accept it by default)",
    )
    parser.add_argument(
        "--client",
        choices=["lean", "websockets"],
        default=None,
        help="the clients: a minimal frame reader (default without compression) or the "
        "websockets library (default, and required, with compression)",
    )
    parser.add_argument(
        "--ws",
        choices=["auto", "websockets", "websockets-sansio", "wsproto"],
        default="auto",
        help="uvicorn's WebSocket implementation for the Torg processes",
    )
    parser.add_argument("--port", type=int, default=0, help="broadcaster mode only")
    args = parser.parse_args(argv)
    if args.no_compression:
        COMPRESSION["compression"] = None
    if args.client is None:
        args.client = "lean" if args.no_compression else "websockets"
    if args.client == "lean" and not args.no_compression:
        parser.error("--client lean does not offer compression: add --no-compression")
    _raise_open_files()
    if not args.redis_url:
        parser.error("--redis-url (or TORG_BENCH_REDIS_URL) is required")
    if args.mode == "broadcaster":
        _run(_broadcaster(args.port, args.redis_url))  # uvloop when present, as uvicorn does
        return 0
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (several processes share it)")

    ensure_database(args.database_url)
    setup_django(args.database_url, args.redis_url)
    from django.db import connection

    people = max(args.clients, args.members)
    started = time.monotonic()
    data = prepare(people, args.clients, args.members)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"database: PostgreSQL {cursor.fetchone()[0]}; Redis at {args.redis_url}")
    print(f"code under test: git {git_revision()} + working tree")
    print(f"dataset ready in {time.monotonic() - started:.1f} s ({people:,} people)")

    if args.mode in ("all", "notify"):
        print(f"\nnotify_post_created, group of {args.members:,}, everyone at 'All posts':")
        results = notification_fanout(
            author=data["author"], group=data["notify"], runs=args.notify_runs
        )
        for seconds, cpu_used, made, queries in results:
            print(
                f"  {seconds:.3f} s (CPU of this process {cpu_used:.3f} s)  "
                f"{made:,} notifications  {queries} queries"
            )
        times = [r[0] for r in results]
        print(f"  median {statistics.median(times):.3f} s, worst {max(times):.3f} s (target 2 s)")

    if args.mode in ("all", "websocket"):
        connection.close()
        print(
            f"\nWebSocket fan-out: {args.clients:,} clients, {args.servers} Torg processes, "
            f"{args.rounds} rounds (+{args.warmup} warm-up), "
            f"compression {'off' if args.no_compression else 'on (permessage-deflate)'}, "
            f"{args.client} clients, uvicorn --ws {args.ws}:",
            flush=True,
        )
        from django.contrib.sessions.models import Session

        cookies = sign_in(data["client_ids"])
        connection.close()
        result = websocket_fanout(
            author=data["author"],
            group=data["fanout"],
            cookies=cookies,
            servers=args.servers,
            rounds=args.rounds,
            warmup=args.warmup,
            redis_url=args.redis_url,
            database_url=args.database_url,
            client=args.client,
            ws=args.ws,
        )
        Session.objects.filter(session_key__in=[c.split("=", 1)[1] for c in cookies]).delete()
        for name in ("torg", "bare"):
            deliveries: Deliveries = result[name]
            latencies = deliveries.latencies_ms()
            last = deliveries.last_ms()
            label = "Torg (Django Channels)" if name == "torg" else "bare baseline"
            print(
                f"  {label:24} p50 {percentile(latencies, 50):7.1f} ms  "
                f"p99 {percentile(latencies, 99):7.1f} ms  max {max(latencies):7.1f} ms  "
                f"last-of-round p50 {percentile(last, 50):7.1f} p99 {percentile(last, 99):7.1f} ms"
                f"  ({len(latencies):,} deliveries)"
            )
            per_process = ", ".join(f"{ms:.1f}" for ms in result["cpu_ms"][name])
            client_ms = result["client_cpu_ms"][name]
            print(
                f"  {'':24} server CPU per event: {per_process} ms per process; "
                f"client CPU per event {client_ms:.1f} ms "
                f"({client_ms * 1000 / args.clients:.1f} µs per frame)"
            )
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
