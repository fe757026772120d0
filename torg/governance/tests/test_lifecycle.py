from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from torg.governance import lifecycle, tasks
from torg.governance.models import AuditEvent, GroupLifecycle
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership
from torg.notifications.models import Notification
from torg.notifications.selectors import target_url
from torg.posts import actions as post_actions
from torg.posts import comment_actions
from torg.posts.access import access_post
from torg.posts.models import Post

pytestmark = pytest.mark.django_db


def age(group: Group, days: int) -> None:
    Group.objects.filter(pk=group.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_inactive_groups_are_flagged_once_and_admins_asked(
    make_user, make_group, post_in, django_capture_on_commit_callbacks
):
    quiet_admin = make_user("Quinn Quiet")
    quiet = make_group("Quiet corner", by=quiet_admin)
    co_admin = make_user("Cora CoAdmin")
    group_actions.do_add_member(group=quiet, user=co_admin, role="admin", actor=quiet_admin)
    busy = make_group("Busy bees")
    young = make_group("Young group")
    commented = make_group("Commented")
    age(quiet, 200)
    age(busy, 200)
    age(commented, 200)
    age(young, 10)
    old_post = post_in(quiet, quiet_admin, "Long ago")
    Post.objects.filter(pk=old_post.pk).update(created_at=timezone.now() - timedelta(days=190))
    post_in(busy, busy.created_by, "Fresh")
    commented_post = post_in(commented, commented.created_by, "Old")
    Post.objects.filter(pk=commented_post.pk).update(
        created_at=timezone.now() - timedelta(days=190)
    )
    comment_actions.do_create_comment(
        actor=commented.created_by, post=commented_post, body="Still here"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.flag_inactive_groups.call() == 1
    assert list(lifecycle.flagged_groups()) == [quiet]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([quiet_admin.email, co_admin.email])
    # The e-mail opens the admin's notification, which leads to the keep-or-archive page.
    notification = Notification.objects.get(recipient=quiet_admin, kind="group_review")
    assert f"/notifications/{notification.pk}/" in next(
        m.body for m in mail.outbox if m.to == [quiet_admin.email]
    )
    assert target_url(notification) == f"/governance/groups/{quiet.slug}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.flag_inactive_groups.call() == 0
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(action="group.flag_inactive", group_id=quiet.pk).count() == 1


def test_keep_stops_flagging_for_another_period(make_user, make_group):
    admin = make_user()
    group = make_group("Kept", by=admin)
    age(group, 400)
    assert lifecycle.do_flag_inactive_groups() == 1
    lifecycle.do_keep_group(actor=admin, group=group)
    state = GroupLifecycle.objects.get(group=group)
    assert state.flagged_at is None and state.keep_until > timezone.now() + timedelta(days=179)
    assert lifecycle.do_flag_inactive_groups() == 0
    later = timezone.now() + timedelta(days=181)
    assert lifecycle.do_flag_inactive_groups(now=later) == 1


def test_archived_group_is_read_only_but_readable(
    make_user, make_group, join, post_in, django_capture_on_commit_callbacks
):
    admin = make_user()
    member = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        group = make_group("Old project", by=admin)
        join(group, member)
        post = post_in(group, member, "Final zebrawords")
    newcomer = make_user()
    lifecycle.do_archive_group(actor=admin, group=group)
    with pytest.raises(ValidationError, match="archived"):
        post_actions.do_create_post(author=member, group=group, body="One more")
    with pytest.raises(ValidationError, match="archived"):
        comment_actions.do_create_comment(actor=member, post=post, body="Reply")
    with pytest.raises(ValidationError, match="archived"):
        group_actions.do_join_group(actor=newcomer, group=group)
    assert Post.objects.filter(group=group).count() == 1
    assert not Membership.objects.filter(group=group, user=newcomer).exists()
    assert access_post(newcomer, post.pk).pk == post.pk  # open group: still readable
    # Archiving touches neither the group nor the search index: the directory still finds it.
    found = _client(newcomer).get("/groups/", {"q": "Old project"}).content.decode()
    assert f'href="/groups/{group.slug}/"' in found
    lifecycle.do_unarchive_group(actor=admin, group=group)
    assert post_actions.do_create_post(author=member, group=group, body="Back").pk


def test_lifecycle_permissions(make_user, make_group, join, network_admin):
    admin = make_user()
    group = make_group("Perm", by=admin)
    member = make_user()
    join(group, member)
    moderator = make_user()
    join(group, moderator, role="moderator")
    for person in (member, moderator):
        with pytest.raises(PermissionDenied):
            lifecycle.do_archive_group(actor=person, group=group)
        with pytest.raises(PermissionDenied):
            lifecycle.do_keep_group(actor=person, group=group)
    assert not lifecycle.is_archived(group)
    lifecycle.do_archive_group(actor=network_admin, group=group)
    with pytest.raises(ValidationError):
        lifecycle.do_archive_group(actor=admin, group=group)
    assert list(AuditEvent.objects.filter(action="group.archive").values_list("actor_id")) == [
        (network_admin.pk,)
    ]
    statuses = {
        name: _client(person).get(f"/governance/groups/{group.slug}/").status_code
        for name, person in {"admin": admin, "member": member, "net": network_admin}.items()
    }
    assert statuses == {"admin": 200, "member": 404, "net": 200}
    refused = _client(member).post(f"/governance/groups/{group.slug}/unarchive/")
    assert refused.status_code == 404 and lifecycle.is_archived(group)


def test_groups_without_admins_are_listed(make_user, make_group, network_admin):
    admin = make_user()
    orphan = make_group("Orphan", by=admin)
    make_group("Healthy")
    Membership.objects.filter(group=orphan).update(role="member")
    assert list(lifecycle.groups_without_admins()) == [orphan]
    page = _client(network_admin).get("/governance/groups/")
    assert page.status_code == 200
    assert "Orphan" in page.content.decode() and "Healthy" not in page.content.decode()
    assert _client(admin).get("/governance/groups/").status_code == 404


def test_new_groups_can_require_approval(settings, make_user, network_admin):
    settings.TORG_GROUP_APPROVAL = True
    person = make_user()
    group = group_actions.do_create_group(actor=person, name="Wants approval")
    by_admin = group_actions.do_create_group(actor=network_admin, name="Admin's group")
    assert list(lifecycle.pending_groups()) == [group]
    with pytest.raises(ValidationError, match="approval"):
        post_actions.do_create_post(author=person, group=group, body="Hi")
    with pytest.raises(PermissionDenied):
        lifecycle.do_approve_group(actor=person, group=group)
    response = _client(network_admin).post(
        "/governance/groups/", {"slug": group.slug, "verb": "approve"}
    )
    assert response.status_code == 302
    assert list(lifecycle.pending_groups()) == []
    assert post_actions.do_create_post(author=person, group=group, body="Hi").pk
    assert post_actions.do_create_post(author=network_admin, group=by_admin, body="Hi").pk


def test_similar_names_hint(make_user, make_group):
    make_group("Oslo Office")
    make_group("Marketing")
    make_group("Secret Oslo office", privacy="secret")
    person = make_user()
    response = _client(person).get("/governance/groups/similar/", {"name": "oslo  OFFICE"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Oslo Office" in body and "Marketing" not in body and "Secret" not in body
    typo = _client(person).get("/governance/groups/similar/", {"name": "Oslo Ofice"})
    assert "Oslo Office" in typo.content.decode()
    assert (
        _client(person).get("/governance/groups/similar/", {"name": "Bergen"}).content.strip()
        == b""
    )
    form = _client(person).get("/groups/new/").content.decode()
    assert 'hx-get="/governance/groups/similar/"' in form


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_group_pages_say_when_a_group_is_archived_or_inactive(make_user, make_group, join):
    admin, member = make_user(), make_user()
    group = make_group("Sleepy team", by=admin)
    join(group, member)
    lifecycle_url = f"/governance/groups/{group.slug}/"
    assert (
        "group-lifecycle-banner"
        not in _client(member).get(f"/groups/{group.slug}/").content.decode()
    )

    GroupLifecycle.objects.create(group=group, flagged_at=timezone.now())
    # Inactive: only those who may decide are asked (and linked to the keep/archive page).
    assert lifecycle_url in _client(admin).get(f"/groups/{group.slug}/").content.decode()
    assert (
        "group-lifecycle-banner"
        not in _client(member).get(f"/groups/{group.slug}/").content.decode()
    )

    lifecycle.do_archive_group(actor=admin, group=group)
    for path in (f"/groups/{group.slug}/", f"/groups/{group.slug}/members/"):
        page = _client(member).get(path).content.decode()
        assert "This group is archived and read-only." in page
        assert lifecycle_url not in page
    assert lifecycle_url in _client(admin).get(f"/groups/{group.slug}/").content.decode()
