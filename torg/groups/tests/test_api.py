from __future__ import annotations

import json

import pytest
from django.test import Client

from torg.groups import actions
from torg.groups.models import Group, GroupInvitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def api(client: Client, method: str, url: str, body: dict | None = None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(f"/api/v1/groups{url}", **kwargs)


@pytest.fixture
def signed_in(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_list_filters_and_pagination(signed_in, make_group, make_user):
    make_group("Alpha", kind="social", description="Running club")
    make_group("Beta", privacy="closed")
    make_group("Hidden", privacy="secret", by=make_user())
    response = api(signed_in, "get", "")
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["pages"]) == (2, 1, 1)
    assert [g["slug"] for g in data["items"]] == ["alpha", "beta"]
    assert data["items"][0]["my_role"] == "admin"
    assert [g["slug"] for g in api(signed_in, "get", "?kind=social").json()["items"]] == ["alpha"]
    assert [g["slug"] for g in api(signed_in, "get", "?q=running").json()["items"]] == ["alpha"]
    assert api(signed_in, "get", "?mine=true").json()["count"] == 2
    assert api(signed_in, "get", "?page=0").status_code == 422
    assert api(signed_in, "get", "?kind=nope").status_code == 422
    assert api(signed_in, "get", "?page=9").json()["items"] == []


def test_create_and_patch(signed_in, make_user):
    response = api(signed_in, "post", "", {"name": "Bid team", "privacy": "closed", "kind": "team"})
    assert response.status_code == 201
    data = response.json()
    assert (data["slug"], data["privacy"], data["member_count"], data["my_role"]) == (
        "bid-team",
        "closed",
        1,
        "admin",
    )
    child = api(signed_in, "post", "", {"name": "Bid team Norway", "parent": "bid-team"}).json()
    assert child["parent"] == "bid-team"
    assert api(signed_in, "post", "", {"name": ""}).status_code == 422
    assert api(signed_in, "post", "", {"name": "x", "parent": "nope"}).json() == {
        "detail": "Unknown parent group."
    }
    response = api(signed_in, "post", "", {"name": "All", "is_company_wide": True})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only network admins can create a company-wide group."}
    patched = api(
        signed_in, "patch", "/bid-team", {"description": "Winning work", "kind": "social"}
    )
    assert patched.status_code == 200
    assert (patched.json()["description"], patched.json()["kind"], patched.json()["name"]) == (
        "Winning work",
        "social",
        "Bid team",
    )
    assert api(signed_in, "patch", "/bid-team-norway", {"parent": ""}).json()["parent"] is None
    other = Client()
    other.force_login(make_user())
    assert api(other, "patch", "/bid-team", {"name": "Mine"}).status_code == 403
    assert Group.objects.get(slug="bid-team").name == "Bid team"


def test_members_requests_approve_deny(signed_in, admin, make_group, make_user):
    make_group("Closed", privacy="closed")
    asker, other = make_user("Asker"), make_user("Other")
    for person in (asker, other):
        client = Client()
        client.force_login(person)
        assert api(client, "post", "/closed/join", {"message": "Please"}).json() == {
            "status": "pending",
            "detail": "Your request was sent to the group's admins.",
        }
    requests = api(signed_in, "get", "/closed/requests").json()
    assert [(r["user"]["name"], r["message"]) for r in requests] == [
        ("Asker", "Please"),
        ("Other", "Please"),
    ]
    approved = api(signed_in, "post", f"/closed/requests/{requests[0]['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["role"] == "member"
    denied = api(signed_in, "post", f"/closed/requests/{requests[1]['id']}/deny")
    assert denied.json() == {"detail": "The request was denied."}
    again = api(signed_in, "post", f"/closed/requests/{requests[1]['id']}/deny")
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "This request has already been answered."},
    )
    assert api(signed_in, "post", "/closed/requests/999999/approve").status_code == 404
    members = api(signed_in, "get", "/closed/members").json()
    assert members["count"] == 2
    assert [(m["user"]["name"], m["role"]) for m in members["items"]] == [
        ("Ada Admin", "admin"),
        ("Asker", "member"),
    ]
    assert JoinRequest.objects.get(user=other).status == "denied"


def test_invite_accept_role_and_remove(signed_in, make_group, make_user):
    make_group("Secret", privacy="secret")
    guest = make_user("Guest", is_guest=True)
    response = api(signed_in, "post", "/secret/invitations", {"user_id": guest.pk})
    assert response.status_code == 201
    assert response.json()["user_id"] == guest.pk
    assert api(signed_in, "post", "/secret/invitations", {"user_id": 10**9}).status_code == 400
    guest_client = Client()
    guest_client.force_login(guest)
    assert api(guest_client, "get", "/secret").json()["invited"] is True
    accepted = api(guest_client, "post", "/secret/invitation/accept")
    assert (accepted.status_code, accepted.json()["role"]) == (200, "member")
    assert not GroupInvitation.objects.exists()
    changed = api(signed_in, "patch", f"/secret/members/{guest.pk}", {"role": "moderator"})
    assert changed.json()["role"] == "moderator"
    assert api(signed_in, "patch", f"/secret/members/{guest.pk}", {"role": "x"}).status_code == 422
    removed = api(signed_in, "delete", f"/secret/members/{guest.pk}")
    assert removed.status_code == 204
    assert not Membership.objects.filter(user=guest).exists()
    assert api(guest_client, "get", "/secret").status_code == 404
    assert api(signed_in, "delete", "/secret/members/99999999").status_code == 404


def test_leave_refusal_message(signed_in, admin, make_group, make_user):
    group = make_group("Team")
    actions.do_add_member(group=group, user=make_user())
    response = api(signed_in, "post", "/team/leave")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You are the group's only admin. Make another member admin before you leave."
    }


def test_token_auth_works_and_anonymous_is_refused(admin, make_group):
    from torg.accounts.models import ApiToken
    from torg.api.auth import hash_token

    make_group("Team")
    ApiToken.objects.create(user=admin, name="cli", prefix="abc", token_hash=hash_token("secret-1"))
    client = Client()
    response = client.get("/api/v1/groups", headers={"Authorization": "Bearer secret-1"})
    assert (response.status_code, response.json()["count"]) == (200, 1)
    assert client.get("/api/v1/groups").status_code == 401


def test_openapi_schema_lists_the_group_endpoints(signed_in):
    schema = signed_in.get("/api/v1/openapi.json").json()
    paths = {path for path in schema["paths"] if path.startswith("/api/v1/groups")}
    assert paths == {
        "/api/v1/groups",
        "/api/v1/groups/{slug}",
        "/api/v1/groups/{slug}/members",
        "/api/v1/groups/{slug}/join",
        "/api/v1/groups/{slug}/leave",
        "/api/v1/groups/{slug}/requests",
        "/api/v1/groups/{slug}/requests/{request_id}/approve",
        "/api/v1/groups/{slug}/requests/{request_id}/deny",
        "/api/v1/groups/{slug}/invitations",
        "/api/v1/groups/{slug}/invitation/accept",
        "/api/v1/groups/{slug}/invitation/decline",
        "/api/v1/groups/{slug}/members/{user_id}",
    }
