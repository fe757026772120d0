from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.notifications.models import EmailPreference, GroupNotificationLevel, Mute, Notification

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


class EmailPreferenceForm(forms.Form):
    """E-mail choices on the settings page (``email_settings.EmailChoices``)."""

    immediate_kinds = forms.MultipleChoiceField(
        label=_("E-mail me at once about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (kind.value, kind.label)
            for kind in Notification.Kind
            if kind.value != Notification.Kind.ANNOUNCEMENT_REMINDER
        ],
    )
    digest = forms.ChoiceField(label=_("Digest"), choices=EmailPreference.Digest.choices)
    quiet_start = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    unsubscribed = forms.BooleanField(label=_("Turn off all e-mail from Torg"), required=False)
