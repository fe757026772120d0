import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from torg.groups.models import Group
from torg.people.models import Experience
from torg.people.tests.conftest import make_group

pytestmark = pytest.mark.django_db

CSRF = re.compile(r"[0-9A-Za-z]{64}")


@pytest.fixture
def kari(make_person, org):
    return make_person(
        "Kari Nordmann",
        email="kari@example.com",
        job_title="Senior Consultant",
        department=org["consulting"],
        location=org["oslo"],
        phone="+47 912 34 567",
        bio="Cloud & platforms.",
        languages=["Norsk", "English"],
        skills=("Kubernetes", "Azure"),
    )


def test_directory_requires_sign_in(client):
    response = client.get(reverse("people:directory"))
    assert response.status_code == 302


def test_directory_lists_people_with_filters_and_chips(client, kari, make_person, org):
    make_person("Ola Hansen", job_title="Consultant", location=org["malmo"], skills=("Scrum",))
    client.force_login(kari)
    response = client.get(reverse("people:directory"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 people" in html
    assert f'href="/people/{kari.pk}/"' in html
    assert "Senior Consultant · Consulting · Oslo" in html
    assert 'href="/people/?skill=Kubernetes"' in html
    assert '<label for="id_department">' in html

    response = client.get(reverse("people:directory"), {"skill": "kubernetes"})
    html = response.content.decode()
    assert "1 person" in html and "Ola Hansen" not in html
    assert '<input type="hidden" name="skill" value="kubernetes">' in html

    response = client.get(reverse("people:directory"), {"location": org["malmo"].pk})
    assert "Ola Hansen" in response.content.decode()
    assert "Kari Nordmann</a>" not in response.content.decode()


def test_directory_empty_state_and_htmx_partial(client, kari):
    client.force_login(kari)
    response = client.get(reverse("people:directory"), {"q": "nobody-like-this"})
    assert "Nobody matches your search" in response.content.decode()
    response = client.get(
        reverse("people:directory"),
        {"q": "kari"},
        headers={"HX-Request": "true", "HX-Target": "people-results"},
    )
    html = response.content.decode()
    assert html.startswith('<section class="card" id="people-results"')
    assert "<html" not in html
    assert "Kari Nordmann" in html


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"location": "999999"},
        {"q": "x" * 500},
        {"department": "-1"},
    ],
)
def test_bad_directory_parameters_give_field_errors_not_500(client, kari, params):
    client.force_login(kari)
    response = client.get(reverse("people:directory"), params)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_directory_paginates_25_per_page(client, kari, make_person):
    for n in range(30):
        make_person(f"Person {n:02d}")
    client.force_login(kari)
    response = client.get(reverse("people:directory"), {"page": "2"})
    html = response.content.decode()
    assert "Page 2 of 2" in html
    assert html.count('class="row-title"') == 6
    assert client.get(reverse("people:directory"), {"page": "zzz"}).status_code == 200


def test_directory_page_query_count_is_fixed(client, kari, make_person, django_assert_num_queries):
    client.force_login(kari)
    client.get(reverse("people:directory"))
    # session, user, count, page, skills, departments, locations
    with django_assert_num_queries(7):
        client.get(reverse("people:directory"), {"q": "e"})
    for n in range(20):
        make_person(f"Person {n}e", skills=(f"Skill {n}", "Go"))
    with django_assert_num_queries(7):
        response = client.get(reverse("people:directory"), {"q": "e"})
    assert "21 people" in response.content.decode()


def test_profile_shows_contact_skills_experience_groups_and_org(client, kari, make_person):
    boss = make_person("Boss Person", job_title="Engagement Manager")
    kari.manager = boss
    kari.save()
    report = make_person("Report Person", manager=kari)
    make_person("Deep Report", manager=report)
    viewer = make_person("Viewer Person")
    make_group("open-group", members=(kari,))
    make_group("hidden-group", Group.Privacy.SECRET, members=(kari,))
    Experience.objects.create(
        user=kari, kind="client", title="Nordkraft", organisation="Nordkraft", start_year=2021
    )
    client.force_login(viewer)
    response = client.get(reverse("people:profile", args=[kari.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="mailto:kari@example.com"' in html
    assert 'href="tel:+4791234567"' in html
    assert "Cloud &amp; platforms." in html
    assert 'href="/people/?skill=Kubernetes"' in html
    assert "Norsk, English" in html
    assert "Nordkraft" in html and "2021" in html
    assert "open-group" in html and "hidden-group" not in html
    assert "Boss Person" in html and "Report Person" in html
    assert "1 direct report" in html
    assert reverse("people:orgchart", args=[kari.pk]) in html


def test_org_chart_is_navigable(client, kari, make_person):
    boss = make_person("Boss Person")
    kari.manager = boss
    kari.save()
    make_person("Report Person", manager=kari)
    client.force_login(kari)
    response = client.get(reverse("people:orgchart", args=[kari.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("people:orgchart", args=[boss.pk]) in html
    assert "Report Person" in html and "0 direct reports" in html


@pytest.mark.parametrize("name", ["people:profile", "people:orgchart", "people:avatar"])
def test_hidden_inactive_and_missing_people_are_identical_404s(client, make_person, name):
    guest = make_person("Guest Person", is_guest=True)
    stranger = make_person("Stranger")
    gone = make_person("Gone Away", is_active=False)
    client.force_login(guest)
    answers = [client.get(reverse(name, args=[pk])) for pk in (stranger.pk, gone.pk, 999999, 2**64)]
    assert {r.status_code for r in answers} == {404}
    bodies = {CSRF.sub("", r.content.decode()) for r in answers}
    assert len(bodies) == 1


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_avatar_is_served_privately_to_those_who_may_see_the_person(client, kari, make_person):
    kari.avatar = SimpleUploadedFile("kari.png", png_bytes(), content_type="image/png")
    kari.save()
    viewer = make_person("Viewer Person")
    client.force_login(viewer)
    response = client.get(reverse("people:avatar", args=[kari.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content) == png_bytes()
    profile = client.get(reverse("people:profile", args=[kari.pk])).content.decode()
    assert f'src="/people/{kari.pk}/avatar"' in profile

    guest = make_person("Guest Person", is_guest=True)
    client.force_login(guest)
    assert client.get(reverse("people:avatar", args=[kari.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("people:avatar", args=[kari.pk])).status_code == 302


def test_missing_avatar_is_404(client, kari):
    client.force_login(kari)
    assert client.get(reverse("people:avatar", args=[kari.pk])).status_code == 404


def test_pages_speak_norwegian(client, kari):
    client.force_login(kari)
    html = client.get(reverse("people:directory"), headers={"accept-language": "nb"}).content
    assert "1 person" in html.decode()
    assert ">Avdeling</label>" in html.decode()
    html = client.get(
        reverse("people:orgchart", args=[kari.pk]), headers={"accept-language": "nb"}
    ).content.decode()
    assert "<h1>Organisasjonskart</h1>" in html
    assert "Ingen direkte underordnede." in html
