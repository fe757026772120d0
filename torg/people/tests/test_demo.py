from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from torg.accounts.models import User
from torg.groups.models import Group, JoinRequest, Membership
from torg.people import demo
from torg.people.models import Department, Experience, Location, Skill

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Group.objects.count(),
        Membership.objects.count(),
        JoinRequest.objects.count(),
        Experience.objects.count(),
        Skill.objects.count(),
        Department.objects.count(),
        Location.objects.count(),
    )


def test_seed_builds_the_company_and_is_idempotent():
    output = seed("--if-empty")
    assert output == (
        "Seeded Fjordlys Consulting: 300 people, 3 guests, 45 groups, 2242 memberships, "
        "7 pending join requests, 400 posts, 1347 comments, 4073 reactions. "
        "Sign in as admin@demo.torg.example / torg-demo.\n"
    )
    first = counts()
    assert first[:4] == (303, 45, 2242, 7)
    assert first[6:] == (9, 9)

    assert seed("--if-empty") == (
        "Demo organisation not seeded: the database already has people.\n"
    )
    with pytest.raises(CommandError, match="already exists"):
        seed()
    assert counts() == first


def test_seed_without_flag_refuses_only_when_the_demo_exists():
    User.objects.create_user("someone@example.com", "pw", name="Someone Else")
    assert seed("--if-empty").startswith("Demo organisation not seeded")
    assert seed().startswith("Seeded Fjordlys Consulting: 300 people")
    assert User.objects.count() == 304


def test_seeded_data_is_consistent():
    seed()
    people = {u.pk: u for u in User.objects.all()}
    employees = {pk for pk, u in people.items() if not u.is_guest}
    assert len(employees) == 300

    # Every manager chain ends at the CEO, without cycles.
    ceo = User.objects.get(job_title="Chief Executive Officer")
    assert ceo.manager_id is None
    for person in people.values():
        if person.is_guest:
            assert person.manager_id is None
            continue
        seen, current = set(), person
        while current.manager_id is not None:
            assert current.pk not in seen
            seen.add(current.pk)
            current = people[current.manager_id]
        assert current == ceo
        assert len(seen) <= 3

    company = Group.objects.get(is_company_wide=True)
    assert company.slug == "all-fjordlys"
    assert company.privacy == Group.Privacy.OPEN
    assert set(company.memberships.values_list("user_id", flat=True)) == employees

    actual = dict(Group.objects.annotate(n=Count("memberships")).values_list("slug", "n"))
    assert dict(Group.objects.values_list("slug", "member_count")) == actual

    privacy = dict(
        Group.objects.values("privacy").annotate(n=Count("id")).values_list("privacy", "n")
    )
    assert privacy == {"open": 35, "closed": 7, "secret": 3} | privacy
    assert privacy["secret"] >= 3 and privacy["closed"] >= 6
    assert Group.objects.filter(kind=Group.Kind.ANNOUNCEMENTS).count() == 2
    norway = Group.objects.select_related("parent__parent").get(slug="norway")
    assert (norway.parent.slug, norway.parent.parent.slug) == ("scandinavia", "global")
    assert sorted(
        Group.objects.filter(parent__slug="scandinavia").values_list("slug", flat=True)
    ) == [
        "denmark",
        "norway",
        "sweden",
    ]
    # Every group has an admin.
    assert not Group.objects.exclude(memberships__role=Membership.Role.ADMIN).exists()
    assert Membership.objects.filter(role=Membership.Role.MODERATOR).count() > 10

    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert (admin.is_staff, admin.is_superuser, admin.name) == (True, True, "Ingrid Solheim")
    assert admin.check_password("torg-demo")

    kari = User.objects.get(email=demo.KARI_EMAIL)
    ola = User.objects.get(email=demo.OLA_EMAIL)
    assert kari.skills.filter(name="Kubernetes").exists()
    guild = Group.objects.get(slug=demo.KARI_GROUP_SLUG)
    assert guild.privacy == Group.Privacy.CLOSED
    assert Membership.objects.get(group=guild, user=kari).role == Membership.Role.ADMIN
    assert not Membership.objects.filter(group=guild, user=ola).exists()
    assert not JoinRequest.objects.filter(user=ola).exists()
    assert JoinRequest.objects.filter(group=guild, status="pending").count() == 2

    guests = User.objects.filter(is_guest=True)
    assert sorted(guests.values_list("email", flat=True)) == [
        "guest@partner.example",
        "mikkel.dahl@havbris.example",
        "sanna.virtanen@oresund.example",
    ]
    for guest in guests:
        assert 1 <= guest.memberships.count() <= 2
        assert not guest.memberships.filter(group__is_company_wide=True).exists()

    assert all(u.password == admin.password for u in people.values())
    assert User.objects.filter(phone="").filter(is_guest=False).count() == 0
    assert User.objects.filter(email__endswith="@demo.torg.example").count() == 300


def plan() -> tuple[list, list, list]:
    planner = demo._Planner()
    planner.plan_people()
    groups = planner.plan_groups(planner.plan_guests())
    return planner.people, groups, planner.plan_join_requests(groups)


def test_the_plan_is_deterministic():
    people, groups, requests = plan()
    assert (people, groups, requests) == plan()
    assert len(people) == 303
    assert people[0].name == "Solveig Brekke"
    assert len({p.email for p in people}) == 303
