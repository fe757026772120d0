"""E-mails from accounts. Called after commit by actions, never inside a transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from torg.accounts.models import Invitation


def _send(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    with translation.override(language):
        context = {"site_name": "Torg", "base_url": settings.BASE_URL, **context}
        subject = " ".join(
            render_to_string(f"accounts/email/{template}_subject.txt", context).split()
        )
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation(*, invitation: Invitation, token: str, language: str) -> None:
    link = settings.BASE_URL + reverse("accounts:accept_invitation", args=[token])
    _send(
        to=invitation.email,
        template="signup" if invitation.invited_by is None else "invitation",
        context={
            "invitation": invitation,
            "inviter": invitation.invited_by,
            "link": link,
            "days": settings.INVITATION_DAYS,
        },
        language=language,
    )


def send_already_registered(*, email: str, language: str) -> None:
    _send(
        to=email,
        template="already_registered",
        context={
            "reset_link": settings.BASE_URL + reverse("accounts:password_reset"),
            "login_link": settings.BASE_URL + reverse("accounts:login"),
        },
        language=language,
    )
