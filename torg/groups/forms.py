"""Forms for group pages: input parsing only; rules live in actions.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.groups import selectors
from torg.groups.models import Group, Membership
from torg.people.models import Department, Location

if TYPE_CHECKING:
    from torg.accounts.models import User


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    privacy = forms.ChoiceField(
        label=_("Privacy"),
        choices=Group.Privacy.choices,
        initial=Group.Privacy.OPEN,
        widget=forms.RadioSelect,
        help_text=_(
            "Open: anyone can see and join. Closed: anyone can see the name; members see the "
            "content; joining needs an admin's approval. Secret: only members know it exists."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Group.Kind.choices, initial=Group.Kind.TEAM)
    parent = forms.ModelChoiceField(
        label=_("Parent group"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("None (a top-level group)"),
        help_text=_("Only groups where you are an admin."),
    )
    is_company_wide = forms.BooleanField(
        label=_("Company-wide: every employee is a member"), required=False
    )

    def __init__(self, *args: Any, user: User, group: Group | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        queryset = selectors.parent_choices(user, exclude=group)
        if group is not None and group.parent_id is not None:
            # Keep the current parent selectable even if the person is not its admin.
            queryset = (queryset | Group.objects.filter(pk=group.parent_id)).distinct()
        parent_field.queryset = queryset
        if not user.is_network_admin:
            del self.fields["is_company_wide"]


class JoinForm(forms.Form):
    message = forms.CharField(label=_("Message to the admins"), max_length=500, required=False)


class InviteForm(forms.Form):
    user = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class RuleForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("Any department"),
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.all(),
        required=False,
        empty_label=_("Any location"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("department") and not cleaned.get("location"):
            raise forms.ValidationError(_("Choose a department, a location or both."))
        return cleaned
