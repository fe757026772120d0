"""Writes for link previews. Network work happens outside any database transaction."""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.core.events import call_on_commit
from torg.links.fetcher import (
    HTML_POLICY,
    IMAGE_POLICY,
    MAX_URL_LENGTH,
    FetchError,
    FetchRefused,
    safe_fetch,
)
from torg.links.images import InvalidImage, process_image
from torg.links.models import LinkPreview
from torg.links.normalise import normalise_url, url_hash
from torg.links.previews import PageMetadata, parse_metadata

logger = logging.getLogger(__name__)

# A good preview is reused for a week; any attempt (good or bad) blocks another for an hour.
OK_TTL = datetime.timedelta(days=7)
RETRY_AFTER = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class _Outcome:
    status: str
    error: str = ""
    metadata: PageMetadata | None = None
    image_name: str = ""
    image_content_type: str = ""
    image_width: int | None = None
    image_height: int | None = None


def check_fetch_link_preview(*, url: str) -> str:
    """Return the normalised URL, or raise ValidationError if it can never be previewed."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        raise ValidationError(_("Enter a web address of at most 2,048 characters."))
    normalised = normalise_url(url)
    if not normalised.lower().startswith(("http://", "https://")):
        raise ValidationError(_("Only http and https addresses can be previewed."))
    return normalised


def is_fresh(preview: LinkPreview, now: datetime.datetime) -> bool:
    if preview.attempted_at > now - RETRY_AFTER:
        return True
    return (
        preview.status == LinkPreview.Status.OK
        and preview.fetched_at is not None
        and preview.fetched_at > now - OK_TTL
    )


def _store_image(image_url: str) -> tuple[str, str, int, int] | None:
    """Download, validate and store the preview image; None if there is no usable image."""
    try:
        result = safe_fetch(image_url, IMAGE_POLICY)
        image = process_image(result.body)
    except (FetchError, InvalidImage) as exc:
        logger.info("link preview image %s skipped: %s", image_url, exc)
        return None
    name = default_storage.save(
        f"link-previews/{secrets.token_hex(16)}.{image.extension}", ContentFile(image.content)
    )
    return name, image.content_type, image.width, image.height


def _fetch(url: str) -> _Outcome:
    try:
        page = safe_fetch(url, HTML_POLICY)
    except FetchRefused as exc:
        return _Outcome(status=LinkPreview.Status.REFUSED, error=exc.message)
    except FetchError as exc:
        return _Outcome(status=LinkPreview.Status.FAILED, error=exc.message)
    metadata = parse_metadata(page.body, url=page.url, charset=page.charset)
    stored = _store_image(metadata.image_url) if metadata.image_url else None
    if stored is None:
        return _Outcome(status=LinkPreview.Status.OK, metadata=metadata)
    name, content_type, width, height = stored
    return _Outcome(
        status=LinkPreview.Status.OK,
        metadata=metadata,
        image_name=name,
        image_content_type=content_type,
        image_width=width,
        image_height=height,
    )


def _apply(preview: LinkPreview, outcome: _Outcome, now: datetime.datetime) -> str:
    """Copy ``outcome`` onto ``preview``; return the name of an image file it replaced."""
    preview.attempted_at = now
    preview.error = outcome.error
    if outcome.metadata is None:
        # Keep an earlier good preview when a refetch fails; just record the error.
        if preview.status != LinkPreview.Status.OK:
            preview.status = outcome.status
        return ""
    replaced = preview.image.name or ""
    preview.status = LinkPreview.Status.OK
    preview.fetched_at = now
    preview.title = outcome.metadata.title
    preview.description = outcome.metadata.description
    preview.site_name = outcome.metadata.site_name
    preview.canonical_url = outcome.metadata.canonical_url
    preview.image.name = outcome.image_name
    preview.image_content_type = outcome.image_content_type
    preview.image_width = outcome.image_width
    preview.image_height = outcome.image_height
    return replaced if replaced != outcome.image_name else ""


def do_fetch_link_preview(*, url: str) -> LinkPreview:
    """The cached preview of ``url``, fetched now if there is no fresh one."""
    normalised = check_fetch_link_preview(url=url)
    key = url_hash(normalised)
    existing = LinkPreview.objects.filter(url_hash=key).first()
    if existing is not None and is_fresh(existing, timezone.now()):
        return existing
    outcome = _fetch(normalised)
    now = timezone.now()
    try:
        with transaction.atomic():
            preview = LinkPreview.objects.select_for_update().filter(url_hash=key).first()
            if preview is not None and preview.attempted_at > now - RETRY_AFTER:
                # Another worker finished the same fetch meanwhile: theirs stands.
                if outcome.image_name:
                    call_on_commit(default_storage.delete, outcome.image_name)
                return preview
            if preview is None:
                preview = LinkPreview(url_hash=key, url=normalised, attempted_at=now)
            replaced = _apply(preview, outcome, now)
            preview.save()
            if replaced:
                call_on_commit(default_storage.delete, replaced)
    except IntegrityError:
        # Lost an insert race to another worker: use its row, drop our image.
        if outcome.image_name:
            default_storage.delete(outcome.image_name)
        return LinkPreview.objects.get(url_hash=key)
    return preview
