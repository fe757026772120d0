"""Cached link previews, one row per normalised URL."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from torg.core.models import TimeStampedModel


class LinkPreview(TimeStampedModel):
    class Status(models.TextChoices):
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")

    # sha256 of the normalised URL: URLs are too long for a portable unique index.
    url_hash = models.CharField(_("URL hash"), max_length=64, unique=True)
    url = models.TextField(_("URL"))
    canonical_url = models.TextField(_("canonical URL"), blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    site_name = models.CharField(_("site name"), max_length=100, blank=True)
    image = models.FileField(_("image"), upload_to="link-previews/", max_length=200, blank=True)
    image_content_type = models.CharField(_("image type"), max_length=20, blank=True)
    image_width = models.PositiveIntegerField(_("image width"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("image height"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    error = models.TextField(_("error"), blank=True)
    fetched_at = models.DateTimeField(_("last successful fetch"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("last attempt"))

    class Meta:
        verbose_name = _("link preview")
        verbose_name_plural = _("link previews")

    def __str__(self) -> str:
        return self.url
