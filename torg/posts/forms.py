"""Forms for the composer, editing and sharing. They parse input; actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from torg.posts.access import parse_id
from torg.posts.actions import POLL_MAX_OPTIONS, PollSpec
from torg.posts.models import BODY_MAX_LENGTH


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("What do you want to share?"),
        required=False,
        strip=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    poll_question = forms.CharField(label=_("Question"), required=False, max_length=300)
    poll_multiple = forms.BooleanField(label=_("Allow several choices"), required=False)
    poll_closes_at = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    # Makes the new post a question (torg.knowledge); with JavaScript the composer posts to the
    # knowledge app's "ask" view instead, which reads it too.
    is_question = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        self.poll_options: list[str] = []
        self.attachment_ids: list[int] = []
        self.alt_texts: dict[int, str] = {}
        self.bad_attachment = False
        if data is not None and hasattr(data, "getlist"):
            self.poll_options = [o for o in data.getlist("poll_option")[: POLL_MAX_OPTIONS + 1]]
            for raw in data.getlist("attachment")[:50]:
                pk = parse_id(raw)
                if pk is None:
                    self.bad_attachment = True
                    continue
                self.attachment_ids.append(pk)
                alt = data.get(f"alt_{pk}", "")
                if alt:
                    self.alt_texts[pk] = str(alt)[:500]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.bad_attachment:
            raise forms.ValidationError(_("An attachment was not found. Upload it again."))
        return cleaned

    def poll(self) -> PollSpec | None:
        options = [o.strip() for o in self.poll_options if o.strip()]
        if not options and not self.cleaned_data.get("poll_question"):
            return None
        closes_at = self.cleaned_data.get("poll_closes_at")
        if closes_at is not None and timezone.is_naive(closes_at):
            closes_at = timezone.make_aware(closes_at)
        return PollSpec(
            options=options,
            question=self.cleaned_data.get("poll_question") or "",
            allows_multiple=bool(self.cleaned_data.get("poll_multiple")),
            closes_at=closes_at,
        )


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ShareForm(forms.Form):
    target = forms.ChoiceField(label=_("Share to"))
    body = forms.CharField(
        label=_("Say something about it (optional)"),
        required=False,
        strip=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = choices  # type: ignore[attr-defined]
