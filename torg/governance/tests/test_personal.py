from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client

from torg.accounts.models import User
from torg.governance import personal, retention
from torg.governance.models import AuditEvent
from torg.posts import comment_actions
from torg.posts.models import Attachment, Comment, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(make_user, make_group, post_in):
    person = make_user("Wanda Writer", job_title="Engineer")
    group = make_group("Writers", by=person)
    post = post_in(group, person, "My first post")
    other = post_in(None, make_user(), "Someone else's post")
    comment_actions.do_create_comment(actor=person, post=other, body="Nice one")
    attachment = Attachment.objects.create(
        uploader=person,
        post=post,
        kind="file",
        name="notes.txt",
        content_type="text/plain",
        size=5,
    )
    attachment.file.save("notes.txt", ContentFile(b"hello"))
    return {"person": person, "post": post, "other": other, "attachment": attachment}


def test_export_contains_everything_the_person_created(writer, make_user):
    person = writer["person"]
    client = Client()
    client.force_login(person)
    assert client.get("/governance/my-data/").status_code == 200
    response = client.post("/governance/my-data/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["format"] == "torg-export/1"
    assert data["profile"]["email"] == person.email
    assert data["profile"]["job_title"] == "Engineer"
    assert [p["body"] for p in data["posts"]] == ["My first post"]
    assert [c["body"] for c in data["comments"]] == ["Nice one"]
    entry = data["posts"][0]["attachments"][0]
    assert entry["name"] == "notes.txt"
    assert archive.read(entry["path"]) == b"hello"
    assert "Someone else's post" not in archive.read("data.json").decode()
    assert sorted(archive.namelist()) == sorted(["data.json", entry["path"]])
    assert AuditEvent.objects.get(action="personal.export").actor_id == person.pk


def test_erase_anonymises_and_keeps_content(writer, network_admin):
    person = writer["person"]
    personal.do_erase_person(actor=network_admin, user=person, policy="anonymise")
    erased = User.objects.get(pk=person.pk)
    assert (erased.name, erased.email, erased.job_title, erased.is_active) == (
        "Former member",
        f"erased-{person.pk}@erased.invalid",
        "",
        False,
    )
    assert not erased.has_usable_password()
    assert Post.objects.get(pk=writer["post"].pk).author_id == person.pk
    assert Comment.objects.filter(author=person).count() == 1
    event = AuditEvent.objects.get(action="personal.erase")
    assert event.data == {"policy": "anonymise"}
    with pytest.raises(ValidationError, match="already been erased"):
        personal.do_erase_person(actor=network_admin, user=erased, policy="remove")


def test_erase_with_remove_deletes_content_and_files(
    writer, network_admin, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    name = writer["attachment"].file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        personal.do_erase_person(actor=network_admin, user=writer["person"], policy="remove")
    assert not Post.objects.filter(author=writer["person"]).exists()
    assert not Comment.objects.filter(author=writer["person"]).exists()
    assert Post.objects.filter(pk=writer["other"].pk).exists()
    assert not default_storage.exists(name)
    assert AuditEvent.objects.get(action="personal.erase").data == {
        "policy": "remove",
        "posts": 1,
        "comments": 1,
        "messages": 0,
    }


def test_legal_hold_and_permissions_block_erasure(writer, network_admin, moderator):
    person = writer["person"]
    with pytest.raises(PermissionDenied):
        personal.do_erase_person(actor=moderator, user=person, policy="remove")
    with pytest.raises(ValidationError):
        personal.do_erase_person(actor=network_admin, user=person, policy="shred")
    retention.do_add_hold(actor=network_admin, user=person, group=None, reason="Lawsuit")
    with pytest.raises(ValidationError, match="legal hold"):
        personal.do_erase_person(actor=network_admin, user=person, policy="remove")
    assert User.objects.get(pk=person.pk).is_active
    assert Post.objects.filter(author=person).count() == 1


def test_erase_page(writer, network_admin, moderator):
    person = writer["person"]
    mod_client = Client()
    mod_client.force_login(moderator)
    assert mod_client.get("/governance/people/erase/", {"email": person.email}).status_code == 404
    client = Client()
    client.force_login(network_admin)
    page = client.get("/governance/people/erase/", {"email": person.email})
    assert page.status_code == 200 and "Wanda Writer" in page.content.decode()
    wrong = client.post(
        "/governance/people/erase/",
        {"email": person.email, "policy": "anonymise", "confirm": "nope"},
    )
    assert wrong.status_code == 400 and User.objects.get(pk=person.pk).is_active
    done = client.post(
        "/governance/people/erase/",
        {"email": person.email, "policy": "anonymise", "confirm": person.email.upper()},
    )
    assert done.status_code == 302
    assert not User.objects.get(pk=person.pk).is_active
