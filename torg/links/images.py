"""Validate and re-encode a downloaded preview image, so Torg only ever serves its own bytes."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SOURCE_SIDE = 10_000
MAX_SOURCE_PIXELS = 40_000_000
MIN_SIDE = 16
MAX_WIDTH = 1200
MAX_HEIGHT = 2400
FORMATS = ["JPEG", "PNG", "GIF", "WEBP"]


class InvalidImage(Exception):
    pass


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=FORMATS)


def process_image(data: bytes) -> ProcessedImage:
    """Verify ``data`` is a sane JPEG/PNG/GIF/WebP and re-encode it (JPEG, or PNG with alpha)."""
    try:
        probe = _open(data)
        width, height = probe.size
        if width > MAX_SOURCE_SIDE or height > MAX_SOURCE_SIDE:
            raise InvalidImage(f"image too large: {width}×{height}")
        if width * height > MAX_SOURCE_PIXELS:
            raise InvalidImage(f"image has too many pixels: {width}×{height}")
        if width < MIN_SIDE or height < MIN_SIDE:
            raise InvalidImage(f"image too small: {width}×{height}")
        probe.verify()
        image = _open(data)  # verify() leaves the image unusable; open it again to decode
        image.seek(0)  # first frame of an animation
        image.load()
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
            image.mode == "P" and "transparency" in image.info
        )
        image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if has_alpha:
            image.save(out, format="PNG", optimize=True)
            content_type, extension = "image/png", "png"
        else:
            image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
            content_type, extension = "image/jpeg", "jpg"
    except InvalidImage:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise InvalidImage(f"not a valid image: {type(exc).__name__}") from exc
    return ProcessedImage(
        content=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )
