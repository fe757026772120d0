"""People REST API at /api/v1/people: search, profile, org chart, departments, locations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from torg.accounts.models import User
from torg.people import selectors
from torg.people.access import MAX_ID, access_person
from torg.people.selectors import MAX_QUERY_LENGTH

router = Router(tags=["people"])


class NamedOut(Schema):
    id: int
    name: str


class LocationOut(Schema):
    id: int
    name: str
    country: str


class PersonRefOut(Schema):
    id: int
    name: str
    job_title: str
    department: NamedOut | None
    location: LocationOut | None
    avatar_url: str | None
    is_guest: bool


class PersonOut(PersonRefOut):
    skills: list[str]


class ReportOut(PersonRefOut):
    direct_report_count: int


class ExperienceOut(Schema):
    id: int
    kind: str
    title: str
    organisation: str
    description: str
    start_year: int | None
    end_year: int | None


class GroupRefOut(Schema):
    id: int
    name: str
    slug: str
    privacy: str
    kind: str


class PersonPageOut(Schema):
    count: int
    items: list[PersonOut]


class ProfileOut(PersonRefOut):
    email: str
    phone: str
    bio: str
    time_zone: str
    languages: list[str]
    skills: list[str]
    experience: list[ExperienceOut]
    groups: list[GroupRefOut]
    manager_chain: list[PersonRefOut]
    direct_reports: list[ReportOut]


class OrgChartOut(Schema):
    person: PersonRefOut
    manager_chain: list[PersonRefOut]
    direct_reports: list[ReportOut]


class NotFoundOut(Schema):
    detail: str


class SearchParams(Schema):
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH)
    department: int | None = Field(None, ge=1, lt=MAX_ID)
    location: int | None = Field(None, ge=1, lt=MAX_ID)
    skill: str | None = Field(None, max_length=60)
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


def _ref(person: User) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "job_title": person.job_title,
        "department": (
            {"id": person.department.pk, "name": person.department.name}
            if person.department
            else None
        ),
        "location": (
            {
                "id": person.location.pk,
                "name": person.location.name,
                "country": person.location.country,
            }
            if person.location
            else None
        ),
        "avatar_url": reverse("people:avatar", args=[person.pk]) if person.avatar else None,
        "is_guest": person.is_guest,
    }


def _report(person: User) -> dict[str, Any]:
    return {**_ref(person), "direct_report_count": getattr(person, "report_count", 0)}


@router.get("/departments", response=list[NamedOut], summary="Departments")
def departments(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": d.pk, "name": d.name} for d in selectors.departments()]


@router.get("/locations", response=list[LocationOut], summary="Locations (offices)")
def locations(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": loc.pk, "name": loc.name, "country": loc.country} for loc in selectors.locations()
    ]


@router.get("", response=PersonPageOut, summary="Search people")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Every word of ``q`` must match the name, job title or a skill."""
    people = selectors.search_people(
        request.user,
        q=params.q,
        department_id=params.department,
        location_id=params.location,
        skill=params.skill,
    )
    page = list(people[params.offset : params.offset + params.limit])
    return {
        "count": people.count(),
        "items": [
            {**_ref(person), "skills": [skill.name for skill in person.skills.all()]}
            for person in page
        ],
    }


@router.get(
    "/{user_id}", response={200: ProfileOut, 404: NotFoundOut}, summary="A person's profile"
)
def profile(request: HttpRequest, user_id: int) -> dict[str, Any]:
    person = access_person(request.user, user_id)
    data = selectors.profile_context(request.user, person)
    return {
        **_ref(person),
        "email": person.email,
        "phone": person.phone,
        "bio": person.bio,
        "time_zone": person.time_zone,
        "languages": data.languages,
        "skills": [skill.name for skill in data.skills],
        "experience": [
            {
                "id": item.pk,
                "kind": item.kind,
                "title": item.title,
                "organisation": item.organisation,
                "description": item.description,
                "start_year": item.start_year,
                "end_year": item.end_year,
            }
            for group in data.experience
            for item in group.items
        ],
        "groups": [
            {
                "id": group.pk,
                "name": group.name,
                "slug": group.slug,
                "privacy": group.privacy,
                "kind": group.kind,
            }
            for group in data.groups
        ],
        "manager_chain": [_ref(manager) for manager in data.chain],
        "direct_reports": [_report(report) for report in data.reports],
    }


@router.get(
    "/{user_id}/org-chart",
    response={200: OrgChartOut, 404: NotFoundOut},
    summary="Manager chain and direct reports",
)
def orgchart(request: HttpRequest, user_id: int) -> dict[str, Any]:
    person = access_person(request.user, user_id)
    chart = selectors.org_chart(request.user, person)
    return {
        "person": _ref(person),
        "manager_chain": [_ref(manager) for manager in chart.chain],
        "direct_reports": [_report(report) for report in chart.reports],
    }
