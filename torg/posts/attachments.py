"""Uploading attachments: images are checked, turned upright, stripped of metadata by re-encoding
and get a 480 px wide thumbnail; other files are stored as they are and only ever downloaded.

An upload belongs to its uploader until a post (or comment) takes it. File names on disk are
random, so a storage listing or URL reveals nothing and cannot be guessed.
"""

from __future__ import annotations

import io
import mimetypes
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from torg.groups.access import as_person
from torg.posts.actions import ALT_TEXT_MAX_LENGTH
from torg.posts.models import Attachment

if TYPE_CHECKING:
    from torg.accounts.models import User

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000  # 50 megapixels: any real photo; beyond that it is a bomb or a mistake
MAX_SIDE = 20_000
THUMBNAIL_WIDTH = 480
# Image formats we accept as images, and what we re-encode them as.
IMAGE_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "PNG"}
FORMAT_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class _Encoded:
    data: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_name(name: str) -> str:
    """A display name: no path, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 10 else name[:255]
    return name or "file"


def _read(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = upload.read()
    return data if isinstance(data, bytes) else data.encode()


def _sniff_image_format(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.format if image.format in IMAGE_FORMATS else None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("This image is too large (too many pixels).")) from None


def _check_gif_frames(data: bytes) -> None:
    """Refuse animated GIFs with too many frames (a "frame bomb") before Pillow sees them: the
    frames are counted from the block structure, nothing is decoded (torg.media.detect)."""
    from torg.media.detect import refuse_gif_bomb

    refuse_gif_bomb(data, max_total_pixels=20 * MAX_PIXELS)


def _sniff_video(data: bytes) -> str | None:
    """The content type when ``data`` is a video PyAV can decode (MP4, MOV, WebM, MKV)."""
    import tempfile
    from pathlib import Path

    from torg.media.detect import probe_video, sniff_container

    if sniff_container(data[:64]) is None:
        return None
    with tempfile.TemporaryDirectory(prefix="torg-probe-") as work:
        path = Path(work) / "upload"
        path.write_bytes(data)
        probe = probe_video(path)
    return probe.content_type if probe is not None else None


def _encode_image(data: bytes) -> _Encoded:
    too_big = _("This image is too large: at most %(pixels)d megapixels.") % {
        "pixels": MAX_PIXELS // 1_000_000
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise ValidationError(too_big)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                source_format = str(image.format)
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(too_big) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("This image is damaged and cannot be shown.")) from None
    target = IMAGE_FORMATS[source_format]
    if target == "JPEG":
        upright = upright.convert("RGB")
    elif upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    content_type, extension = FORMAT_TYPES[target]
    thumb = upright.copy()
    if thumb.width > THUMBNAIL_WIDTH:
        thumb = thumb.resize(
            (THUMBNAIL_WIDTH, max(1, round(thumb.height * THUMBNAIL_WIDTH / thumb.width))),
            Image.Resampling.LANCZOS,
        )
    return _Encoded(
        data=_save(upright, target),
        thumbnail=_save(thumb, target),
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
    )


def _save(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # Saving without exif=/pnginfo= drops all metadata (location, camera serial numbers).
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _display_type(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def check_upload_attachment(*, uploader: User, upload: UploadedFile) -> None:
    person = as_person(uploader)
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."))
    if size > max_bytes():
        raise ValidationError(
            _("The file is too large: at most %(limit)s.") % {"limit": filesizeformat(max_bytes())}
        )
    from torg.media.limits import check_quota  # per-person storage quota (torg.media)

    check_quota(person, size)


def do_upload_attachment(*, uploader: User, upload: UploadedFile, alt_text: str = "") -> Attachment:
    """Store an upload, not yet attached to anything. The kind is decided from the content."""
    check_upload_attachment(uploader=uploader, upload=upload)
    name = clean_name(upload.name or "file")
    data = _read(upload)
    token = secrets.token_urlsafe(24)
    attachment = Attachment(
        uploader=uploader, name=name, alt_text=str(alt_text)[:ALT_TEXT_MAX_LENGTH].strip()
    )
    _check_gif_frames(data)
    video_type = _sniff_video(data)
    if _sniff_image_format(data) is not None:
        encoded = _encode_image(data)
        attachment.kind = Attachment.Kind.IMAGE
        attachment.content_type = encoded.content_type
        attachment.size = len(encoded.data)
        attachment.width, attachment.height = encoded.width, encoded.height
        attachment.file.save(f"{token}.{encoded.extension}", ContentFile(encoded.data), save=False)
        attachment.thumbnail.save(
            f"{token}-thumb.{encoded.extension}", ContentFile(encoded.thumbnail), save=False
        )
    else:
        attachment.kind = Attachment.Kind.FILE
        attachment.content_type = (video_type or _display_type(name))[:120]
        attachment.size = len(data)
        attachment.file.save(token, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        if attachment.thumbnail:
            attachment.thumbnail.delete(save=False)
        raise
    if video_type is not None and attachment.kind == Attachment.Kind.FILE:
        # A video by its content: torg.media transcodes it and the post shows a player.
        from torg.media.actions import do_create_video_for_attachment

        do_create_video_for_attachment(attachment=attachment)
    return attachment


def check_update_alt_text(*, actor: User, attachment: Attachment) -> None:
    if attachment.uploader_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded a picture can describe it."))


def do_update_alt_text(*, actor: User, attachment: Attachment, alt_text: str) -> Attachment:
    check_update_alt_text(actor=actor, attachment=attachment)
    attachment.alt_text = str(alt_text)[:ALT_TEXT_MAX_LENGTH].strip()
    attachment.save(update_fields=["alt_text"])
    return attachment


def do_purge_unattached_uploads(*, older_than_hours: int = 24) -> int:
    """Remove uploads never attached to a post or comment (abandoned composers)."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    removed = 0
    for attachment in Attachment.objects.filter(
        post__isnull=True, comment__isnull=True, created_at__lt=cutoff
    ):
        attachment.file.delete(save=False)
        if attachment.thumbnail:
            attachment.thumbnail.delete(save=False)
        attachment.delete()
        removed += 1
    return removed
