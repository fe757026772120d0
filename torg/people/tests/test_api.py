import pytest

from torg.groups.models import Group
from torg.people.models import Experience
from torg.people.tests.conftest import make_group

pytestmark = pytest.mark.django_db

BASE = "/api/v1/people"


@pytest.fixture
def kari(make_person, org):
    return make_person(
        "Kari Nordmann",
        email="kari@example.com",
        job_title="Senior Consultant",
        department=org["consulting"],
        location=org["oslo"],
        phone="+47 912 34 567",
        languages=["Norsk"],
        skills=("Kubernetes",),
    )


def ref(person, org=None):
    return {
        "id": person.pk,
        "name": person.name,
        "job_title": person.job_title,
        "department": None,
        "location": None,
        "avatar_url": None,
        "is_guest": person.is_guest,
    }


def test_anonymous_gets_401(client):
    response = client.get(BASE)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required"}


def test_departments_and_locations(client, kari, org):
    client.force_login(kari)
    assert client.get(f"{BASE}/departments").json() == [
        {"id": org["consulting"].pk, "name": "Consulting"},
        {"id": org["design"].pk, "name": "Design"},
    ]
    assert client.get(f"{BASE}/locations").json() == [
        {"id": org["oslo"].pk, "name": "Oslo", "country": "NO"},
        {"id": org["malmo"].pk, "name": "Malmö", "country": "SE"},
    ]


def test_search_with_filters_and_pagination(client, kari, make_person, org):
    ola = make_person("Ola Hansen", job_title="Consultant", location=org["malmo"])
    make_person("Siri Lund", job_title="Designer")
    client.force_login(kari)
    body = client.get(BASE, {"q": "consultant"}).json()
    assert body == {
        "count": 2,
        "items": [
            {
                "id": kari.pk,
                "name": "Kari Nordmann",
                "job_title": "Senior Consultant",
                "department": {"id": org["consulting"].pk, "name": "Consulting"},
                "location": {"id": org["oslo"].pk, "name": "Oslo", "country": "NO"},
                "avatar_url": None,
                "is_guest": False,
                "skills": ["Kubernetes"],
            },
            {
                **ref(ola),
                "location": {"id": org["malmo"].pk, "name": "Malmö", "country": "SE"},
                "skills": [],
            },
        ],
    }
    page = client.get(BASE, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3
    assert [p["name"] for p in page["items"]] == ["Ola Hansen"]
    assert client.get(BASE, {"skill": "KUBERNETES"}).json()["count"] == 1
    assert client.get(BASE, {"department": org["design"].pk}).json()["count"] == 0
    assert client.get(BASE, {"location": org["malmo"].pk}).json()["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"department": "x"},
        {"q": "x" * 101},
        {"department": 2**64},
    ],
)
def test_search_rejects_bad_parameters_with_422(client, kari, params):
    client.force_login(kari)
    assert client.get(BASE, params).status_code == 422


def test_profile_includes_skills_experience_visible_groups_and_org(client, kari, make_person):
    boss = make_person("Boss Person")
    kari.manager = boss
    kari.save()
    report = make_person("Report Person", manager=kari)
    viewer = make_person("Viewer Person")
    open_group = make_group("open-group", members=(kari,))
    make_group("secret-group", Group.Privacy.SECRET, members=(kari,))
    item = Experience.objects.create(
        user=kari, kind="project", title="Portal", organisation="Nordkraft", start_year=2024
    )
    client.force_login(viewer)
    body = client.get(f"{BASE}/{kari.pk}").json()
    assert body["email"] == "kari@example.com"
    assert body["phone"] == "+47 912 34 567"
    assert body["languages"] == ["Norsk"]
    assert body["skills"] == ["Kubernetes"]
    assert body["experience"] == [
        {
            "id": item.pk,
            "kind": "project",
            "title": "Portal",
            "organisation": "Nordkraft",
            "description": "",
            "start_year": 2024,
            "end_year": None,
        }
    ]
    assert body["groups"] == [
        {
            "id": open_group.pk,
            "name": "Open-Group",
            "slug": "open-group",
            "privacy": "open",
            "kind": "team",
        }
    ]
    assert body["manager_chain"] == [ref(boss)]
    assert body["direct_reports"] == [{**ref(report), "direct_report_count": 0}]


def test_org_chart(client, kari, make_person):
    boss = make_person("Boss Person")
    kari.manager = boss
    kari.save()
    report = make_person("Report Person", manager=kari)
    make_person("Deep Report", manager=report)
    client.force_login(kari)
    body = client.get(f"{BASE}/{boss.pk}/org-chart").json()
    assert body["person"] == ref(boss)
    assert body["manager_chain"] == []
    assert [r["name"] for r in body["direct_reports"]] == ["Kari Nordmann"]
    assert body["direct_reports"][0]["direct_report_count"] == 1


@pytest.mark.parametrize("suffix", ["", "/org-chart"])
def test_hidden_inactive_and_missing_people_are_identical_404s(client, make_person, suffix):
    guest = make_person("Guest Person", is_guest=True)
    stranger = make_person("Stranger")
    gone = make_person("Gone Away", is_active=False)
    client.force_login(guest)
    for pk in (stranger.pk, gone.pk, 999999, 2**64):
        response = client.get(f"{BASE}/{pk}{suffix}")
        assert response.status_code == 404, pk
        assert response.json() == {"detail": "Not found"}
    assert client.get(f"{BASE}/abc{suffix}").status_code in (404, 422)
