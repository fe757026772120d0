import itertools

import pytest

from torg.accounts.models import User
from torg.groups.models import Group
from torg.people.models import Experience
from torg.people.selectors import (
    MAX_CHAIN_DEPTH,
    manager_chain,
    org_chart,
    profile_context,
    search_people,
)
from torg.people.tests.conftest import make_group

pytestmark = pytest.mark.django_db


def names(people):
    return [p.name for p in people]


def test_every_word_must_match_name_title_or_skill(make_person):
    make_person("Kari Nordmann", job_title="Senior Consultant", skills=("Kubernetes", "Azure"))
    make_person("Ola Hansen", job_title="Consultant", skills=("Scrum",))
    make_person("Kari Berg", job_title="Designer", skills=("Figma",))
    viewer = make_person("Viewer Person")
    assert names(search_people(viewer, q="kari")) == ["Kari Berg", "Kari Nordmann"]
    assert names(search_people(viewer, q="KARI kubern")) == ["Kari Nordmann"]
    assert names(search_people(viewer, q="consultant")) == ["Kari Nordmann", "Ola Hansen"]
    assert names(search_people(viewer, q="scrum hansen")) == ["Ola Hansen"]
    assert names(search_people(viewer, q="kari scrum")) == []
    assert names(search_people(viewer, q="   ")) == [
        "Kari Berg",
        "Kari Nordmann",
        "Ola Hansen",
        "Viewer Person",
    ]


def test_norwegian_letters_match_regardless_of_case(make_person):
    make_person("Bjørn Sæther", job_title="Økonomisjef", skills=("Universell utforming",))
    make_person("Åse Øvre", job_title="Rådgiver")
    viewer = make_person("Viewer Person")
    assert names(search_people(viewer, q="BJØRN")) == ["Bjørn Sæther"]
    assert names(search_people(viewer, q="sæther")) == ["Bjørn Sæther"]
    assert names(search_people(viewer, q="økonomi")) == ["Bjørn Sæther"]
    assert names(search_people(viewer, q="ÅSE")) == ["Åse Øvre"]
    assert names(search_people(viewer, q="RÅDGIVER")) == ["Åse Øvre"]
    assert names(search_people(viewer, q="UNIVERSELL")) == ["Bjørn Sæther"]
    assert names(search_people(viewer, q="100%_")) == []


def test_filters_by_department_location_and_skill(make_person, org):
    make_person(
        "Kari Nordmann", department=org["consulting"], location=org["oslo"], skills=("Kubernetes",)
    )
    make_person(
        "Ola Hansen",
        department=org["consulting"],
        location=org["malmo"],
        skills=("kubernetes administration",),
    )
    make_person("Siri Lund", department=org["design"], location=org["oslo"], skills=("Figma",))
    viewer = make_person("Viewer Person")
    consulting = org["consulting"].pk
    assert names(search_people(viewer, department_id=consulting)) == ["Kari Nordmann", "Ola Hansen"]
    assert names(search_people(viewer, location_id=org["oslo"].pk)) == [
        "Kari Nordmann",
        "Siri Lund",
    ]
    assert names(search_people(viewer, department_id=consulting, location_id=org["oslo"].pk)) == [
        "Kari Nordmann"
    ]
    assert names(search_people(viewer, skill="KUBERNETES")) == ["Kari Nordmann"]
    assert names(search_people(viewer, q="kubernetes")) == ["Kari Nordmann", "Ola Hansen"]


def test_guest_search_is_limited_to_shared_groups(make_person):
    guest = make_person("Petra Lind", is_guest=True)
    kari = make_person("Kari Nordmann")
    make_person("Kari Hidden")
    make_group("project", members=(guest, kari))
    assert names(search_people(guest, q="kari")) == ["Kari Nordmann"]


