from __future__ import annotations

import functools
import itertools
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.live import actions
from torg.live.models import Broadcast

_numbers = itertools.count(1)
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _live_root(settings: Any, tmp_path: Path) -> None:
    settings.LIVE_ROOT = tmp_path / "live"


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"live{number}@example.com")
        return User.objects.create_user(email, PASSWORD, name=name, **fields)

    return make


@dataclass
class World:
    admin: User  # admin of every group
    kari: User  # member of every group
    outsider: User  # member of nothing
    network_admin: User
    open: Group
    secret: Group

    def broadcast(self, group: Group | None = None, **kwargs: Any) -> Broadcast:
        kwargs.setdefault("title", "Town hall")
        return actions.do_create_broadcast(actor=self.admin, group=group or self.open, **kwargs)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    admin = make_user("Ada Admin")
    kari = make_user("Kari Nordmann")
    outsider = make_user("Otto Outsider")
    network_admin = make_user("Nina Netadmin", is_staff=True)
    groups = {}
    for privacy in ("open", "secret"):
        group = group_actions.do_create_group(
            actor=admin, name=f"{privacy.title()} group", privacy=privacy
        )
        group_actions.do_add_member(group=group, user=kari, role=Membership.Role.MEMBER)
        groups[privacy] = group
    return World(
        admin=admin,
        kari=kari,
        outsider=outsider,
        network_admin=network_admin,
        open=groups["open"],
        secret=groups["secret"],
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def publish_testsrc(url: str, *, seconds: float, text: bool = False) -> subprocess.Popen[bytes]:
    """The RTMP publisher: imageio-ffmpeg's ffmpeg pushes a generated picture and tone."""
    import imageio_ffmpeg

    return subprocess.Popen(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=15",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100",
            "-t",
            f"{seconds:g}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "15",
            "-c:a",
            "aac",
            "-f",
            "flv",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def ingest(transactional_db: Any, settings: Any) -> Iterator[Any]:
    """A running ingest service (RTMP on a free port) in this process."""
    from torg.live.service import IngestService

    settings.LIVE_RECONNECT_SECONDS = 60
    service = IngestService(rtmp_host="127.0.0.1", rtmp_port=free_port(), reconnect_seconds=60)
    service.start()
    yield service
    service.stop()


@functools.cache
def make_webm(seconds: float, *, width: int = 320, height: int = 240, fps: int = 15) -> bytes:
    """A WebM (VP8/Opus) like MediaRecorder's, generated with PyAV: moving grey levels and a
    tone."""
    import io
    import math
    from fractions import Fraction

    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as out:
        video = out.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"deadline": "realtime", "cpu-used": "8"}
        audio = out.add_stream("libopus", rate=48_000, layout="mono")
        frames = int(seconds * fps)
        for index in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane_index, plane in enumerate(frame.planes):
                value = (index * 8) % 256 if plane_index == 0 else 128
                plane.update(bytes([value]) * plane.buffer_size)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        samples_per_frame = 960
        for index in range(int(seconds * 48_000 / samples_per_frame)):
            sound = av.AudioFrame(format="s16", layout="mono", samples=samples_per_frame)
            start = index * samples_per_frame
            pcm = b"".join(
                int(8000 * math.sin(2 * math.pi * 440 * (start + i) / 48_000)).to_bytes(
                    2, "little", signed=True
                )
                for i in range(samples_per_frame)
            )
            sound.planes[0].update(pcm)
            sound.sample_rate = 48_000
            sound.pts = start
            sound.time_base = Fraction(1, 48_000)
            for packet in audio.encode(sound):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    return buffer.getvalue()
