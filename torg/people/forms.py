from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.people.models import Department, Location
from torg.people.selectors import MAX_QUERY_LENGTH


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, title or skill"),
                "autocomplete": "off",
            }
        ),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=_("All departments"),
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.order_by("country", "name"),
        required=False,
        empty_label=_("All locations"),
    )
    skill = forms.CharField(label=_("Skill"), required=False, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Null bytes crash some database drivers; refuse them as a field error instead.
        for name in ("q", "skill"):
            self.fields[name].validators.append(_no_null_bytes)


def _no_null_bytes(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError(_("Remove the invisible control characters."))
