from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.notifications.models import GroupNotificationLevel, Mute

DURATION_CHOICES = [
    ("1h", _("1 hour")),
    ("8h", _("8 hours")),
    ("1w", _("1 week")),
    ("forever", _("Until I unmute")),
]


class GroupLevelForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Notifications"), choices=GroupNotificationLevel.Level.choices
    )


class MuteForm(forms.Form):
    target_kind = forms.ChoiceField(label=_("What"), choices=Mute.TargetKind.choices)
    target_id = forms.IntegerField(
        label=_("Id"), min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    duration = forms.ChoiceField(label=_("For how long"), choices=DURATION_CHOICES)
