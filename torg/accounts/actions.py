"""Every write to accounts: ``check_*`` validates, ``do_*`` writes, then notifies after commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from torg.accounts import emails
from torg.accounts.access import InvitationInvalid
from torg.accounts.avatars import ProcessedAvatar
from torg.accounts.models import ApiToken, Invitation, User
from torg.core.events import call_on_commit
from torg.core.forms import time_zone_names
from torg.people.models import Department, Experience, Location, Skill
from torg.search import events as search_events

if TYPE_CHECKING:
    from torg.groups.models import Group

MAX_SKILLS = 30
MAX_SKILL_LENGTH = 60
MAX_LANGUAGES = 20
MAX_LANGUAGE_LENGTH = 40
MAX_EXPERIENCES = 100
MAX_API_TOKENS = 50
MAX_INVITATIONS_AT_ONCE = 100
MANAGER_CHAIN_LIMIT = 200
API_TOKEN_PREFIX = "torg_"  # noqa: S105 (a public prefix, not a secret)


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().casefold()


# --- Accounts -----------------------------------------------------------------------------


def check_create_account(*, email: str, name: str) -> tuple[str, str]:
    email = email.strip().lower()
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Please enter your name.")})
    if len(name) > 150:
        raise ValidationError({"name": _("Use at most 150 characters.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    return email, name


def do_create_account(
    *,
    email: str,
    name: str,
    password: str | None,
    is_guest: bool = False,
    invited_by: User | None = None,
    groups: Sequence[Group] = (),
) -> User:
    """Create an account; after commit it joins its auto-membership and invited groups."""
    email, name = check_create_account(email=email, name=name)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, name=name, is_guest=is_guest)
            search_events.person_changed(user)
    except IntegrityError as exc:  # the same address signed up a moment ago
        raise ValidationError(
            {"email": _("An account with this e-mail address already exists.")}
        ) from exc
    group_list = list(groups)
    call_on_commit(_join_groups_after_creation, user=user, groups=group_list, actor=invited_by)
    return user


def _join_groups_after_creation(*, user: User, groups: list[Group], actor: User | None) -> None:
    from torg.groups.actions import do_add_member, do_sync_auto_memberships

    do_sync_auto_memberships(user=user)
    for group in groups:
        do_add_member(group=group, user=user, role="member", actor=actor)


# --- Invitations and sign-up --------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


def _create_invitation(
    *, email: str, invited_by: User | None, is_guest: bool, groups: Sequence[Group]
) -> NewInvitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        token_hash=hash_invitation_token(token),
        invited_by=invited_by,
        is_guest=is_guest,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    if groups:
        invitation.groups.set(groups)
    return NewInvitation(invitation=invitation, token=token)


def check_invite_people(*, actor: User, emails_to_invite: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated addresses; an error names addresses that already have accounts."""
    if not actor.is_network_admin:
        raise PermissionError("Only network admins invite people")
    cleaned: list[str] = []
    for email in emails_to_invite:
        email = email.strip().lower()
        if email and email not in cleaned:
            cleaned.append(email)
    if not cleaned:
        raise ValidationError({"emails": _("Enter at least one e-mail address.")})
    if len(cleaned) > MAX_INVITATIONS_AT_ONCE:
        raise ValidationError(
            {
                "emails": _("Invite at most %(count)d people at once.")
                % {"count": MAX_INVITATIONS_AT_ONCE}
            }
        )
    existing = sorted(
        User.objects.filter(email__in=cleaned).values_list("email", flat=True).distinct()
    )
    if existing:
        raise ValidationError(
            {
                "emails": _("These people already have an account: %(emails)s")
                % {"emails": ", ".join(existing)}
            }
        )
    return cleaned


def do_invite_people(
    *,
    actor: User,
    emails_to_invite: Iterable[str],
    is_guest: bool = False,
    groups: Sequence[Group] = (),
) -> list[Invitation]:
    addresses = check_invite_people(actor=actor, emails_to_invite=emails_to_invite)
    language = translation.get_language() or settings.LANGUAGE_CODE
    created: list[NewInvitation] = []
    with transaction.atomic():
        for email in addresses:
            created.append(
                _create_invitation(email=email, invited_by=actor, is_guest=is_guest, groups=groups)
            )
    for new in created:
        call_on_commit(
            emails.send_invitation,
            invitation=new.invitation,
            token=new.token,
            language=language,
        )
    return [new.invitation for new in created]


def check_sign_up(*, email: str) -> str:
    email = email.strip().lower()
    allowed = {domain.casefold() for domain in settings.SIGNUP_DOMAINS}
    if "@" not in email or _email_domain(email) not in allowed:
        raise ValidationError(
            {
                "email": _("Sign-up is only open to addresses at %(domains)s.")
                % {"domains": ", ".join(sorted(allowed))}
            }
        )
    return email


