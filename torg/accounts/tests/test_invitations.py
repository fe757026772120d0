from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from torg.accounts.actions import do_invite_people, hash_invitation_token
from torg.accounts.models import Invitation, User
from torg.groups.actions import do_create_group
from torg.groups.models import Group, Membership

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "fjord-lantern-42-quiet"


def link_token(body: str) -> str:
    match = re.search(r"/invitation/([A-Za-z0-9_-]+)/", body)
    assert match, body
    return match.group(1)


def test_non_admins_get_404_on_the_invite_page(kari_client):
    assert kari_client.get(reverse("accounts:invite")).status_code == 404
    response = kari_client.post(reverse("accounts:invite"), {"emails": "x@example.com"})
    assert response.status_code == 404
    assert Invitation.objects.count() == 0


def test_admin_invites_two_people_into_a_group_and_they_get_an_email(
    admin_user, admin_client_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group = do_create_group(actor=admin_user, name="Bids", privacy="open", kind="team")
    page = admin_client_.get(reverse("accounts:invite"))
    assert page.status_code == 200
    assert "Bids" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("accounts:invite"),
            {
                "emails": "Anna@Partner.no, bo@partner.no\nanna@partner.no",
                "is_guest": "on",
                "groups": [group.pk],
            },
        )

    assert response.status_code == 302
    invitations = Invitation.objects.order_by("email")
    assert [(i.email, i.is_guest, i.invited_by_id) for i in invitations] == [
        ("anna@partner.no", True, admin_user.pk),
        ("bo@partner.no", True, admin_user.pk),
    ]
    assert [list(i.groups.all()) for i in invitations] == [[group], [group]]
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["anna@partner.no"]
    assert message.subject == "Ola Admin invited you to Torg"
    assert message.alternatives[0].mimetype == "text/html"
    token = link_token(message.body)
    assert "http://localhost:8000/invitation/" in message.body
    assert token in message.alternatives[0].content
    invitation = Invitation.objects.get(email="anna@partner.no")
    assert invitation.token_hash == hash_invitation_token(token)
    assert token not in invitation.token_hash
    expected_expiry = timezone.now() + timedelta(days=14)
    assert abs((invitation.expires_at - expected_expiry).total_seconds()) < 60


