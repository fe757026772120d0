"""The end of a broadcast: close the playlist, build one video file, hand it to the media app.

``finalize`` is safe to call any number of times and from any process: it waits (returns
False) while an ingest still writes the playlist, and claims the broadcast before building so
that only one caller builds. The recording is the HLS segments remuxed (no re-encoding) into an
MP4; ``torg.media.actions.do_attach_video_file`` then attaches it to the broadcast's own post,
which keeps its comments and reactions, and transcodes it like any uploaded video.
"""

from __future__ import annotations

import importlib
import logging
import time
from pathlib import Path
from typing import Any

import av
from django.db import transaction
from django.utils import timezone

from torg.live import paths
from torg.live.models import Broadcast

log = logging.getLogger(__name__)

# A writer mark older than this belongs to an ingest that died.
WRITER_STALE_SECONDS = 15


def writer_active(broadcast: Broadcast) -> bool:
    mark = paths.hls_dir(broadcast) / paths.WRITER_MARK
    try:
        age = time.time() - mark.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < WRITER_STALE_SECONDS


def close_playlist(playlist: Path) -> None:
    """Add ``#EXT-X-ENDLIST`` (players stop waiting for more) unless it is there."""
    if not playlist.exists():
        return
    text = playlist.read_text()
    if paths.ENDLIST in text:
        return
    if not text.endswith("\n"):
        text += "\n"
    partial = playlist.with_suffix(".tmp")
    partial.write_text(text + paths.ENDLIST + "\n")
    partial.replace(playlist)


def build_recording(hls: Path, target: Path) -> float:
    """Remux the playlist's segments, in order, into one MP4. Returns its duration (s).

    Timestamps restart after a reconnect; each part is shifted to follow the previous one.
    """
    names = paths.playlist_segments(hls / paths.PLAYLIST)
    if not names:
        return 0.0
    joined = target.with_suffix(".ts")
    with joined.open("wb") as out:
        for name in names:
            segment = hls / name
            if segment.exists():
                out.write(segment.read_bytes())
    partial = target.with_suffix(".part.mp4")
    duration = 0.0
    with (
        av.open(str(joined)) as source,
        av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as sink,
    ):
        inputs = [s for s in (source.streams.video[:1] + source.streams.audio[:1])]
        outputs = {s.index: sink.add_stream_from_template(s) for s in inputs}
        last_dts: dict[int, int] = {}
        offset: dict[int, int] = {}
        for packet in source.demux(*inputs):
            if packet.dts is None or packet.pts is None:
                continue
            index = packet.stream.index
            shift = offset.get(index, 0)
            dts = packet.dts + shift
            if index in last_dts and dts <= last_dts[index]:
                # A reconnect started the clock again: continue right after the last packet.
                step = max(1, int(packet.duration or 1))
                shift += last_dts[index] + step - dts
                offset[index] = shift
                dts = packet.dts + shift
            packet.dts = dts
            packet.pts = packet.pts + shift
            last_dts[index] = dts
            if packet.time_base is not None and packet.stream.type == "video":
                duration = max(duration, float(dts * packet.time_base))
            packet.stream = outputs[index]
            sink.mux(packet)
    joined.unlink(missing_ok=True)
    partial.replace(target)
    return duration


def _attach_function() -> Any:
    """``torg.media.actions.do_attach_video_file`` when the media app is installed."""
    try:
        module = importlib.import_module("torg.media.actions")
    except ImportError:
        return None
    return getattr(module, "do_attach_video_file", None)


def finalize(broadcast_id: int) -> bool:
    """Close the playlist and hand the recording over. True when this call finished the job."""
    broadcast = (
        Broadcast.objects.select_related("post", "created_by").filter(pk=broadcast_id).first()
    )
    if (
        broadcast is None
        or broadcast.state != Broadcast.State.ENDED
        or broadcast.recording != Broadcast.Recording.PENDING
    ):
        return False
    if writer_active(broadcast):
        return False  # the ingest is still closing; it calls finalize again when done
    claimed = Broadcast.objects.filter(
        pk=broadcast.pk, recording=Broadcast.Recording.PENDING
    ).update(recording=Broadcast.Recording.BUILDING)
    if not claimed:
        return False
    hls = paths.hls_dir(broadcast)
    close_playlist(hls / paths.PLAYLIST)
    target = paths.recording_path(broadcast)
    try:
        duration = build_recording(hls, target)
    except (av.error.FFmpegError, OSError) as error:
        log.exception("live recording of broadcast %s failed", broadcast.pk)
        _set_recording(broadcast, Broadcast.Recording.FAILED, str(error)[:300])
        return True
    if duration <= 0 or not target.exists():
        _set_recording(broadcast, Broadcast.Recording.EMPTY)
        return True
    attach = _attach_function()
    if attach is None:
        _set_recording(broadcast, Broadcast.Recording.KEPT)
        return True
    stamp = timezone.localtime(broadcast.started_at or broadcast.ended_at).strftime("%Y-%m-%d")
    try:
        with transaction.atomic():
            attach(
                uploader=broadcast.created_by,
                post=broadcast.post,
                path=target,
                name=f"{broadcast.title[:150]} {stamp}.mp4",
            )
    except Exception as error:  # the media app refused it: keep the file, say why
        log.exception("handing the recording of broadcast %s over failed", broadcast.pk)
        _set_recording(broadcast, Broadcast.Recording.KEPT, str(error)[:300])
        return True
    _set_recording(broadcast, Broadcast.Recording.HANDED_OVER)
    return True


def _set_recording(broadcast: Broadcast, state: str, error: str = "") -> None:
    Broadcast.objects.filter(pk=broadcast.pk).update(recording=state, recording_error=error)
