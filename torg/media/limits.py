"""Size limits and quotas, from settings (``TORG_*`` variables, see docs/operations.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from torg.accounts.models import User

GIB = 1024**3


def video_max_bytes() -> int:
    return int(getattr(settings, "VIDEO_MAX_BYTES", 4 * GIB))


def quota_bytes() -> int:
    """Bytes one person may have stored (attachments, videos, unfinished uploads); 0: no quota."""
    return int(getattr(settings, "MEDIA_QUOTA_BYTES", 20 * GIB))


def chunk_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_CHUNK_BYTES", 4 * 1024 * 1024))


def gif_max_frames() -> int:
    return int(getattr(settings, "GIF_MAX_FRAMES", 1000))


def processing_timeout() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "VIDEO_PROCESSING_TIMEOUT_MINUTES", 30)))


MAX_ATTEMPTS = 3


def used_bytes(person: User) -> int:
    """What ``person`` stores now: attachments (videos included) and announced unfinished
    uploads."""
    from torg.media.models import ChunkedUpload
    from torg.posts.models import Attachment

    stored = Attachment.objects.filter(uploader=person).aggregate(total=Sum("size"))["total"]
    pending = ChunkedUpload.objects.filter(uploader=person, attachment__isnull=True).aggregate(
        total=Sum("size")
    )["total"]
    return int(stored or 0) + int(pending or 0)


def check_quota(person: User, size: int, *, already_counted: int = 0) -> None:
    """Refuse ``size`` more bytes when they would take ``person`` over the quota.

    ``already_counted``: bytes of this same upload that ``used_bytes`` already includes.
    """
    quota = quota_bytes()
    if quota <= 0:
        return
    used = used_bytes(person) - already_counted
    if used + size > quota:
        raise ValidationError(
            _(
                "This would take you over your storage quota of %(quota)s (you use "
                "%(used)s). Delete old files or ask an administrator for more room."
            )
            % {"quota": filesizeformat(quota), "used": filesizeformat(max(0, used))}
        )
