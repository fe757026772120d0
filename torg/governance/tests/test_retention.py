from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from torg.governance import retention, tasks
from torg.governance.models import AuditEvent, LegalHold
from torg.posts.models import Post

pytestmark = pytest.mark.django_db


def aged(post, days):
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=days))
    return post


@pytest.fixture
def world(make_user, make_group, post_in, network_admin):
    alice, bob, held = make_user("Alice"), make_user("Bob"), make_user("Held Person")
    keep_long = make_group("Keep long", by=alice)
    normal = make_group("Normal", by=alice)
    frozen = make_group("Frozen", by=alice)
    for group in (keep_long, normal, frozen):
        for person in (bob, held):
            from torg.groups import actions

            actions.do_add_member(group=group, user=person, actor=person)
    posts = {
        "profile_old": aged(post_in(None, bob, "old profile"), 40),
        "profile_new": aged(post_in(None, bob, "new profile"), 10),
        "normal_old": aged(post_in(normal, bob, "normal old"), 40),
        "keep_long_40": aged(post_in(keep_long, bob, "kept by group policy"), 40),
        "keep_long_400": aged(post_in(keep_long, bob, "older than group policy"), 400),
        "held_person": aged(post_in(normal, held, "held person"), 40),
        "frozen_group": aged(post_in(frozen, bob, "held group"), 40),
    }
    retention.do_set_policy(actor=network_admin, group=None, days=30)
    retention.do_set_policy(actor=network_admin, group=keep_long, days=365)
    retention.do_add_hold(actor=network_admin, user=held, group=None, reason="Case 12")
    retention.do_add_hold(actor=network_admin, user=None, group=frozen, reason="Case 13")
    return posts


def test_preview_names_exactly_what_the_run_deletes(world, network_admin):
    expected = {world[k].pk for k in ("profile_old", "normal_old", "keep_long_400")}
    assert set(retention.posts_due().values_list("pk", flat=True)) == expected
    preview = retention.preview()
    assert preview.post_count == 3
    page = Client()
    page.force_login(network_admin)
    html = page.get("/governance/retention/").content.decode()
    assert "3 posts" in html and "Case 12" in html
    assert tasks.apply_retention.call() == 3
    remaining = set(Post.objects.values_list("pk", flat=True))
    assert remaining == {p.pk for p in world.values()} - expected
    assert retention.preview().post_count == 0
    assert tasks.apply_retention.call() == 0
    assert AuditEvent.objects.get(action="retention.delete").data == {"posts": 3, "messages": 0}


def test_lifting_a_hold_lets_retention_delete(world, network_admin):
    hold = LegalHold.objects.get(reason="Case 12")
    retention.do_remove_hold(actor=network_admin, hold=hold)
    assert world["held_person"].pk in set(retention.posts_due().values_list("pk", flat=True))


def test_no_policy_deletes_nothing(make_user, post_in):
    aged(post_in(None, make_user(), "ancient"), 5000)
    assert retention.preview().post_count == 0
    assert retention.do_apply_retention() == 0


def test_only_network_admins_manage_retention(make_user, moderator, network_admin):
    plain = make_user()
    for person in (plain, moderator):
        with pytest.raises(PermissionDenied):
            retention.do_set_policy(actor=person, group=None, days=10)
        with pytest.raises(PermissionDenied):
            retention.do_add_hold(actor=person, user=plain, group=None, reason="x")
        client = Client()
        client.force_login(person)
        assert client.get("/governance/retention/").status_code == 404
    for days in ("0", "abc", "40000", ""):
        with pytest.raises(ValidationError):
            retention.do_set_policy(actor=network_admin, group=None, days=days)
    with pytest.raises(ValidationError):
        retention.do_add_hold(actor=network_admin, user=None, group=None, reason="x")
    client = Client()
    client.force_login(network_admin)
    response = client.post("/governance/retention/", {"form": "policy", "days": "abc"}, follow=True)
    assert "Enter a whole number of days." in response.content.decode()
