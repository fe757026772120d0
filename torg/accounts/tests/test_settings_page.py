from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from torg.accounts.actions import do_update_profile
from torg.accounts.models import ApiToken, User
from torg.api.auth import hash_token
from torg.groups.actions import do_create_group
from torg.groups.models import AutoMembershipRule, Membership
from torg.people.models import Department, Experience, Location, Skill

pytestmark = pytest.mark.django_db


def profile_data(**overrides: object) -> dict[str, object]:
    data = {
        "profile-name": "Kari Nordmann",
        "profile-job_title": "Bid manager",
        "profile-department": "",
        "profile-location": "",
        "profile-manager_email": "",
        "profile-phone": "+47 900 00 000",
        "profile-bio": "Offshore wind bids.",
        "profile-skills": "Python, bids, PYTHON , Offshore wind",
        "profile-languages": "Norwegian, English",
    }
    data.update({f"profile-{k}": v for k, v in overrides.items()})
    return data


def test_settings_page_shows_every_section(kari_client):
    response = kari_client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    body = response.content.decode()
    for title in [
        "Profile",
        "Picture",
        "Experience",
        "Language & time zone",
        "Password",
        "Sessions",
        "API tokens",
        "Sign out everywhere",
    ]:
        assert title in body


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_saving_the_profile(kari_client, kari, make_user):
    boss = make_user("boss@example.com", "Berit Boss")
    department = Department.objects.create(name="Energy", slug="energy")
    location = Location.objects.create(name="Oslo", slug="oslo", country="NO")
    Skill.objects.create(name="python", key="python")
    response = kari_client.post(
        reverse("accounts:settings"),
        profile_data(
            department=department.pk, location=location.pk, manager_email="BOSS@example.com"
        ),
    )
    assert response.status_code == 302
    kari.refresh_from_db()
    assert (kari.job_title, kari.department, kari.location, kari.manager, kari.phone, kari.bio) == (
        "Bid manager",
        department,
        location,
        boss,
        "+47 900 00 000",
        "Offshore wind bids.",
    )
    assert sorted(kari.skills.values_list("key", flat=True)) == ["bids", "offshore wind", "python"]
    assert kari.languages == ["Norwegian", "English"]
    assert Skill.objects.get(key="python").name == "python"
    page = kari_client.get(reverse("accounts:settings")).content.decode()
    assert "boss@example.com" in page


def test_profile_changes_of_department_sync_auto_memberships(
    kari, make_user, django_capture_on_commit_callbacks
):
    admin = make_user("ola@example.com", is_staff=True)
    energy = Department.objects.create(name="Energy", slug="energy")
    group = do_create_group(actor=admin, name="Energy people", privacy="open", kind="team")
    AutoMembershipRule.objects.create(group=group, department=energy, created_by=admin)
    with django_capture_on_commit_callbacks(execute=True):
        do_update_profile(user=kari, update={"department": energy})
    assert Membership.objects.filter(group=group, user=kari).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        do_update_profile(user=kari, update={"department": None})
    assert Membership.objects.filter(group=group, user=kari).count() == 0


def test_manager_loops_are_refused(kari_client, kari, make_user):
    per = make_user("per@example.com", "Per")
    eva = make_user("eva@example.com", "Eva")
    User.objects.filter(pk=per.pk).update(manager=kari)
    User.objects.filter(pk=eva.pk).update(manager=per)

    own = kari_client.post(
        reverse("accounts:settings"), profile_data(manager_email="kari@example.com")
    )
    assert own.status_code == 400
    assert "You cannot be your own manager." in own.content.decode()

    loop = kari_client.post(
        reverse("accounts:settings"), profile_data(manager_email="eva@example.com")
    )
    assert loop.status_code == 400
    assert "Eva reports to you, so they cannot be your manager." in loop.content.decode()

    unknown = kari_client.post(
        reverse("accounts:settings"), profile_data(manager_email="ghost@example.com")
    )
    assert unknown.status_code == 400
    assert "No active person has this e-mail address." in unknown.content.decode()
    kari.refresh_from_db()
    assert kari.manager is None


def test_skill_limits_are_field_errors(kari_client, kari):
    too_many = ", ".join(f"skill {n}" for n in range(31))
    response = kari_client.post(reverse("accounts:settings"), profile_data(skills=too_many))
    assert response.status_code == 400
    assert "List at most 30 skills." in response.content.decode()
    too_long = kari_client.post(reverse("accounts:settings"), profile_data(skills="x" * 61))
    assert too_long.status_code == 400
    assert "is too long: use at most 60 characters." in too_long.content.decode()
    assert kari.skills.count() == 0


