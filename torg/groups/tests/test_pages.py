from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from torg.groups import actions
from torg.groups.models import AutoMembershipRule, Group, Membership
from torg.people.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_directory_query_count_does_not_grow(signed_in, make_group, make_user):
    make_group("First")
    signed_in.get("/groups/")  # warm up session and content types
    with CaptureQueriesContext(connection) as before:
        response = signed_in.get("/groups/")
    assert response.status_code == 200
    other = make_user()
    for number in range(20):
        make_group(f"Group {number}", privacy=["open", "closed", "secret"][number % 3], by=other)
    with CaptureQueriesContext(connection) as after:
        response = signed_in.get("/groups/")
    assert len(after) == len(before)
    assert response.content.decode().count('class="row-title"') == 15


def test_directory_search_kind_mine_and_bad_page(signed_in, make_group, make_user):
    make_group("Choir", kind="social", description="We sing")
    make_group("Other", by=make_user())
    html = signed_in.get("/groups/?q=sing").content.decode()
    assert "Choir" in html and "Other" not in html
    html = signed_in.get("/groups/?kind=social").content.decode()
    assert "Choir" in html and "Other" not in html
    html = signed_in.get("/groups/?mine=1").content.decode()
    assert "Choir" in html and "Other" not in html
    assert signed_in.get("/groups/?page=abc&kind=zzz").status_code == 200


def test_create_form_errors_and_success(signed_in):
    response = signed_in.post("/groups/new/", {"name": "", "privacy": "open", "kind": "team"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = signed_in.post(
        "/groups/new/", {"name": "Hiking", "privacy": "weird", "kind": "team"}
    )
    assert response.status_code == 200
    assert not Group.objects.exists()
    response = signed_in.post(
        "/groups/new/", {"name": "Hiking", "privacy": "open", "kind": "social"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/groups/hiking/"
    assert Group.objects.get().kind == "social"


def test_guest_cannot_open_the_create_page(make_user):
    client = Client()
    client.force_login(make_user(is_guest=True))
    assert client.get("/groups/new/").status_code == 403


def test_detail_breadcrumbs_hide_unknown_parents(signed_in, admin, make_group, make_user):
    top = make_group("Global")
    middle = make_group("Hidden middle", privacy="secret", parent=top)
    leaf = make_group("Norway", parent=middle)
    viewer = Client()
    viewer.force_login(make_user())
    html = viewer.get(f"/groups/{leaf.slug}/").content.decode()
    assert "Global" in html
    assert "Hidden middle" not in html
    html = signed_in.get(f"/groups/{leaf.slug}/").content.decode()
    assert "Hidden middle" in html
    top_html = signed_in.get(f"/groups/{top.slug}/").content.decode()
    assert "Hidden middle" in top_html
    assert "Hidden middle" not in viewer.get(f"/groups/{top.slug}/").content.decode()


def test_join_flow_on_pages_with_messages(signed_in, admin, make_group, make_user):
    group = make_group("Closed", privacy="closed")
    asker = make_user("Asker Person")
    client = Client()
    client.force_login(asker)
    response = client.post(f"/groups/{group.slug}/join/", {"message": "Hello"}, follow=True)
    html = response.content.decode()
    assert "You asked to join. A group admin will answer." in html
    assert "Request pending" in html
    requests_html = signed_in.get(f"/groups/{group.slug}/requests/").content.decode()
    assert "Asker Person" in requests_html and "Hello" in requests_html
    join_request = group.join_requests.get()
    response = signed_in.post(
        f"/groups/{group.slug}/requests/{join_request.pk}/approve/", follow=True
    )
    assert "Asker Person is now a member." in response.content.decode()
    assert client.get(f"/groups/{group.slug}/members/").status_code == 200
    response = signed_in.post(f"/groups/{group.slug}/leave/", follow=True)
    assert "only admin" in response.content.decode()


def test_members_page_admin_tools_and_person_picker(signed_in, admin, make_group, make_user):
    group = make_group("Team")
    member = make_user("Mona Member")
    actions.do_add_member(group=group, user=member)
    make_user("Ola Outsider", email="ola@example.com")
    html = signed_in.get(f"/groups/{group.slug}/members/?invite_q=ola@example.com").content.decode()
    assert "Ola Outsider" in html
    assert f'action="/groups/{group.slug}/members/{member.pk}/remove/"' in html
    assert 'id="role-' in html
    partial = signed_in.get(
        f"/groups/{group.slug}/members/?invite_q=Ola&partial=candidates",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert partial.startswith('<div id="invite-candidates"')
    signed_in.post(f"/groups/{group.slug}/members/{member.pk}/role/", {"role": "moderator"})
    assert Membership.objects.get(user=member).role == "moderator"
    signed_in.post(f"/groups/{group.slug}/members/{member.pk}/remove/")
    assert not Membership.objects.filter(user=member).exists()
    assert (
        signed_in.post(f"/groups/{group.slug}/members/99999999999999999999/remove/").status_code
        == 404
    )


def test_settings_page_and_rules(signed_in, admin, make_group, make_user):
    group = make_group("Team")
    tech = Department.objects.create(name="Technology", slug="technology")
    engineer = make_user("Eva Engineer", department=tech)
    response = signed_in.post(
        f"/groups/{group.slug}/settings/",
        {"name": "Team 2", "description": "d", "privacy": "closed", "kind": "team", "parent": ""},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.privacy) == ("Team 2", "closed")
    response = signed_in.post(f"/groups/{group.slug}/rules/", {}, follow=True)
    assert "Choose a department, a location or both." in response.content.decode()
    signed_in.post(f"/groups/{group.slug}/rules/", {"department": tech.pk})
    assert Membership.objects.get(group=group, user=engineer).rule is not None
    rule = AutoMembershipRule.objects.get()
    html = signed_in.get(f"/groups/{group.slug}/settings/").content.decode()
    assert "Everyone in Technology" in html
    signed_in.post(f"/groups/{group.slug}/rules/{rule.pk}/remove/")
    assert not Membership.objects.filter(group=group, user=engineer).exists()


def test_home_page_lists_my_groups_and_suggestions(signed_in, make_group, make_user):
    make_group("My team")
    make_group("Popular", by=make_user())
    html = signed_in.get("/").content.decode()
    assert "My team" in html
    assert "Groups you might like" in html and "Popular" in html


def test_norwegian_translation(signed_in, admin, make_group):
    admin.language = "nb"
    admin.save()
    make_group("Team")
    html = signed_in.get("/groups/").content.decode()
    assert "Opprett gruppe" in html
