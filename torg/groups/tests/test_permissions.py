"""Who may see and do what, for open/closed/secret groups, in pages and in the API."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from torg.groups import actions
from torg.groups.models import GroupInvitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db

PRIVACIES = ["open", "closed", "secret"]
WHO = ["admin", "member", "employee", "guest", "anonymous"]


@pytest.fixture
def world(make_user, make_group):
    people = {
        "admin": make_user("Group Admin"),
        "member": make_user("Group Member"),
        "employee": make_user("Other Employee"),
        "guest": make_user("Partner Guest", is_guest=True),
    }
    groups = {}
    for privacy in PRIVACIES:
        group = make_group(f"{privacy} group", privacy=privacy, by=people["admin"])
        actions.do_add_member(group=group, user=people["member"])
        groups[privacy] = group
    return people, groups


CSRF_MASK = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def same_answer(response) -> bytes:
    """The body with the per-response CSRF mask blanked.

    Django masks the CSRF token afresh on every render, so even two answers for the same
    nonexistent slug differ there; everything else must be byte-identical.
    """
    return CSRF_MASK.sub(rb'\1-"', response.content)


def client_for(people, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(people[who])
    return client


def state(group):
    return (
        sorted(Membership.objects.filter(group=group).values_list("user_id", "role")),
        sorted(JoinRequest.objects.filter(group=group).values_list("user_id", "status")),
        sorted(GroupInvitation.objects.filter(group=group).values_list("user_id", flat=True)),
    )


# Expected status of GET pages: (detail, members, requests, settings)
PAGE_STATUS = {
    ("open", "admin"): (200, 200, 200, 200),
    ("open", "member"): (200, 200, 403, 403),
    ("open", "employee"): (200, 200, 403, 403),
    ("open", "guest"): (404, 404, 404, 404),
    ("closed", "admin"): (200, 200, 200, 200),
    ("closed", "member"): (200, 200, 403, 403),
    ("closed", "employee"): (200, 403, 403, 403),
    ("closed", "guest"): (404, 404, 404, 404),
    ("secret", "admin"): (200, 200, 200, 200),
    ("secret", "member"): (200, 200, 403, 403),
    ("secret", "employee"): (404, 404, 404, 404),
    ("secret", "guest"): (404, 404, 404, 404),
}


@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", WHO)
def test_pages_each_person_may_see(world, privacy, who):
    people, groups = world
    group = groups[privacy]
    client = client_for(people, who)
    statuses = tuple(
        client.get(f"/groups/{group.slug}/{suffix}").status_code
        for suffix in ("", "members/", "requests/", "settings/")
    )
    if who == "anonymous":
        assert statuses == (302, 302, 302, 302)
    else:
        assert statuses == PAGE_STATUS[(privacy, who)]


@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", WHO)
def test_api_each_person_may_see(world, privacy, who):
    people, groups = world
    group = groups[privacy]
    client = client_for(people, who)
    statuses = tuple(
        client.get(f"/api/v1/groups/{group.slug}{suffix}").status_code
        for suffix in ("", "/members", "/requests")
    )
    if who == "anonymous":
        assert statuses == (401, 401, 401)
    else:
        assert statuses == PAGE_STATUS[(privacy, who)][:3]


def test_closed_group_shows_name_and_description_but_no_members_to_outsiders(world):
    people, groups = world
    group = groups["closed"]
    actions.do_update_group(
        actor=people["admin"],
        group=group,
        name=group.name,
        description="Bid team work",
        privacy="closed",
        kind="team",
        parent=None,
    )
    html = client_for(people, "employee").get(f"/groups/{group.slug}/").content.decode()
    assert "closed group" in html
    assert "Bid team work" in html
    assert "Request to join" in html
    assert "Group Admin" not in html
    assert f"/groups/{group.slug}/members/" not in html
    member_html = client_for(people, "member").get(f"/groups/{group.slug}/").content.decode()
    assert "Group Admin" in member_html


# What a join does: "member", "pending", "404" or "refused" (no change).
JOIN_RESULT = {
    ("open", "admin"): "refused",
    ("open", "member"): "refused",
    ("open", "employee"): "member",
    ("open", "guest"): "404",
    ("closed", "admin"): "refused",
    ("closed", "member"): "refused",
    ("closed", "employee"): "pending",
    ("closed", "guest"): "404",
    ("secret", "admin"): "refused",
    ("secret", "member"): "refused",
    ("secret", "employee"): "404",
    ("secret", "guest"): "404",
}


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", WHO)
def test_join(world, privacy, who, via):
    people, groups = world
    group = groups[privacy]
    client = client_for(people, who)
    before = state(group)
    if via == "page":
        response = client.post(f"/groups/{group.slug}/join/")
    else:
        # No body at all is fine for the API.
        response = client.post(f"/api/v1/groups/{group.slug}/join", content_type="application/json")
    if who == "anonymous":
        assert response.status_code == (302 if via == "page" else 401)
        assert state(group) == before
        return
    expected = JOIN_RESULT[(privacy, who)]
    person = people[who]
    if expected == "404":
        assert response.status_code == 404
        assert state(group) == before
    elif expected == "refused":
        assert response.status_code == (302 if via == "page" else 400)
        assert state(group) == before
    elif expected == "member":
        assert response.status_code == (302 if via == "page" else 200)
        assert Membership.objects.get(group=group, user=person).role == "member"
    else:
        assert response.status_code == (302 if via == "page" else 200)
        assert JoinRequest.objects.get(group=group, user=person).status == "pending"
        assert not Membership.objects.filter(group=group, user=person).exists()


LEAVE_OK = {"member": True, "admin": False, "employee": False, "guest": False}


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", ["admin", "member", "employee", "guest"])
def test_leave(world, privacy, who, via):
    people, groups = world
    group = groups[privacy]
    client = client_for(people, who)
    before = state(group)
    url = f"/groups/{group.slug}/leave/" if via == "page" else f"/api/v1/groups/{group.slug}/leave"
    response = client.post(url)
    hidden = who == "guest" or (who == "employee" and privacy == "secret")
    if hidden:
        assert response.status_code == 404
    elif LEAVE_OK[who]:
        assert response.status_code == (302 if via == "page" else 200)
        assert not Membership.objects.filter(group=group, user=people[who]).exists()
        return
    else:
        # The last admin with members left, or a non-member: refused.
        assert response.status_code == (302 if via == "page" else 400)
    assert state(group) == before


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", ["admin", "member", "employee", "guest"])
def test_approve(world, make_user, privacy, who, via):
    people, groups = world
    group = groups[privacy]
    asker = make_user()
    join_request = JoinRequest.objects.create(group=group, user=asker)
    client = client_for(people, who)
    before = state(group)
    url = (
        f"/groups/{group.slug}/requests/{join_request.pk}/approve/"
        if via == "page"
        else f"/api/v1/groups/{group.slug}/requests/{join_request.pk}/approve"
    )
    response = client.post(url)
    hidden = who == "guest" or (who == "employee" and privacy in ("secret",))
    if hidden:
        assert response.status_code == 404
        assert state(group) == before
    elif who == "admin":
        assert response.status_code == (302 if via == "page" else 200)
        assert Membership.objects.filter(group=group, user=asker).exists()
    else:
        assert response.status_code == (302 if via == "page" else 403)
        assert state(group) == before


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("who", ["admin", "member", "employee", "guest"])
def test_invite(world, make_user, privacy, who, via):
    people, groups = world
    group = groups[privacy]
    invitee = make_user()
    client = client_for(people, who)
    before = state(group)
    if via == "page":
        response = client.post(f"/groups/{group.slug}/invite/", {"user": invitee.pk})
    else:
        response = client.post(
            f"/api/v1/groups/{group.slug}/invitations",
            json.dumps({"user_id": invitee.pk}),
            content_type="application/json",
        )
    hidden = who == "guest" or (who == "employee" and privacy == "secret")
    allowed = who == "admin" or (who == "member" and privacy != "secret")
    if hidden:
        assert response.status_code == 404
        assert state(group) == before
    elif allowed:
        assert response.status_code == (302 if via == "page" else 201)
        assert GroupInvitation.objects.filter(group=group, user=invitee).exists()
    else:
        assert response.status_code == (302 if via == "page" else 403)
        assert state(group) == before


SECRET_URLS = [
    ("get", "/groups/{slug}/"),
    ("get", "/groups/{slug}/members/"),
    ("get", "/groups/{slug}/requests/"),
    ("get", "/groups/{slug}/settings/"),
    ("post", "/groups/{slug}/settings/"),
    ("post", "/groups/{slug}/join/"),
    ("post", "/groups/{slug}/leave/"),
    ("post", "/groups/{slug}/request/cancel/"),
    ("post", "/groups/{slug}/requests/1/approve/"),
    ("post", "/groups/{slug}/requests/1/deny/"),
    ("post", "/groups/{slug}/invite/"),
    ("post", "/groups/{slug}/invitation/accept/"),
    ("post", "/groups/{slug}/invitation/decline/"),
    ("post", "/groups/{slug}/members/1/remove/"),
    ("post", "/groups/{slug}/members/1/role/"),
    ("post", "/groups/{slug}/rules/"),
    ("post", "/groups/{slug}/rules/1/remove/"),
    ("get", "/api/v1/groups/{slug}"),
    ("patch", "/api/v1/groups/{slug}"),
    ("get", "/api/v1/groups/{slug}/members"),
    ("post", "/api/v1/groups/{slug}/join"),
    ("post", "/api/v1/groups/{slug}/leave"),
    ("get", "/api/v1/groups/{slug}/requests"),
    ("post", "/api/v1/groups/{slug}/requests/1/approve"),
    ("post", "/api/v1/groups/{slug}/requests/1/deny"),
    ("post", "/api/v1/groups/{slug}/invitations"),
    ("post", "/api/v1/groups/{slug}/invitation/accept"),
    ("delete", "/api/v1/groups/{slug}/members/1"),
    ("patch", "/api/v1/groups/{slug}/members/1"),
]


@pytest.mark.parametrize("who", ["employee", "guest", "anonymous"])
@pytest.mark.parametrize(("method", "url"), SECRET_URLS)
def test_secret_group_answers_exactly_like_a_nonexistent_slug(world, who, method, url):
    people, groups = world
    secret = groups["secret"]
    client = client_for(people, who)
    before = state(secret)
    body: dict = {"user_id": people["employee"].pk, "role": "admin", "name": "x"}

    def call(slug: str):
        target = url.format(slug=slug)
        if method == "get":
            return client.get(target)
        if target.startswith("/api/"):
            return getattr(client, method)(
                target, json.dumps(body), content_type="application/json"
            )
        return getattr(client, method)(target, {"user": people["employee"].pk, "role": "admin"})

    hidden = call(secret.slug)
    missing = call("no-such-group")
    assert hidden.status_code == missing.status_code
    if who != "anonymous":
        assert hidden.status_code in (404, 405)
        assert same_answer(hidden) == same_answer(missing)
        assert b"Secret" not in hidden.content and b"secret group" not in hidden.content
    else:
        assert hidden.status_code in (302, 401, 405)
        if hidden.status_code != 302:
            assert same_answer(hidden) == same_answer(missing)
    assert state(secret) == before


def test_api_404_body_for_hidden_group(world):
    people, groups = world
    response = client_for(people, "employee").get(f"/api/v1/groups/{groups['secret'].slug}")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