def do_sign_up(*, email: str) -> str:
    """E-mail a verification link, or for existing accounts a hint to reset the password.

    Both cases look the same to the person filling in the form, so the form does not reveal
    who has an account.
    """
    email = check_sign_up(email=email)
    language = translation.get_language() or settings.LANGUAGE_CODE
    if User.objects.filter(email__iexact=email).exists():
        call_on_commit(emails.send_already_registered, email=email, language=language)
        return email
    with transaction.atomic():
        new = _create_invitation(email=email, invited_by=None, is_guest=False, groups=())
    call_on_commit(
        emails.send_invitation, invitation=new.invitation, token=new.token, language=language
    )
    return email


def check_accept_invitation(*, invitation: Invitation, name: str) -> str:
    if not invitation.is_usable:
        raise InvitationInvalid(gone=True)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid(gone=True)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Please enter your name.")})
    return name


def do_accept_invitation(*, invitation: Invitation, name: str, password: str) -> User:
    with transaction.atomic():
        # Lock the row so one link creates one account even when submitted twice at once.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        name = check_accept_invitation(invitation=locked, name=name)
        user = do_create_account(
            email=locked.email,
            name=name,
            password=password,
            is_guest=locked.is_guest,
            invited_by=locked.invited_by,
            groups=list(locked.groups.all()),
        )
        locked.accepted_at = timezone.now()
        locked.accepted_user = user
        locked.save(update_fields=["accepted_at", "accepted_user"])
    return user


# --- Profile ------------------------------------------------------------------------------


class ProfileUpdate(TypedDict, total=False):
    name: str
    job_title: str
    department: Department | None
    location: Location | None
    manager: User | None
    phone: str
    bio: str
    skills: list[str]
    languages: list[str]
    time_zone: str
    language: str


_TEXT_LIMITS = {"name": 150, "job_title": 150, "phone": 40, "bio": 2000}


