from __future__ import annotations

import json

import pytest
from django.test import Client

from torg.accounts.actions import do_create_api_token, do_revoke_api_token
from torg.accounts.models import ApiToken
from torg.people.models import Department

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKENS = "/api/v1/me/tokens"


@pytest.fixture
def kari_secret(kari) -> str:
    _token, secret = do_create_api_token(user=kari, name="Script")
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/settings/")
    return client, client.cookies["csrftoken"].value


def test_get_me_with_a_token(kari, kari_secret):
    response = Client().get(ME, **bearer(kari_secret))
    assert response.status_code == 200
    assert response.json() == {
        "id": kari.pk,
        "email": "kari@example.com",
        "name": "Kari Nordmann",
        "job_title": "",
        "department": None,
        "location": None,
        "manager": None,
        "phone": "",
        "bio": "",
        "skills": [],
        "languages": [],
        "time_zone": "",
        "language": "",
        "is_guest": False,
        "is_network_admin": False,
        "avatar_url": None,
    }
    assert ApiToken.objects.get().last_used_at is not None


def test_get_me_with_a_session(kari_client, kari):
    response = kari_client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == "kari@example.com"


def test_anonymous_and_bad_tokens_get_401(kari, kari_secret):
    assert Client().get(ME).status_code == 401
    assert Client().get(ME, **bearer("torg_wrong")).status_code == 401
    do_revoke_api_token(user=kari, token=ApiToken.objects.get())
    response = Client().get(ME, **bearer(kari_secret))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required"}


def test_patch_me_with_a_token_needs_no_csrf(kari, kari_secret, make_user):
    boss = make_user("boss@example.com", "Berit Boss")
    department = Department.objects.create(name="Energy", slug="energy")
    response = Client(enforce_csrf_checks=True).patch(
        ME,
        data=json.dumps(
            {
                "job_title": "Bid manager",
                "skills": ["Python", "python", "Bids"],
                "languages": ["Norwegian"],
                "department_id": department.pk,
                "manager_id": boss.pk,
                "time_zone": "Europe/Oslo",
                "language": "nb",
            }
        ),
        content_type="application/json",
        **bearer(kari_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["job_title"],
        body["skills"],
        body["languages"],
        body["time_zone"],
        body["language"],
    ) == ("Bid manager", ["Bids", "Python"], ["Norwegian"], "Europe/Oslo", "nb")
    assert body["department"] == {"id": department.pk, "name": "Energy"}
    assert body["manager"] == {"id": boss.pk, "name": "Berit Boss"}
    kari.refresh_from_db()
    assert kari.manager == boss
    assert kari.name == "Kari Nordmann"


def test_patch_me_with_a_session_enforces_csrf(kari):
    client, csrf = csrf_client(kari)
    refused = client.patch(
        ME, data=json.dumps({"job_title": "Hacker"}), content_type="application/json"
    )
    assert refused.status_code == 403
    kari.refresh_from_db()
    assert kari.job_title == ""
    allowed = client.patch(
        ME,
        data=json.dumps({"job_title": "Consultant"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert allowed.status_code == 200
    assert allowed.json()["job_title"] == "Consultant"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"manager_id": "SELF"}, "manager"),
        ({"department_id": 999999}, "department_id"),
        ({"manager_id": 999999}, "manager_id"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"skills": ["x" * 61]}, "skills"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "xx"}, "language"),
        ({"department_id": "abc"}, "department_id"),
        ({"phone": "1" * 41}, "phone"),
    ],
)
def test_patch_me_rejects_bad_input_with_422(kari, kari_secret, payload, field):
    if payload.get("manager_id") == "SELF":
        payload = {"manager_id": kari.pk}
    response = Client().patch(
        ME, data=json.dumps(payload), content_type="application/json", **bearer(kari_secret)
    )
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    kari.refresh_from_db()
    assert (kari.name, kari.manager_id, kari.department_id) == ("Kari Nordmann", None, None)


def test_patch_me_with_malformed_json_is_not_a_500(kari_secret):
    response = Client().patch(
        ME, data="{not json", content_type="application/json", **bearer(kari_secret)
    )
    assert response.status_code in (400, 422)


def test_token_endpoints_with_a_bearer_token(kari, kari_secret):
    listed = Client().get(TOKENS, **bearer(kari_secret))
    assert listed.status_code == 200
    first = ApiToken.objects.get()
    assert listed.json() == [
        {
            "id": first.pk,
            "name": "Script",
            "prefix": kari_secret[:12],
            "created_at": listed.json()[0]["created_at"],
            "last_used_at": listed.json()[0]["last_used_at"],
        }
    ]

    created = Client(enforce_csrf_checks=True).post(
        TOKENS,
        data=json.dumps({"name": "CI"}),
        content_type="application/json",
        **bearer(kari_secret),
    )
    assert created.status_code == 201
    new = created.json()
    assert new["name"] == "CI"
    assert new["token"].startswith("torg_")
    assert Client().get(ME, **bearer(new["token"])).status_code == 200
    assert "token" not in Client().get(TOKENS, **bearer(kari_secret)).json()[0]

    deleted = Client().delete(f"{TOKENS}/{new['id']}", **bearer(kari_secret))
    assert deleted.status_code == 204
    assert Client().get(ME, **bearer(new["token"])).status_code == 401
    assert [t["name"] for t in Client().get(TOKENS, **bearer(kari_secret)).json()] == ["Script"]


def test_token_endpoints_with_a_session_need_csrf(kari):
    client, csrf = csrf_client(kari)
    refused = client.post(TOKENS, data=json.dumps({"name": "CI"}), content_type="application/json")
    assert refused.status_code == 403
    assert ApiToken.objects.count() == 0
    created = client.post(
        TOKENS,
        data=json.dumps({"name": "CI"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert created.status_code == 201
    assert client.get(TOKENS).json()[0]["name"] == "CI"
    token_id = created.json()["id"]
    assert client.delete(f"{TOKENS}/{token_id}").status_code == 403
    assert client.delete(f"{TOKENS}/{token_id}", HTTP_X_CSRFTOKEN=csrf).status_code == 204


def test_deleting_someone_elses_token_is_404(kari, kari_secret, make_user):
    per = make_user("per@example.com")
    theirs, _secret = do_create_api_token(user=per, name="Per's")
    response = Client().delete(f"{TOKENS}/{theirs.pk}", **bearer(kari_secret))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert Client().delete(f"{TOKENS}/999999", **bearer(kari_secret)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_name_is_required(kari_secret):
    response = Client().post(
        TOKENS,
        data=json.dumps({"name": " "}),
        content_type="application/json",
        **bearer(kari_secret),
    )
    assert response.status_code == 422
