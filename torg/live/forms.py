from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.live.actions import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH


class BroadcastForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=_("What is it about? (optional)"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Read in the person's time zone (the request's current one); empty: go live now.
    scheduled_at = forms.DateTimeField(
        label=_("Starts (leave empty to go live now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
