"""Who may mark posts as announcements, who sees receipts, and what outsiders get (404)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from torg.announcements import actions
from torg.announcements.access import access_receipts, can_announce
from torg.announcements.models import Announcement
from torg.announcements.tests.conftest import World, client_for
from torg.posts import actions as post_actions
from torg.posts.access import PostNotFound


def test_who_may_mark_a_post_in_an_ordinary_group(world: World) -> None:
    post = world.post(world.closed)
    allowed = {
        name: can_announce(getattr(world, name), post)
        for name in ("admin", "moderator", "kari", "outsider", "network_admin", "comms")
    }
    assert allowed == {
        "admin": True,
        "moderator": False,
        "kari": False,
        "outsider": False,
        "network_admin": True,
        "comms": True,
    }


def test_group_admin_rights_stop_at_their_own_groups(world: World) -> None:
    company_post = world.post(world.company, author=world.kari)
    # Ada runs the other groups but is an ordinary member of the company-wide group.
    assert can_announce(world.admin, company_post) is False
    assert can_announce(world.comms, company_post) is True
    assert can_announce(world.network_admin, company_post) is True
    with pytest.raises(PermissionDenied):
        actions.do_mark_announcement(actor=world.admin, post=company_post)
    assert not Announcement.objects.exists()


def test_profile_posts_and_deleted_posts_are_never_announcements(world: World) -> None:
    profile_post = post_actions.do_create_post(author=world.network_admin, group=None, body="Me")
    with pytest.raises(ValidationError, match="Only posts in groups"):
        actions.do_mark_announcement(actor=world.network_admin, post=profile_post)
    post = world.post(world.open)
    post_actions.do_delete_post(actor=world.admin, post=post)
    post.refresh_from_db()
    with pytest.raises(ValidationError, match="deleted"):
        actions.do_mark_announcement(actor=world.admin, post=post)
    assert not Announcement.objects.exists()


def test_members_and_moderators_may_not_mark_or_unmark(world: World) -> None:
    post = world.post(world.open)
    for person in (world.kari, world.moderator):
        with pytest.raises(PermissionDenied):
            actions.do_mark_announcement(actor=person, post=post)
    actions.do_mark_announcement(actor=world.admin, post=post)
    for person in (world.kari, world.moderator):
        with pytest.raises(PermissionDenied):
            actions.do_unmark_announcement(actor=person, post=post)
    assert Announcement.objects.filter(post=post).count() == 1
    assert actions.do_unmark_announcement(actor=world.comms, post=post) is True
    assert not Announcement.objects.exists()


def test_inactive_people_lose_the_right(world: World) -> None:
    post = world.post(world.open)
    world.comms.is_active = False
    world.comms.save()
    assert can_announce(world.comms, post) is False


def test_bad_until_and_reminder_are_refused_with_a_reason(world: World) -> None:
    from datetime import datetime, timedelta

    from django.utils import timezone

    post = world.post(world.open)
    now = timezone.now()
    cases = [
        ({"until": now - timedelta(minutes=1)}, "must be in the future"),
        ({"until": now + timedelta(days=400)}, "at most a year"),
        ({"until": datetime(2030, 1, 1)}, "time zone"),  # a naive date
        ({"reminder": "2d"}, "Choose when to remind"),
        ({"until": now + timedelta(hours=5), "reminder": "1d"}, "after the announcement ends"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError, match=message):
            actions.do_mark_announcement(actor=world.admin, post=post, **kwargs)  # type: ignore[arg-type]
    assert not Announcement.objects.exists()


def test_receipts_only_for_the_author_the_announcer_and_admins(world: World) -> None:
    post = world.post(world.open, author=world.kari)
    actions.do_mark_announcement(actor=world.comms, post=post)
    seen = {}
    for name in ("admin", "moderator", "kari", "ola", "outsider", "network_admin", "comms"):
        try:
            access_receipts(getattr(world, name), post.pk)
        except PostNotFound:
            seen[name] = False
        else:
            seen[name] = True
    assert seen == {
        "admin": True,  # group admin
        "moderator": False,
        "kari": True,  # author
        "ola": False,
        "outsider": False,
        "network_admin": True,
        "comms": True,  # marked it
    }


def test_receipt_pages_and_api_are_404_for_everyone_else(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(actor=world.admin, post=post)
    urls = [
        f"/announcements/posts/{post.pk}/receipts/",
        f"/announcements/posts/{post.pk}/receipts.csv",
        f"/api/v1/announcements/posts/{post.pk}/receipts",
        f"/api/v1/announcements/posts/{post.pk}/receipts.csv",
    ]
    member, moderator = client_for(world.ola), client_for(world.moderator)
    assert [member.get(u).status_code for u in urls] == [404, 404, 404, 404]
    assert [moderator.get(u).status_code for u in urls] == [404, 404, 404, 404]
    admin = client_for(world.admin)
    assert [admin.get(u).status_code for u in urls] == [200, 200, 200, 200]


def test_an_outsider_of_a_secret_group_gets_the_same_404_as_for_nothing(world: World) -> None:
    post = world.post(world.secret)
    actions.do_mark_announcement(actor=world.admin, post=post)
    missing = post.pk + 1000
    outsider = client_for(world.outsider)
    # Network admins and communications staff do not see into secret groups either.
    for client in (outsider, client_for(world.network_admin), client_for(world.comms)):
        for template in (
            "/announcements/posts/{}/receipts/",
            "/announcements/posts/{}/receipts.csv",
            "/announcements/posts/{}/mark/",
        ):
            hidden, absent = (
                client.get(template.format(post.pk)),
                client.get(template.format(missing)),
            )
            assert hidden.status_code == absent.status_code == 404
        for template in ("/announcements/posts/{}/read/", "/announcements/posts/{}/unmark/"):
            hidden, absent = (
                client.post(template.format(post.pk)),
                client.post(template.format(missing)),
            )
            assert hidden.status_code == absent.status_code == 404
        for method, template in (
            ("get", "/api/v1/announcements/posts/{}"),
            ("post", "/api/v1/announcements/posts/{}"),
            ("delete", "/api/v1/announcements/posts/{}"),
            ("post", "/api/v1/announcements/posts/{}/acknowledge"),
            ("get", "/api/v1/announcements/posts/{}/receipts"),
            ("get", "/api/v1/announcements/posts/{}/receipts.csv"),
        ):
            call = getattr(client, method)
            hidden = call(template.format(post.pk), content_type="application/json")
            absent = call(template.format(missing), content_type="application/json")
            assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found"})
            assert (absent.status_code, absent.json()) == (404, {"detail": "Not found"})
        assert client.get("/api/v1/announcements/pending").json() == []
    assert Announcement.objects.get(post=post).acknowledgements.count() == 1  # the admin's own


def test_a_member_who_may_not_mark_gets_403_on_the_form(world: World) -> None:
    post = world.post(world.open)
    response = client_for(world.kari).get(f"/announcements/posts/{post.pk}/mark/")
    assert response.status_code == 403
    response = client_for(world.kari).post(
        f"/announcements/posts/{post.pk}/mark/", {"reminder": "none"}
    )
    assert response.status_code == 403
    assert not Announcement.objects.exists()
