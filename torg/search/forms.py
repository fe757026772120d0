"""The search form: what the results page and the API accept (GET parameters)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from torg.accounts.models import User
from torg.groups.access import GroupNotFound, access_group_by_slug
from torg.groups.models import Group
from torg.people.access import visible_people
from torg.search.models import SearchDocument
from torg.search.selectors import ORDERS, Filters
from torg.search.text import MAX_QUERY_LENGTH

MAX_PAGE = 500


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Everything")), *SearchDocument.Kind.choices],
    )
    group = forms.CharField(label=_("Group"), required=False, max_length=120)
    author = forms.IntegerField(label=_("Author"), required=False, min_value=1, max_value=2**62)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tag = forms.CharField(label=_("Hashtag"), required=False, max_length=64)
    has_attachment = forms.BooleanField(label=_("Has attachment"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("relevance", _("Best match")), ("date", _("Newest first"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.group_obj: Group | None = None
        self.author_obj: User | None = None

    def _clean_text(self, name: str) -> str:
        value = self.cleaned_data.get(name) or ""
        if "\x00" in value:
            raise forms.ValidationError(_("Remove the invisible control characters."))
        return value.strip()

    def clean_q(self) -> str:
        return self._clean_text("q")

    def clean_tag(self) -> str:
        return self._clean_text("tag").removeprefix("#")

    def clean_group(self) -> str:
        slug = self._clean_text("group")
        if slug:
            try:
                self.group_obj = access_group_by_slug(self.actor, slug)
            except GroupNotFound:
                # Hidden and nonexistent groups answer alike.
                raise forms.ValidationError(_("There is no such group.")) from None
        return slug

    def clean_author(self) -> int | None:
        author_id = self.cleaned_data.get("author")
        if author_id:
            self.author_obj = visible_people(self.actor).filter(pk=author_id).first()
            if self.author_obj is None:
                raise forms.ValidationError(_("There is no such person."))
        return author_id

    def clean_order(self) -> str:
        order = self.cleaned_data.get("order") or "relevance"
        return order if order in ORDERS else "relevance"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            group_id=self.group_obj.pk if self.group_obj else None,
            author_id=data.get("author") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            hashtag=data.get("tag") or "",
            has_attachment=bool(data.get("has_attachment")),
        )
