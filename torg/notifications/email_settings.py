"""A person's e-mail preferences (reads and writes) and the signed one-click unsubscribe tokens.

- No ``EmailPreference`` row means the defaults (``models.default_immediate_kinds``, weekly
  digest, no quiet hours); the row is created on the first change or the first digest.
- Announcement reminders are always e-mailed, unless the person turned off all e-mail.
- Unsubscribe tokens are ``django.core.signing`` values holding the user id and a category:
  ``all``, ``digest``, ``immediate`` (every instant e-mail) or ``kind:<kind>``. They do not
  expire: a link in an old e-mail keeps working (RFC 8058 asks for that).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from torg.groups.access import as_person
from torg.notifications.models import EmailPreference, Notification

if TYPE_CHECKING:
    from torg.accounts.models import User

Kind = Notification.Kind
ALWAYS_EMAILED: frozenset[str] = frozenset({Kind.ANNOUNCEMENT_REMINDER})
# The kinds a person chooses between (in the order the settings page shows them).
CHOOSABLE_KINDS: tuple[str, ...] = tuple(k for k in Kind.values if k not in ALWAYS_EMAILED)
DIGESTS: tuple[str, ...] = tuple(EmailPreference.Digest.values)
UNSUBSCRIBE_SALT = "torg.notifications.unsubscribe"


def preference_for(user: User) -> EmailPreference:
    """The stored preferences, or unsaved defaults."""
    found = EmailPreference.objects.filter(user=user).first()
    return found if found is not None else EmailPreference(user=user)


def preferences_for(user_ids: Iterable[int]) -> dict[int, EmailPreference]:
    """{user id: preferences} for ``user_ids`` in one query (defaults for those without a row).

    For reading only: the defaults are one shared unsaved instance."""
    ids = list(user_ids)
    stored = {p.user_id: p for p in EmailPreference.objects.filter(user_id__in=ids)}
    # One shared, unsaved default for everyone without a row (read only; a big group has
    # thousands of them).
    default = EmailPreference()
    return {uid: stored.get(uid, default) for uid in ids}


def wants_immediately(preference: EmailPreference, kind: str) -> bool:
    if preference.unsubscribed:
        return False
    return kind in ALWAYS_EMAILED or kind in preference.immediate_kinds


# --- changing them ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailChoices:
    immediate_kinds: list[str]
    digest: str
    quiet_start: time | None
    quiet_end: time | None
    unsubscribed: bool


def check_set_email_preferences(*, actor: User, choices: EmailChoices) -> None:
    if as_person(actor) is None:
        raise PermissionDenied(_("Sign in to do that."))
    errors: dict[str, str] = {}
    unknown = [k for k in choices.immediate_kinds if k not in CHOOSABLE_KINDS]
    if unknown:
        errors["immediate_kinds"] = _("Choose from the listed kinds.")
    if choices.digest not in DIGESTS:
        errors["digest"] = _("Choose never, daily or weekly.")
    if (choices.quiet_start is None) != (choices.quiet_end is None):
        errors["quiet_end"] = _("Give both the start and the end of your quiet hours.")
    elif choices.quiet_start is not None and choices.quiet_start == choices.quiet_end:
        errors["quiet_end"] = _("Quiet hours must end at another time than they start.")
    if errors:
        raise ValidationError(errors)


def do_set_email_preferences(*, actor: User, choices: EmailChoices) -> EmailPreference:
    check_set_email_preferences(actor=actor, choices=choices)
    kinds = [k for k in CHOOSABLE_KINDS if k in set(choices.immediate_kinds)]
    # A reminder is always e-mailed; storing it keeps the list honest for other readers.
    kinds += sorted(ALWAYS_EMAILED)
    preference, _created = EmailPreference.objects.update_or_create(
        user=actor,
        defaults={
            "immediate_kinds": kinds,
            "digest": choices.digest,
            "quiet_start": choices.quiet_start,
            "quiet_end": choices.quiet_end,
            "unsubscribed": choices.unsubscribed,
        },
    )
    return preference


# --- one-click unsubscribe ----------------------------------------------------------------------


class InvalidUnsubscribeLink(Exception):
    """A tampered, foreign or unknown link."""


def category_for_kind(kind: str) -> str:
    """The unsubscribe category of an e-mail about ``kind`` (always-e-mailed kinds: all mail)."""
    return "all" if kind in ALWAYS_EMAILED else f"kind:{kind}"


def _valid_category(category: Any) -> bool:
    if category in ("all", "digest", "immediate"):
        return True
    return (
        isinstance(category, str)
        and category.startswith("kind:")
        and category.removeprefix("kind:") in CHOOSABLE_KINDS
    )


def unsubscribe_token(user: User, category: str) -> str:
    if not _valid_category(category):
        raise ValueError(category)
    return signing.dumps({"u": user.pk, "c": category}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User, category: str) -> str:
    """Absolute; for the List-Unsubscribe header and the e-mail's footer."""
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user, category)])
    return settings.BASE_URL + path


def read_unsubscribe_token(token: str, *, viewer: Any = None) -> tuple[User, str]:
    """The person and category of a link; ``InvalidUnsubscribeLink`` for anything else.

    A signed-in ``viewer`` other than the link's person is refused too: it is someone else's link.
    """
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise InvalidUnsubscribeLink from error
    if not isinstance(data, dict):
        raise InvalidUnsubscribeLink
    user_id, category = data.get("u"), data.get("c")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not _valid_category(category):
        raise InvalidUnsubscribeLink
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidUnsubscribeLink
    if viewer is not None and viewer.is_authenticated and viewer.pk != user.pk:
        raise InvalidUnsubscribeLink
    return user, str(category)


def do_unsubscribe(*, user: User, category: str) -> EmailPreference:
    """Turn off what ``category`` names; running it twice changes nothing more."""
    if not _valid_category(category):
        raise ValidationError(_("Unknown kind of e-mail."))
    preference = preference_for(user)
    if category == "all":
        preference.unsubscribed = True
    elif category == "digest":
        preference.digest = EmailPreference.Digest.OFF
    elif category == "immediate":
        preference.immediate_kinds = [k for k in preference.immediate_kinds if k in ALWAYS_EMAILED]
    else:
        kind = category.removeprefix("kind:")
        preference.immediate_kinds = [k for k in preference.immediate_kinds if k != kind]
    preference.save()
    return preference


def describe_category(category: str) -> str:
    """What a link turns off, for its confirmation page."""
    if category == "all":
        return _("all e-mail from Torg")
    if category == "digest":
        return _("the digest e-mails (“What you missed”)")
    if category == "immediate":
        return _("instant e-mails about notifications")
    label = Kind(category.removeprefix("kind:")).label
    return _("instant e-mails about: %(kind)s") % {"kind": label}
