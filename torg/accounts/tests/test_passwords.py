from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "moss-harbour-17-lantern"


def test_password_reset_by_email_sets_a_new_password(kari):
    client = Client()
    page = client.get(reverse("accounts:password_reset"))
    assert page.status_code == 200
    response = client.post(reverse("accounts:password_reset"), {"email": "Kari@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kari@example.com"]
    assert message.subject == "Reset your Torg password"
    assert message.alternatives[0].mimetype == "text/html"
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body)
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    kari.refresh_from_db()
    assert kari.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "who@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_bad_reset_link_says_it_no_longer_works(db):
    response = Client().get(reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_change_password_on_the_settings_page_keeps_this_session(kari_client, kari):
    response = kari_client.post(
        reverse("accounts:password_change"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    kari.refresh_from_db()
    assert kari.check_password(NEW_PASSWORD)
    assert kari_client.get(reverse("accounts:settings")).status_code == 200


def test_change_password_with_a_wrong_old_password_is_a_field_error(kari_client, kari):
    response = kari_client.post(
        reverse("accounts:password_change"),
        {
            "password-old_password": "nope",
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "Your old password was entered incorrectly." in response.content.decode()
    kari.refresh_from_db()
    assert kari.check_password(PASSWORD)