def test_a_page_of_results_costs_a_fixed_number_of_queries(
    make_person, org, django_assert_num_queries
):
    viewer = make_person(
        "Viewer Person", department=org["consulting"], location=org["oslo"], skills=("Python",)
    )

    def first_page():
        people = search_people(viewer, q="e")
        page = list(people[:25])
        return people.count(), [
            (
                p.department and p.department.name,
                p.location and p.location.name,
                [s.name for s in p.skills.all()],
            )
            for p in page
        ]

    # count, page, skills prefetch
    with django_assert_num_queries(3):
        total, rows = first_page()
    assert total == 1
    for n in range(20):
        make_person(
            f"Person {n}e",
            department=org["design"],
            location=org["malmo"],
            skills=(f"Skill {n}", "Python"),
            job_title="Developer",
        )
    with django_assert_num_queries(3):
        total, rows = first_page()
    assert total == 21
    assert rows[0] == ("Design", "Malmö", ["Python", "Skill 0"])


def build_chain(make_person, depth):
    people = [make_person(f"Level {n:02d}") for n in range(depth)]
    for boss, report in itertools.pairwise(people):
        report.manager = boss
        report.save(update_fields=["manager"])
    return people


def test_manager_chain_runs_top_down_and_stops_at_depth_20(make_person):
    people = build_chain(make_person, 25)
    viewer = people[0]
    assert names(manager_chain(viewer, people[3])) == ["Level 00", "Level 01", "Level 02"]
    assert manager_chain(viewer, people[0]) == []
    long_chain = manager_chain(viewer, people[24])
    assert len(long_chain) == MAX_CHAIN_DEPTH
    assert names(long_chain)[0] == "Level 04"
    assert names(long_chain)[-1] == "Level 23"


def test_manager_cycles_terminate(make_person):
    a, _b, c = build_chain(make_person, 3)
    User.objects.filter(pk=a.pk).update(manager=c)
    c.refresh_from_db()
    assert names(manager_chain(a, c)) == ["Level 00", "Level 01"]
    User.objects.filter(pk=a.pk).update(manager=a)
    a.refresh_from_db()
    assert manager_chain(a, a) == []


def test_profile_context_shows_visible_groups_chain_and_reports(
    make_person, django_assert_num_queries
):
    ceo, director, kari = build_chain(make_person, 3)
    report = make_person("Report", manager=kari)
    make_person("Report of report", manager=report)
    make_person("Inactive report", manager=kari, is_active=False)
    outsider = make_person("Outsider")
    open_group = make_group("open-group", members=(kari,))
    make_group("secret-group", Group.Privacy.SECRET, members=(kari,))
    closed = make_group("closed-group", Group.Privacy.CLOSED, members=(kari,))
    Experience.objects.create(user=kari, kind="project", title="Portal", start_year=2024)
    Experience.objects.create(user=kari, kind="employer", title="Dev", organisation="Nordvik")
    kari.skills.set([])
    from torg.people.tests.conftest import skill

    kari.skills.add(skill("Kubernetes"), skill("Azure"))
    with django_assert_num_queries(7):
        profile = profile_context(outsider, kari)
    assert [g.slug for g in profile.groups] == ["closed-group", "open-group"]
    assert names(profile.chain) == ["Level 00", "Level 01"]
    assert names(profile.reports) == ["Report"]
    assert profile.reports[0].report_count == 1
    assert names(profile.skills) == ["Azure", "Kubernetes"]
    assert [(g.kind, [i.title for i in g.items]) for g in profile.experience] == [
        ("project", ["Portal"]),
        ("employer", ["Dev"]),
    ]
    insider = profile_context(kari, kari)
    assert [g.slug for g in insider.groups] == ["closed-group", "open-group", "secret-group"]
    assert open_group.pk and closed.pk

    chart = org_chart(outsider, director)
    assert names(chart.chain) == ["Level 00"]
    assert names(chart.reports) == ["Level 02"]
    assert chart.reports[0].report_count == 1
    assert ceo.pk
