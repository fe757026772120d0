from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from torg.governance import audit, roles
from torg.governance.models import AuditEvent
from torg.groups import actions as group_actions

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_is_recorded(make_user):
    person = make_user(email="signin@example.com")
    response = Client().post(
        "/login/",
        {"username": "signin@example.com", "password": "pw-123456789"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert (event.actor_id, event.actor_label, event.target_id, event.data) == (
        person.pk,
        "signin@example.com",
        person.pk,
        {"ip": "10.0.0.7"},
    )


def test_privacy_change_is_recorded(make_user, make_group):
    admin = make_user()
    group = make_group("Private soon", by=admin)
    group_actions.do_update_group(
        actor=admin,
        group=group,
        name=group.name,
        description="",
        privacy="closed",
        kind=group.kind,
        parent=None,
    )
    assert list(
        AuditEvent.objects.filter(action="group.privacy").values_list(
            "actor_id", "group_id", "data"
        )
    ) == [(admin.pk, group.pk, {"privacy": "closed"})]


def test_audit_events_cannot_be_changed_or_deleted(make_user):
    event = audit.record(make_user(), "test.event", summary="first")
    event.summary = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(summary="sneaky")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "first"


def test_deleting_a_person_keeps_their_audit_lines(make_user):
    person = make_user()
    person_id = person.pk
    audit.record(person, "test.event")
    person.delete()
    event = AuditEvent.objects.get(action="test.event")
    assert (event.actor_id, event.actor_label) == (person_id, person.email)


def test_audit_page_and_csv_only_for_network_admins(make_user, network_admin, moderator):
    communications = make_user()
    roles.grant(network_admin, communications, "communications")
    plain = make_user()
    statuses = {
        name: (
            _client(person).get("/governance/audit/").status_code,
            _client(person).get("/governance/audit.csv").status_code,
            _client(person).get("/api/v1/governance/audit").status_code,
        )
        for name, person in {
            "network admin": network_admin,
            "moderator": moderator,
            "communications": communications,
            "plain": plain,
        }.items()
    }
    assert statuses == {
        "network admin": (200, 200, 200),
        "moderator": (404, 404, 404),
        "communications": (404, 404, 404),
        "plain": (404, 404, 404),
    }
    assert Client().get("/governance/audit/").status_code == 302
    assert AuditEvent.objects.filter(action="audit.export").count() == 1


def test_audit_search_and_csv_contents(make_user, network_admin):
    alice = make_user(email="alice@example.com")
    roles.grant(network_admin, alice, "moderator")
    audit.record(alice, "moderation.hide", target_kind="post", target_id=7, note="=cmd()")
    client = _client(network_admin)
    page = client.get("/governance/audit/", {"action": "moderation."}).content.decode()
    assert "moderation.hide" in page and "role.grant" not in page
    response = client.get("/governance/audit.csv", {"q": "alice@", "action": "moderation."})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "id",
        "time",
        "actor_id",
        "actor",
        "action",
        "target_kind",
        "target_id",
        "group_id",
        "data",
    ]
    assert [(r[3], r[4], r[5], r[6], r[8]) for r in rows[1:]] == [
        ("alice@example.com", "moderation.hide", "post", "7", '{"note": "=cmd()"}'),
    ]
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_id == network_admin.pk
    assert export.data == {"filters": {"q": "alice@", "action": "moderation."}}
    bad_dates = client.get("/governance/audit/", {"since": "yesterday", "until": "2026-13-45"})
    assert bad_dates.status_code == 200
