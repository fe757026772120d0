"""The one way to look up accounts' own objects: invitations by token, tokens and experience."""

from __future__ import annotations

import hashlib

from django.http import Http404

from torg.accounts.models import ApiToken, Invitation, User
from torg.people.models import Experience


class InvitationInvalid(Exception):
    """The link is unknown (``gone=False``) or expired, used or superseded (``gone=True``)."""

    def __init__(self, *, gone: bool) -> None:
        super().__init__("invitation no longer valid")
        self.gone = gone


def access_invitation_by_token(token: str) -> Invitation:
    if not isinstance(token, str) or not (10 <= len(token) <= 100):
        raise InvitationInvalid(gone=False)
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    invitation = (
        Invitation.objects.select_related("invited_by").filter(token_hash=token_hash).first()
    )
    if invitation is None:
        raise InvitationInvalid(gone=False)
    if not invitation.is_usable or User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid(gone=True)
    return invitation


def access_own_api_token(user: User, token_id: int) -> ApiToken:
    """A live token of ``user``; someone else's token answers like a missing one."""
    if not isinstance(token_id, int) or not (0 < token_id < 2**63):
        raise Http404
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    return token


def access_own_experience(user: User, experience_id: int) -> Experience:
    if not isinstance(experience_id, int) or not (0 < experience_id < 2**63):
        raise Http404
    experience = Experience.objects.filter(pk=experience_id, user=user).first()
    if experience is None:
        raise Http404
    return experience
