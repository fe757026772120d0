from __future__ import annotations

import json

import pytest
from django.test import Client

from torg.governance.models import Report

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_roles_me(make_user, network_admin, moderator):
    assert _client(network_admin).get("/api/v1/governance/roles/me").json() == {
        "roles": ["network_admin", "communications", "moderator"]
    }
    assert _client(moderator).get("/api/v1/governance/roles/me").json() == {"roles": ["moderator"]}
    assert _client(make_user()).get("/api/v1/governance/roles/me").json() == {"roles": []}
    assert Client().get("/api/v1/governance/roles/me").status_code == 401


def test_report_and_decide_through_the_api(make_user, make_group, join, post_in, moderator):
    admin = make_user()
    group = make_group("Api group", by=admin)
    reader = make_user()
    join(group, reader)
    post = post_in(group, admin, "Questionable")
    owner = make_user()
    secret = post_in(make_group("Shh", privacy="secret", by=owner), owner, "hidden")
    client = _client(reader)
    status, body = _post(
        client,
        "/api/v1/governance/reports",
        {"kind": "post", "target_id": post.pk, "reason": "spam", "details": "ads"},
    )
    assert status == 201 and body["status"] == "open" and "snapshot" not in body
    status, body = _post(
        client,
        "/api/v1/governance/reports",
        {"kind": "post", "target_id": post.pk, "reason": "spam"},
    )
    assert status == 400 and "already reported" in body["detail"]
    status, _body = _post(
        client,
        "/api/v1/governance/reports",
        {"kind": "post", "target_id": secret.pk, "reason": "spam"},
    )
    assert status == 404
    status, _body = _post(
        client, "/api/v1/governance/reports", {"kind": "post", "target_id": 0, "reason": "x"}
    )
    assert status == 422
    assert client.get("/api/v1/governance/reports").status_code == 404
    report = Report.objects.get()
    status, _body = _post(
        client, f"/api/v1/governance/reports/{report.pk}/decision", {"outcome": "hide"}
    )
    assert status == 404
    queue = _client(moderator).get("/api/v1/governance/reports").json()
    assert [(r["id"], r["snapshot"], r["reporter_id"]) for r in queue] == [
        (report.pk, "Questionable", reader.pk)
    ]
    status, body = _post(
        _client(admin), f"/api/v1/governance/reports/{report.pk}/decision", {"outcome": "dismiss"}
    )
    assert status == 200 and body["status"] == "dismissed"
    status, body = _post(
        _client(moderator), f"/api/v1/governance/reports/{report.pk}/decision", {"outcome": "hide"}
    )
    assert status == 400 and "already been handled" in body["detail"]


def test_audit_api(network_admin, make_user):
    from torg.governance import roles

    person = make_user()
    roles.grant(network_admin, person, "communications")
    body = _client(network_admin).get("/api/v1/governance/audit", {"action": "role."}).json()
    assert body["count"] == 1
    assert [(e["action"], e["target_id"], e["data"]) for e in body["items"]] == [
        ("role.grant", person.pk, {"role": "communications"})
    ]
