"""Form fields shared by the apps."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that answers ids outside the database's range as invalid
    choices, instead of letting the database driver overflow (`pk__in` is not range-checked
    by Django the way `pk=` is)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # Django reports it as invalid_pk_value
            if not 0 < number <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names; reading them scans the disk, so it is done once."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def time_zone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((name, name.replace("_", " ")) for name in sorted(time_zone_names()))
