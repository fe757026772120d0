"""NUL characters in text input get a clear 400 on every backend (PostgreSQL cannot store them)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from torg.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def kari(db) -> User:
    return User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")


@pytest.fixture
def client(kari) -> Client:
    client = Client()
    client.force_login(kari)
    return client


def test_a_nul_in_the_path_or_query_is_refused(client) -> None:
    assert client.get("/topics/%00/").status_code == 400
    response = client.get("/people/?q=%00kari")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(client, kari) -> None:
    response = client.post("/settings/", {"name": "Kari\x00", "job_title": "Consultant"})

    assert response.status_code == 400
    kari.refresh_from_db()
    assert (kari.name, kari.job_title) == ("Kari Nordmann", "")


def test_a_nul_in_an_api_body_is_refused_with_json(client) -> None:
    response = client.post(
        "/api/v1/me/tokens", json.dumps({"name": "laptop\u0000"}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request contains a NUL character, which is not allowed in text."
    }
    assert not ApiToken.objects.exists()


def test_binary_uploads_may_contain_nul_bytes(client) -> None:
    # The file is not an image, so the avatar form refuses it for that reason, not for the NULs.
    upload = SimpleUploadedFile("blob.bin", b"\x00\x01\x02" * 100, "application/octet-stream")

    response = client.post("/settings/picture/", {"avatar-avatar": upload})

    page = response.content.decode()
    assert "NUL character" not in page
    assert "This file is not a picture we can read" in page