def test_accepting_creates_the_account_joins_groups_and_signs_in(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group = do_create_group(actor=admin_user, name="Partners", privacy="secret", kind="team")
        do_invite_people(
            actor=admin_user, emails_to_invite=["anna@partner.no"], is_guest=True, groups=[group]
        )
    token = link_token(mail.outbox[0].body)
    client = Client()
    url = reverse("accounts:accept_invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "anna@partner.no" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"name": "Anna Berg", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )

    assert response.status_code == 302
    user = User.objects.get(email="anna@partner.no")
    assert (user.name, user.is_guest, user.check_password(NEW_PASSWORD)) == (
        "Anna Berg",
        True,
        True,
    )
    invitation = Invitation.objects.get()
    assert invitation.accepted_user == user
    assert invitation.accepted_at is not None
    assert list(Membership.objects.filter(user=user).values_list("group__name", "role")) == [
        ("Partners", "member")
    ]
    assert client.get(reverse("accounts:settings")).status_code == 200

    again = Client().get(url)
    assert again.status_code == 410
    assert "This link is no longer valid" in again.content.decode()


def test_accept_form_applies_password_validators(admin_user):
    do_invite_people(actor=admin_user, emails_to_invite=["anna@partner.no"])
    invitation = Invitation.objects.get()
    token = "t" * 43
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_invitation_token(token))
    response = Client().post(
        reverse("accounts:accept_invitation", args=[token]),
        {"name": "Anna", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This password is too common." in body
    assert "This password is entirely numeric." in body
    assert not User.objects.filter(email="anna@partner.no").exists()


def test_new_employee_joins_the_company_wide_group(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        do_create_group(
            actor=admin_user,
            name="Everyone",
            privacy="open",
            kind="discussion",
            is_company_wide=True,
        )
        do_invite_people(actor=admin_user, emails_to_invite=["per@example.com"])
    token = link_token(mail.outbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("accounts:accept_invitation", args=[token]),
            {"name": "Per", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    per = User.objects.get(email="per@example.com")
    assert list(Group.objects.filter(memberships__user=per).values_list("name", flat=True)) == [
        "Everyone"
    ]


@pytest.mark.parametrize("state", ["expired", "used"])
def test_expired_or_used_links_say_so_and_create_nothing(admin_user, state):
    do_invite_people(actor=admin_user, emails_to_invite=["anna@partner.no"])
    token = "k" * 43
    changes = {"token_hash": hash_invitation_token(token)}
    if state == "expired":
        changes["expires_at"] = timezone.now() - timedelta(minutes=1)
    else:
        changes["accepted_at"] = timezone.now()
    Invitation.objects.update(**changes)
    url = reverse("accounts:accept_invitation", args=[token])
    assert Client().get(url).status_code == 410
    response = Client().post(
        url, {"name": "Anna", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "This link is no longer valid" in response.content.decode()
    assert not User.objects.filter(email="anna@partner.no").exists()


@pytest.mark.parametrize("token", ["unknown-token-1234567890", "x", "a" * 300])
def test_unknown_links_answer_404(db, token):
    response = Client().get(reverse("accounts:accept_invitation", args=[token]))
    assert response.status_code == 404
    assert "This link is no longer valid" in response.content.decode()


def test_reinviting_an_existing_account_is_a_form_error(admin_client_, kari):
    response = admin_client_.post(reverse("accounts:invite"), {"emails": "KARI@example.com"})
    assert response.status_code == 400
    assert "These people already have an account: kari@example.com" in response.content.decode()
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_invalid_addresses_are_a_form_error(admin_client_):
    response = admin_client_.post(reverse("accounts:invite"), {"emails": "not-an-address, "})
    assert response.status_code == 400
    assert "Not valid e-mail addresses: not-an-address" in response.content.decode()


def test_admins_cannot_add_invitees_to_groups_they_cannot_see(admin_client_, make_user):
    other = make_user("eva@example.com")
    secret = do_create_group(actor=other, name="Hidden", privacy="secret", kind="team")
    response = admin_client_.post(
        reverse("accounts:invite"), {"emails": "a@example.org", "groups": [secret.pk]}
    )
    assert response.status_code == 400
    assert "Hidden" not in response.content.decode()
    assert Invitation.objects.count() == 0


# --- self sign-up -------------------------------------------------------------------------


def test_sign_up_is_404_without_allowed_domains(db, settings):
    settings.SIGNUP_DOMAINS = []
    assert Client().get(reverse("accounts:signup")).status_code == 404
    assert (
        reverse("accounts:signup") not in Client().get(reverse("accounts:login")).content.decode()
    )


def test_sign_up_with_an_allowed_domain_emails_a_link_that_creates_the_account(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("accounts:signup"), {"email": "Siri@EXAMPLE.com"})
    assert response.status_code == 200
    assert "We have sent an e-mail to siri@example.com" in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.invited_by, invitation.is_guest) == (
        "siri@example.com",
        None,
        False,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Confirm your e-mail address for Torg"
    token = link_token(mail.outbox[0].body)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("accounts:accept_invitation", args=[token]),
            {"name": "Siri", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert created.status_code == 302
    assert User.objects.get(email="siri@example.com").name == "Siri"


@pytest.mark.parametrize("email", ["eve@evil.com", "eve@sub.example.com", "eve@example.com.evil"])
def test_sign_up_refuses_other_domains(db, email):
    response = Client().post(reverse("accounts:signup"), {"email": email})
    assert response.status_code == 400
    assert "Sign-up is only open to addresses at example.com." in response.content.decode()
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_sign_up_for_an_existing_account_looks_the_same_but_sends_a_reset_hint(
    kari, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("accounts:signup"), {"email": "kari@example.com"})
    assert response.status_code == 200
    assert "We have sent an e-mail to kari@example.com" in response.content.decode()
    assert Invitation.objects.count() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You already have a Torg account"
    assert "http://localhost:8000/password-reset/" in mail.outbox[0].body
