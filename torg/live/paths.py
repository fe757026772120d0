"""Where a broadcast's files live (``TORG_LIVE_ROOT``, default ``var/live``).

    <root>/<id>-<token>/hls/index.m3u8, seg00000.ts, …   the live playlist (served by views,
                                                        access re-checked on every request)
    <root>/<id>-<token>/browser/<session>/<seq>.webm      MediaRecorder chunks from the browser
    <root>/<id>-<token>/recording.mp4                     the whole broadcast, after it ended

The files are written by ``manage.py live_ingest`` and read by the web processes, so with
several servers the directory must be shared (see docs/live.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from torg.live.models import Broadcast

PLAYLIST = "index.m3u8"
SEGMENT_PATTERN = "seg%05d.ts"
# The only names the HLS view serves.
HLS_NAME = re.compile(r"^(index\.m3u8|seg\d{5,9}\.ts)$")
# While an ingest writes a broadcast's playlist this file exists and is touched every second.
WRITER_MARK = ".writing"
ENDLIST = "#EXT-X-ENDLIST"


def root() -> Path:
    return Path(settings.LIVE_ROOT)


def broadcast_dir(broadcast: Broadcast) -> Path:
    return root() / f"{broadcast.pk}-{broadcast.storage_token}"


def hls_dir(broadcast: Broadcast) -> Path:
    return broadcast_dir(broadcast) / "hls"


def playlist_path(broadcast: Broadcast) -> Path:
    return hls_dir(broadcast) / PLAYLIST


def browser_dir(broadcast: Broadcast) -> Path:
    return broadcast_dir(broadcast) / "browser"


def session_dir(broadcast: Broadcast, session: int) -> Path:
    return browser_dir(broadcast) / f"{session:06d}"


def chunk_path(broadcast: Broadcast, session: int, seq: int) -> Path:
    return session_dir(broadcast, session) / f"{seq:08d}.webm"


def recording_path(broadcast: Broadcast) -> Path:
    return broadcast_dir(broadcast) / "recording.mp4"


def playlist_segments(playlist: Path) -> list[str]:
    """Segment file names in playlist order."""
    if not playlist.exists():
        return []
    names = []
    for line in playlist.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and HLS_NAME.match(line):
            names.append(line)
    return names
