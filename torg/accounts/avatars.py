"""Turn an uploaded picture into a safe, square, small avatar."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

AVATAR_SIZE = 256
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@dataclass(frozen=True)
class ProcessedAvatar:
    content: bytes
    extension: str


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a picture we can read. Use a JPEG, PNG, GIF or WebP.")
    )


def process_avatar(upload: IO[bytes], size: int) -> ProcessedAvatar:
    """Check, rotate by EXIF, crop to a square, shrink and re-encode without metadata."""
    if size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large (%(size)s). The limit is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(settings.AVATAR_MAX_BYTES)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise _not_an_image()
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _(
                        "The picture has too many pixels (%(width)d × %(height)d). "
                        "Use one of at most 40 megapixels."
                    )
                    % {"width": width, "height": height}
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            upright = ImageOps.exif_transpose(opened)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            converted = upright.convert("RGBA" if has_alpha else "RGB")
            square = ImageOps.fit(
                converted, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS
            )
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("The picture has too many pixels. Use one of at most 40 megapixels.")
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError) as exc:
        raise _not_an_image() from exc
    out = io.BytesIO()
    # A fresh image saved without exif/icc arguments carries no metadata from the upload.
    if has_alpha:
        square.save(out, format="PNG", optimize=True)
        return ProcessedAvatar(content=out.getvalue(), extension="png")
    square.save(out, format="JPEG", quality=85, optimize=True)
    return ProcessedAvatar(content=out.getvalue(), extension="jpg")
