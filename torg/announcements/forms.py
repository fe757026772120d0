from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.announcements.actions import REMINDER_LABELS


class MarkForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Keep on top until"),
        required=False,
        help_text=_("Optional. Leave empty to keep it on top until each person has read it."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reminder = forms.ChoiceField(
        label=_("Remind those who have not read it"),
        choices=list(REMINDER_LABELS.items()),
        initial="none",
        help_text=_("Once, in the app and by e-mail."),
    )
