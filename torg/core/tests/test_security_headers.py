"""Every page carries the security headers: a strict CSP, nosniff, DENY framing, referrer.

The CSP allows scripts only from our own origin. There is no inline script anywhere, so no nonce
is needed either: a nonce would make every 404 page differ from the next, and a hidden group
must answer exactly like a nonexistent one.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from torg.accounts.models import User

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def signed_in() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("kari@example.com", "pw", name="Kari Nordmann"))
    return client


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_pages_carry_the_security_headers(who: str, signed_in: Client) -> None:
    client, path = (Client(), "/login/") if who == "anonymous" else (signed_in, "/")

    response = client.get(path)

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    # Every script is a file from our origin; there is no inline script or style.
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert re.search(r"\sstyle=", html) is None
    assert re.search(r"\son[a-z]+=", html) is None


def test_the_policy_is_the_same_on_every_response() -> None:
    client = Client()
    first = client.get("/login/")["Content-Security-Policy"]
    second = client.get("/no-such-page/")["Content-Security-Policy"]

    assert first == second


def test_api_responses_carry_nosniff_and_deny() -> None:
    response = Client().get("/api/v1/me")

    assert response.status_code == 401
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


def test_the_session_cookie_is_http_only_and_same_site(signed_in: Client) -> None:
    response = Client().post(
        "/login/", {"username": "kari@example.com", "password": "pw"}, follow=False
    )
    cookie = response.cookies["sessionid"]

    assert response.status_code == 302
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
