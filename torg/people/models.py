"""The organisation's shape: departments, offices, skills and people's experience."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """An office (or region) people belong to, with its country."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. NO"))

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A free tag. ``key`` is the case-folded name, so "Python" and "python" are one skill."""

    name = models.CharField(_("name"), max_length=60)
    key = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class Experience(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project", _("Project")
        CLIENT = "client", _("Client")
        EMPLOYER = "employer", _("Former employer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="experiences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    start_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)

    class Meta:
        ordering = ["-end_year", "-start_year", "title"]
        indexes = [models.Index(fields=["user", "kind"])]

    def __str__(self) -> str:
        return self.title
