from __future__ import annotations

import pytest
from django.test import Client

from torg.governance.models import AuditEvent, GuidelinesAcceptance

pytestmark = pytest.mark.django_db


def test_without_a_version_nobody_is_asked(make_user):
    client = Client()
    client.force_login(make_user())
    assert client.get("/").status_code == 200
    assert client.get("/governance/guidelines/").status_code == 200


def test_new_members_accept_the_guidelines_once(settings, make_user):
    settings.TORG_GUIDELINES = "2026-1"
    person = make_user()
    client = Client()
    client.force_login(person)
    response = client.get("/groups/")
    assert response.status_code == 302
    assert response["Location"] == "/governance/guidelines/?next=%2Fgroups%2F"
    assert client.get("/api/v1/governance/roles/me").status_code == 200
    page = client.get(response["Location"])
    assert "I accept the guidelines" in page.content.decode()
    accepted = client.post("/governance/guidelines/", {"next": "/groups/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/groups/"
    assert client.get("/groups/").status_code == 200
    assert GuidelinesAcceptance.objects.get(user=person).version == "2026-1"
    assert AuditEvent.objects.filter(action="guidelines.accept", actor=person).count() == 1
    settings.TORG_GUIDELINES = "2026-2"
    assert client.get("/groups/").status_code == 302