def test_empty_name_is_a_field_error(kari_client):
    response = kari_client.post(reverse("accounts:settings"), profile_data(name="   "))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def image_bytes(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB", exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new(mode, size, "red")
    if exif is not None:
        image.save(buffer, format=fmt, exif=exif)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_avatar_is_rotated_cropped_resized_and_stripped(
    kari_client, kari, django_capture_on_commit_callbacks
):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: a 600×300 picture is really 300×600
    exif[0x010F] = "SecretCam"
    response = kari_client.post(
        reverse("accounts:avatar_upload"),
        {"avatar-avatar": upload("me.jpg", image_bytes((600, 300), exif=exif))},
    )
    assert response.status_code == 302
    kari.refresh_from_db()
    assert kari.avatar.name.startswith("avatars/")
    assert kari.avatar.name.endswith(".jpg")
    assert "me" not in kari.avatar.name.removeprefix("avatars/")
    assert len(kari.avatar.name) > len("avatars/") + 30
    with default_storage.open(kari.avatar.name) as stored, Image.open(stored) as image:
        assert image.size == (256, 256)
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
    first = kari.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        kari_client.post(
            reverse("accounts:avatar_upload"),
            {"avatar-avatar": upload("me.png", image_bytes((50, 80), "PNG", "RGBA"), "image/png")},
        )
    kari.refresh_from_db()
    assert kari.avatar.name.endswith(".png")
    assert not default_storage.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        removed = kari_client.post(reverse("accounts:avatar_remove"))
    assert removed.status_code == 302
    second = kari.avatar.name
    kari.refresh_from_db()
    assert kari.avatar.name == ""
    assert not default_storage.exists(second)


def test_avatar_refuses_non_images_and_too_large_pictures(kari_client, kari, settings):
    not_image = kari_client.post(
        reverse("accounts:avatar_upload"),
        {"avatar-avatar": upload("me.jpg", b"<?php echo 1; ?>")},
    )
    assert not_image.status_code == 400
    assert "This file is not a picture we can read." in not_image.content.decode()

    huge = kari_client.post(
        reverse("accounts:avatar_upload"),
        {"avatar-avatar": upload("big.png", image_bytes((8000, 5001), "PNG", "1"), "image/png")},
    )
    assert huge.status_code == 400
    assert "The picture has too many pixels (8000 × 5001)." in huge.content.decode()

    settings.AVATAR_MAX_BYTES = 100
    heavy = kari_client.post(
        reverse("accounts:avatar_upload"),
        {"avatar-avatar": upload("me.jpg", image_bytes((100, 100)))},
    )
    assert heavy.status_code == 400
    assert "The picture is too large" in heavy.content.decode()
    assert "The limit is 100\xa0bytes." in heavy.content.decode()
    kari.refresh_from_db()
    assert kari.avatar.name == ""


def test_experience_rows_are_added_and_deleted(kari_client, kari, make_user):
    response = kari_client.post(
        reverse("accounts:experience_add"),
        {
            "experience-kind": "client",
            "experience-title": "Wind farm bid",
            "experience-organisation": "Equinor",
            "experience-start_year": "2019",
            "experience-end_year": "2021",
        },
    )
    assert response.status_code == 302
    entry = Experience.objects.get(user=kari)
    assert (entry.kind, entry.title, entry.organisation, entry.start_year, entry.end_year) == (
        "client",
        "Wind farm bid",
        "Equinor",
        2019,
        2021,
    )
    assert "Wind farm bid" in kari_client.get(reverse("accounts:settings")).content.decode()

    backwards = kari_client.post(
        reverse("accounts:experience_add"),
        {
            "experience-kind": "project",
            "experience-title": "X",
            "experience-start_year": "2021",
            "experience-end_year": "2019",
        },
    )
    assert backwards.status_code == 400
    assert "The end year comes before the start year." in backwards.content.decode()

    other = make_user("per@example.com")
    theirs = Experience.objects.create(user=other, kind="project", title="Theirs")
    assert (
        kari_client.post(reverse("accounts:experience_delete", args=[theirs.pk])).status_code == 404
    )
    assert Experience.objects.filter(pk=theirs.pk).exists()

    deleted = kari_client.post(reverse("accounts:experience_delete", args=[entry.pk]))
    assert deleted.status_code == 302
    assert not Experience.objects.filter(user=kari).exists()


def test_language_and_time_zone(kari_client, kari):
    response = kari_client.post(
        reverse("accounts:preferences"),
        {"preferences-language": "nb", "preferences-time_zone": "Europe/Stockholm"},
    )
    assert response.status_code == 302
    kari.refresh_from_db()
    assert (kari.language, kari.time_zone) == ("nb", "Europe/Stockholm")
    page = kari_client.get(reverse("accounts:settings")).content.decode()
    assert '<html lang="nb">' in page
    assert "Språk og tidssone" in page
    assert "Logg ut overalt" in page

    bad = kari_client.post(
        reverse("accounts:preferences"),
        {"preferences-language": "xx", "preferences-time_zone": "Mars/Olympus"},
    )
    assert bad.status_code == 400
    kari.refresh_from_db()
    assert (kari.language, kari.time_zone) == ("nb", "Europe/Stockholm")


def test_api_tokens_are_shown_once_listed_and_revoked(kari_client, kari, make_user):
    response = kari_client.post(reverse("accounts:token_create"), {"token-name": "Nightly sync"})
    assert response.status_code == 200
    body = response.content.decode()
    token = ApiToken.objects.get(user=kari)
    secret = response.context["new_token"]["secret"]
    assert secret.startswith("torg_")
    assert len(secret) == 5 + 43
    assert secret in body
    assert token.token_hash == hash_token(secret)
    assert token.prefix == secret[:12]
    assert response["Cache-Control"] == "no-store"

    listing = kari_client.get(reverse("accounts:settings")).content.decode()
    assert "Nightly sync" in listing
    assert token.prefix in listing
    assert secret not in listing

    other = make_user("per@example.com")
    theirs = ApiToken.objects.create(user=other, name="x", prefix="torg_abc", token_hash="0" * 64)
    assert kari_client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    revoked = kari_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    after = kari_client.get(reverse("accounts:settings")).content.decode()
    assert "The token “Nightly sync” is revoked." in after
    assert "Nightly sync" not in kari_client.get(reverse("accounts:settings")).content.decode()


def test_token_without_name_is_a_field_error(kari_client):
    response = kari_client.post(reverse("accounts:token_create"), {"token-name": ""})
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0