def parse_tags(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _clean_skills(skills: list[str]) -> list[str]:
    result: list[str] = []
    keys: set[str] = set()
    for skill in skills:
        skill = " ".join(skill.split())
        if not skill:
            continue
        if len(skill) > MAX_SKILL_LENGTH or len(skill.casefold()) > MAX_SKILL_LENGTH:
            raise ValidationError(
                {
                    "skills": _("“%(skill)s” is too long: use at most %(max)d characters.")
                    % {"skill": skill[:80], "max": MAX_SKILL_LENGTH}
                }
            )
        if skill.casefold() not in keys:
            keys.add(skill.casefold())
            result.append(skill)
    if len(result) > MAX_SKILLS:
        raise ValidationError({"skills": _("List at most %(max)d skills.") % {"max": MAX_SKILLS}})
    return result


def _clean_languages(languages: list[str]) -> list[str]:
    result: list[str] = []
    for language in languages:
        language = " ".join(language.split())
        if not language:
            continue
        if len(language) > MAX_LANGUAGE_LENGTH:
            raise ValidationError(
                {
                    "languages": _("Use at most %(max)d characters per language.")
                    % {"max": MAX_LANGUAGE_LENGTH}
                }
            )
        if language.casefold() not in {known.casefold() for known in result}:
            result.append(language)
    if len(result) > MAX_LANGUAGES:
        raise ValidationError(
            {"languages": _("List at most %(max)d languages.") % {"max": MAX_LANGUAGES}}
        )
    return result


def check_manager(*, user: User, manager: User | None) -> None:
    """Refuse a manager that would put ``user`` in a loop of managers."""
    if manager is None:
        return
    if manager.pk == user.pk:
        raise ValidationError({"manager": _("You cannot be your own manager.")})
    if not manager.is_active:
        raise ValidationError({"manager": _("No active person has this e-mail address.")})
    seen: set[int] = {manager.pk}
    current_id = manager.manager_id
    for _step in range(MANAGER_CHAIN_LIMIT):
        if current_id is None:
            return
        if current_id == user.pk:
            raise ValidationError(
                {
                    "manager": _("%(name)s reports to you, so they cannot be your manager.")
                    % {"name": manager.name}
                }
            )
        if current_id in seen:
            return  # an existing loop above, not one through this person
        seen.add(current_id)
        current_id = User.objects.filter(pk=current_id).values_list("manager_id", flat=True).first()
    return


def check_update_profile(*, user: User, update: ProfileUpdate) -> ProfileUpdate:
    cleaned: ProfileUpdate = {}
    for field, limit in _TEXT_LIMITS.items():
        if field in update:
            value = str(update[field]).strip()  # type: ignore[literal-required]
            if len(value) > limit:
                raise ValidationError(
                    {field: _("Use at most %(max)d characters.") % {"max": limit}}
                )
            cleaned[field] = value  # type: ignore[literal-required]
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError({"name": _("Please enter your name.")})
    if "department" in update:
        cleaned["department"] = update["department"]
    if "location" in update:
        cleaned["location"] = update["location"]
    if "manager" in update:
        check_manager(user=user, manager=update["manager"])
        cleaned["manager"] = update["manager"]
    if "skills" in update:
        cleaned["skills"] = _clean_skills(update["skills"])
    if "languages" in update:
        cleaned["languages"] = _clean_languages(update["languages"])
    if "time_zone" in update:
        time_zone = update["time_zone"].strip()
        if time_zone and time_zone not in time_zone_names():
            raise ValidationError({"time_zone": _("Unknown time zone.")})
        cleaned["time_zone"] = time_zone
    if "language" in update:
        if update["language"] not in User.Language.values:
            raise ValidationError({"language": _("Unknown language.")})
        cleaned["language"] = update["language"]
    return cleaned


def _skills_for(names: list[str]) -> list[Skill]:
    skills: list[Skill] = []
    for name in names:
        skill, _created = Skill.objects.get_or_create(key=name.casefold(), defaults={"name": name})
        skills.append(skill)
    return skills


def do_update_profile(*, user: User, update: ProfileUpdate) -> User:
    cleaned = check_update_profile(user=user, update=update)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old_department_id, old_location_id = locked.department_id, locked.location_id
        fields: list[str] = []
        for field, value in cleaned.items():
            if field == "skills":
                continue
            setattr(locked, field, value)
            fields.append(field)
        if fields:
            locked.save(update_fields=fields)
        if "skills" in cleaned:
            locked.skills.set(_skills_for(cleaned["skills"]))
        search_events.person_changed(locked)
    for field in fields:
        setattr(user, field, getattr(locked, field))
    if (locked.department_id, locked.location_id) != (old_department_id, old_location_id):
        call_on_commit(_sync_auto_memberships, user=locked)
    return user


def _sync_auto_memberships(*, user: User) -> None:
    from torg.groups.actions import do_sync_auto_memberships

    do_sync_auto_memberships(user=user)


def do_set_avatar(*, user: User, avatar: ProcessedAvatar) -> None:
    name = f"{secrets.token_urlsafe(24)}.{avatar.extension}"
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old_name = locked.avatar.name
        locked.avatar.save(name, ContentFile(avatar.content), save=False)
        locked.save(update_fields=["avatar"])
    user.avatar = locked.avatar
    if old_name:
        call_on_commit(_delete_file, name=old_name)


def do_remove_avatar(*, user: User) -> None:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old_name = locked.avatar.name
        locked.avatar = ""
        locked.save(update_fields=["avatar"])
    user.avatar = locked.avatar
    if old_name:
        call_on_commit(_delete_file, name=old_name)


def _delete_file(*, name: str) -> None:
    default_storage.delete(name)


# --- Experience ---------------------------------------------------------------------------


def check_add_experience(
    *,
    user: User,
    kind: str,
    title: str,
    organisation: str,
    start_year: int | None,
    end_year: int | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if kind not in Experience.Kind.values:
        errors["kind"] = _("Choose a kind.")
    title = title.strip()
    organisation = organisation.strip()
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 200:
        errors["title"] = _("Use at most 200 characters.")
    if len(organisation) > 200:
        errors["organisation"] = _("Use at most 200 characters.")
    this_year = timezone.now().year
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if year is not None and not (1900 <= year <= this_year + 5):
            errors[field] = _("Enter a year between 1900 and %(max)d.") % {"max": this_year + 5}
    if not errors and start_year is not None and end_year is not None and end_year < start_year:
        errors["end_year"] = _("The end year comes before the start year.")
    if Experience.objects.filter(user=user).count() >= MAX_EXPERIENCES:
        errors["title"] = _("You can list at most %(max)d entries.") % {"max": MAX_EXPERIENCES}
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "title": title,
        "organisation": organisation,
        "start_year": start_year,
        "end_year": end_year,
    }


def do_add_experience(
    *,
    user: User,
    kind: str,
    title: str,
    organisation: str = "",
    start_year: int | None = None,
    end_year: int | None = None,
) -> Experience:
    values = check_add_experience(
        user=user,
        kind=kind,
        title=title,
        organisation=organisation,
        start_year=start_year,
        end_year=end_year,
    )
    with transaction.atomic():
        return Experience.objects.create(user=user, **values)


def do_delete_experience(*, user: User, experience: Experience) -> None:
    if experience.user_id != user.pk:
        raise PermissionError("Not your experience entry")
    with transaction.atomic():
        experience.delete()


# --- Password and sessions ----------------------------------------------------------------


def do_change_password(*, user: User, new_password: str) -> None:
    """The caller has validated the password (Django's password validators)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])


def do_sign_out_everywhere(*, user: User) -> None:
    """Every session's auth hash includes ``session_token``; a new one ends them all."""
    from torg.accounts.models import new_session_token

    with transaction.atomic():
        user.session_token = new_session_token()
        user.save(update_fields=["session_token"])


# --- Personal access tokens ---------------------------------------------------------------


def check_create_api_token(*, user: User, name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. what uses it.")})
    if len(name) > 80:
        raise ValidationError({"name": _("Use at most 80 characters.")})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_API_TOKENS:
        raise ValidationError(
            {"name": _("You have %(max)d tokens; revoke one first.") % {"max": MAX_API_TOKENS}}
        )
    return name


def do_create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and its secret, which is shown once and never stored."""
    from torg.api.auth import hash_token

    name = check_create_api_token(user=user, name=name)
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:12], token_hash=hash_token(secret)
        )
    return token, secret


def do_revoke_api_token(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionError("Not your token")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
