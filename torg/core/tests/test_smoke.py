import pytest
from django.urls import reverse

from torg.accounts.models import User

pytestmark = pytest.mark.django_db


def test_home_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_in_by_email_opens_the_home_page(client):
    User.objects.create_user("kari@example.com", "correct horse battery", name="Kari Nordmann")
    response = client.post(
        reverse("accounts:login"),
        {"username": "Kari@Example.com", "password": "correct horse battery"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Welcome, Kari" in response.content.decode()
    assert "Content-Security-Policy" in response.headers
