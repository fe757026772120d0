"""Sign-ins go to the audit log through Django's ``user_logged_in`` signal (the one place a
signal is used: sign-in happens inside django.contrib.auth, not in a Torg action)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from torg.governance import audit

    ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    audit.record(user, "auth.sign_in", target=user, target_kind="user", ip=ip or None)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="torg.governance.sign_in")
