from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed sign-in attempts"


def sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_correct_password_signs_in_and_redirects_home(kari):
    response = sign_in(Client(), "KARI@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_wrong_password_shows_an_error_without_locking(kari):
    response = sign_in(Client(), "kari@example.com", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


def test_five_failures_lock_the_account_from_any_ip_even_with_the_right_password(kari):
    client = Client()
    for attempt in range(4):
        assert (
            sign_in(client, "kari@example.com", "wrong", ip=f"10.0.0.{attempt}").status_code == 200
        )
    fifth = sign_in(client, "kari@example.com", "wrong", ip="10.0.0.5")
    assert fifth.status_code == 429
    assert LOCKED_TEXT in fifth.content.decode()
    assert "paused for 30 minutes" in fifth.content.decode()

    from_elsewhere = sign_in(Client(), "kari@example.com", PASSWORD, ip="192.168.1.9")
    assert from_elsewhere.status_code == 429
    assert LOCKED_TEXT in from_elsewhere.content.decode()
    assert "_auth_user_id" not in from_elsewhere.wsgi_request.session


def test_five_failures_from_one_ip_lock_that_ip_for_every_account(make_user):
    make_user("per@example.com")
    make_user("kari@example.com")
    client = Client()
    for number in range(5):
        response = sign_in(client, f"nobody{number}@example.com", "wrong", ip="10.9.9.9")
    assert response.status_code == 429

    same_ip = sign_in(Client(), "per@example.com", PASSWORD, ip="10.9.9.9")
    assert same_ip.status_code == 429
    assert LOCKED_TEXT in same_ip.content.decode()

    other_ip = sign_in(Client(), "per@example.com", PASSWORD, ip="10.9.9.10")
    assert other_ip.status_code == 302


def test_success_resets_the_failure_count(kari):
    client = Client()
    for _attempt in range(4):
        sign_in(client, "kari@example.com", "wrong")
    assert sign_in(Client(), "kari@example.com", PASSWORD).status_code == 302
    for _attempt in range(4):
        assert sign_in(Client(), "kari@example.com", "wrong").status_code == 200
    assert sign_in(Client(), "kari@example.com", PASSWORD).status_code == 302


def test_login_page_links_to_password_reset_and_sign_up():
    body = Client().get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in body
    assert reverse("accounts:signup") in body


def test_sign_out_needs_post(kari_client):
    assert kari_client.get(reverse("accounts:logout")).status_code == 405
    response = kari_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert kari_client.get(reverse("core:home")).status_code == 302


def test_sign_out_everywhere_ends_other_sessions_but_keeps_this_one(kari):
    laptop, phone = Client(), Client()
    assert sign_in(laptop, "kari@example.com", PASSWORD).status_code == 302
    assert sign_in(phone, "kari@example.com", PASSWORD, ip="10.0.0.2").status_code == 302
    assert phone.get(reverse("core:home")).status_code == 200
    old_token = kari.session_token

    response = laptop.post(reverse("accounts:sign_out_everywhere"))

    assert response.status_code == 302
    kari.refresh_from_db()
    assert kari.session_token != old_token
    assert len(kari.session_token) == 32
    assert laptop.get(reverse("core:home")).status_code == 200
    phone_response = phone.get(reverse("core:home"))
    assert phone_response.status_code == 302
    assert phone_response["Location"].startswith(reverse("accounts:login"))


def test_locked_page_in_norwegian(kari):
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    for _attempt in range(5):
        response = sign_in(client, "kari@example.com", "wrong")
    assert response.status_code == 429
    assert "For mange mislykkede innloggingsforsøk" in response.content.decode()
    assert "i 30 minutter" in response.content.decode()
