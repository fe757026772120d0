"""Deciding what an upload is from its bytes, never its name.

Videos: the container is recognised from its magic bytes first (ISO BMFF ``ftyp`` for MP4/MOV,
EBML for WebM/MKV) and only then opened with PyAV, *with that demuxer forced* and only the
``file`` protocol: FFmpeg's own probing would happily treat a text file as an HLS playlist and
fetch the URLs in it.

GIF: frames are counted by walking the block structure without decoding anything, so a
100 000-frame "GIF bomb" is refused after reading its headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

# Demuxer per magic, and the content type we store.
MP4_BRANDS_QUICKTIME = (b"qt  ",)
STILL_IMAGE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")
VIDEO_TYPES = {"mov": "video/quicktime", "mp4": "video/mp4", "matroska": "video/x-matroska"}


@dataclass(frozen=True)
class VideoProbe:
    demuxer: str  # the FFmpeg demuxer to force when opening
    content_type: str
    width: int
    height: int
    duration: float | None
    has_audio: bool


def sniff_container(head: bytes) -> tuple[str, str] | None:
    """(demuxer, content type) when ``head`` (the first bytes) start a video container."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in STILL_IMAGE_BRANDS:
            return None  # HEIF/AVIF photos share the container; they are not videos
        if brand in MP4_BRANDS_QUICKTIME:
            return "mov", VIDEO_TYPES["mov"]
        return "mov", VIDEO_TYPES["mp4"]  # FFmpeg's "mov" demuxer reads every ISO BMFF file
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov", VIDEO_TYPES["mov"]  # old QuickTime files without ftyp
    if head[:4] == b"\x1a\x45\xdf\xa3":
        content_type = "video/webm" if b"webm" in head[:64] else VIDEO_TYPES["matroska"]
        return "matroska", content_type
    return None


def open_safely(path: Path, demuxer: str) -> av.container.InputContainer:
    return av.open(
        str(path),
        mode="r",
        format=demuxer,
        options={"protocol_whitelist": "file", "probesize": "5000000"},
    )


def probe_video(path: Path) -> VideoProbe | None:
    """A description of the video in ``path``, or None when it is not a video we can decode."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return None
    sniffed = sniff_container(head)
    if sniffed is None:
        return None
    demuxer, content_type = sniffed
    try:
        with open_safely(path, demuxer) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if stream.disposition & av.stream.Disposition.attached_pic:
                return None  # an audio file with cover art
            if stream.codec_context.width <= 0 or stream.codec_context.height <= 0:
                return None
            duration = None
            if container.duration is not None and container.duration > 0:
                duration = container.duration / 1_000_000
            return VideoProbe(
                demuxer=demuxer,
                content_type=content_type,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                duration=duration,
                has_audio=bool(container.streams.audio),
            )
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return None


class GifTooComplex(Exception):
    pass


def refuse_gif_bomb(data: bytes, *, max_total_pixels: int) -> None:
    """ValidationError for a GIF with more frames than ``TORG_GIF_MAX_FRAMES`` or more than
    ``max_total_pixels`` pixels over all its frames."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from torg.media.limits import gif_max_frames

    try:
        check_gif_frames(data, max_frames=gif_max_frames(), max_total_pixels=max_total_pixels)
    except GifTooComplex:
        raise ValidationError(
            _("This animated GIF has too many frames: at most %(frames)d.")
            % {"frames": gif_max_frames()}
        ) from None


def check_gif_frames(data: bytes, *, max_frames: int, max_total_pixels: int) -> int:
    """Count a GIF's frames without decoding them; raise ``GifTooComplex`` past the limits.

    Returns the frame count (0 when ``data`` is not a well-formed GIF: Pillow decides then).
    """
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return 0
    width = int.from_bytes(data[6:8], "little")
    height = int.from_bytes(data[8:10], "little")
    flags = data[10]
    pos = 13
    if flags & 0x80:
        pos += 3 * (2 ** ((flags & 0x07) + 1))
    frames = 0
    area = max(1, width * height)
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor
            if pos + 10 > len(data):
                break
            frames += 1
            if frames > max_frames or frames * area > max_total_pixels:
                raise GifTooComplex
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 ** ((local & 0x07) + 1))
            pos = _skip_sub_blocks(data, pos + 1)  # +1: LZW minimum code size
        else:
            break
    return frames


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size
    return pos
