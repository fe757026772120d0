"""E-mails from governance (plain text). Called after commit, never inside a transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def send(*, to: str, template: str, context: dict[str, Any], language: str = "") -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_name": "Torg", "base_url": settings.BASE_URL, **context}
        subject = " ".join(
            render_to_string(f"governance/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"governance/email/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=[to]).send()
