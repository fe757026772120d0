from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from torg.accounts.models import User
from torg.core.forms import ModelMultipleIdChoiceField, time_zone_choices
from torg.groups.models import Group
from torg.people.models import Department, Experience, Location


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class TorgPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        help_text=_("One or more addresses, separated by commas, spaces or new lines."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )
    is_guest = forms.BooleanField(
        label=_("Invite as guests (external partners: they see only the groups they join)"),
        required=False,
    )
    groups = ModelMultipleIdChoiceField(
        label=_("Add them to these groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = groups  # type: ignore[attr-defined]

    def clean_emails(self) -> list[str]:
        addresses = [a for a in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if a]
        invalid = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(address[:100])
        if invalid:
            raise ValidationError(
                _("Not valid e-mail addresses: %(addresses)s")
                % {"addresses": ", ".join(invalid[:10])}
            )
        if not addresses:
            raise ValidationError(_("Enter at least one e-mail address."))
        return addresses


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Your work e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.all(), required=False
    )
    manager_email = forms.EmailField(
        label=_("Manager's e-mail address"),
        required=False,
        max_length=254,
        help_text=_("Leave empty if you have no manager in Torg."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=4000,
        help_text=_("Separate with commas, e.g. Python, Bids, Offshore wind. At most 30."),
    )
    languages = forms.CharField(
        label=_("Languages I speak"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas, e.g. Norwegian, English."),
    )

    def clean_manager_email(self) -> User | None:
        email = self.cleaned_data["manager_email"].strip()
        if not email:
            return None
        manager = User.objects.filter(email__iexact=email, is_active=True).first()
        if manager is None:
            raise ValidationError(_("No active person has this e-mail address."))
        return manager


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", _("The organisation's time zone")),
            *time_zone_choices(),
        ]


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("New picture"),
        help_text=_("JPEG, PNG, GIF or WebP. It is cropped to a square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )


class ExperienceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Experience.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    start_year = forms.IntegerField(
        label=_("From year"), required=False, min_value=1900, max_value=2100
    )
    end_year = forms.IntegerField(
        label=_("To year"), required=False, min_value=1900, max_value=2100
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What will use it, e.g. “Reporting script”."),
    )
