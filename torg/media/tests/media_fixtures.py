"""Fixtures and generated media for the media tests (no downloaded media: PyAV makes it)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from torg.accounts.models import User
from torg.posts.tests.test_posts_fixtures import make_user, world

__all__ = ["client_for", "make_user", "make_video", "video_bytes", "world"]


def make_video(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    seconds: float = 1.0,
    rotation: int = 0,
    audio: bool = True,
    container: str | None = None,
    rate: int = 25,
) -> Path:
    """A tiny test video: the left half red, the right half blue (to check rotation)."""
    webm = container == "webm"
    output = av.open(str(path), "w", format=container)
    video = output.add_stream("libvpx" if webm else "libx264", rate=rate)
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    if rotation:
        video.set_display_rotation(rotation)
    sound = None
    if audio:
        sound = output.add_stream("libopus" if webm else "aac", rate=48000, layout="mono")
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    for _ in range(int(seconds * rate)):
        output.mux(video.encode(av.VideoFrame.from_image(image)))
    output.mux(video.encode(None))
    if sound is not None:
        for start in range(0, int(48000 * seconds), 960):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=960)
            frame.planes[0].update(bytes(960 * 4))
            frame.sample_rate, frame.pts = 48000, start
            output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
    output.close()
    return path


def video_bytes(tmp_path: Path, name: str = "clip.mp4", **options: Any) -> bytes:
    return make_video(tmp_path / f"gen-{name}", **options).read_bytes()


def video_upload(tmp_path: Path, name: str = "clip.mp4", **options: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, video_bytes(tmp_path, name, **options), "video/mp4")


def gif_bytes(frames: int, size: tuple[int, int] = (4, 4)) -> bytes:
    images = [
        Image.new("RGB", size, ((i * 37) % 256, (i * 91) % 256, i % 256)) for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=10)
    return out.getvalue()


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run after-commit work (the transcoding task) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload_in_chunks_and_hold_transcoding(settings: Any) -> None:
    """Small chunks, so an upload takes several requests; the task queue holds the transcoding
    job until the test runs it, so "processing" is visible (browser journeys)."""
    settings.UPLOAD_CHUNK_BYTES = 4096
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "media"],
        }
    }
