"""Reads for the people pages and the API, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Exists, Func, OuterRef, Prefetch, Q, QuerySet

from torg.accounts.models import User
from torg.groups.access import visible_groups
from torg.groups.models import Group
from torg.people.access import visible_people
from torg.people.models import Department, Experience, Location, Skill

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
MAX_CHAIN_DEPTH = 20

SkillLink = User.skills.through


class UnicodeLower(Func):
    """LOWER() that folds æøå and other non-ASCII letters on every database.

    SQLite's built-in lower() only folds ASCII, so on SQLite this calls ``torg_lower``, a
    Python function registered for each connection in ``PeopleConfig.ready``.
    """

    function = "LOWER"
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="torg_lower", **extra_context)


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "torg_lower",
            1,
            lambda value: None if value is None else value.lower(),
            deterministic=True,
        )


def query_words(q: str | None) -> list[str]:
    """The search words of ``q``, lower-cased; long input is cut rather than refused."""
    if not q:
        return []
    return [word.lower() for word in q[:MAX_QUERY_LENGTH].split()][:MAX_QUERY_WORDS]


def _has_skill_containing(word: str) -> Exists:
    return Exists(
        SkillLink.objects.annotate(skill_lc=UnicodeLower("skill__name")).filter(
            Q(skill_lc__contains=word), user_id=OuterRef("pk")
        )
    )


def _skill_queryset() -> QuerySet[Skill]:
    return Skill.objects.order_by("name")


def search_people(
    viewer: User | AnonymousUser,
    *,
    q: str | None = None,
    department_id: int | None = None,
    location_id: int | None = None,
    skill: str | None = None,
) -> QuerySet[User]:
    """People ``viewer`` may see matching every given criterion, by name.

    Every word of ``q`` must match the name, the job title or one of the skills.
    """
    people = visible_people(viewer)
    words = query_words(q)
    if words:
        people = people.annotate(name_lc=UnicodeLower("name"), title_lc=UnicodeLower("job_title"))
        for word in words:
            people = people.filter(
                Q(name_lc__contains=word) | Q(title_lc__contains=word) | _has_skill_containing(word)
            )
    if department_id is not None:
        people = people.filter(department_id=department_id)
    if location_id is not None:
        people = people.filter(location_id=location_id)
    if skill:
        wanted = skill.strip()[:60]
        people = people.filter(
            Exists(
                SkillLink.objects.annotate(skill_lc=UnicodeLower("skill__name")).filter(
                    Q(skill_lc=wanted.lower()), user_id=OuterRef("pk")
                )
            )
        )
    return (
        people.select_related("department", "location")
        .prefetch_related(Prefetch("skills", queryset=_skill_queryset()))
        .order_by("name", "pk")
    )


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("name")


def locations() -> QuerySet[Location]:
    return Location.objects.order_by("country", "name")


def manager_chain(viewer: User | AnonymousUser, person: User) -> list[User]:
    """The managers above ``person`` that ``viewer`` may see, top first. Two queries.

    One recursive query walks up the ``manager`` links; depth is capped so a cycle in the
    data (A manages B manages A) ends instead of looping.
    """
    if person.manager_id is None:
        return []
    table = connection.ops.quote_name(User._meta.db_table)
    manager_column = connection.ops.quote_name(User._meta.get_field("manager").column)
    sql = (
        f"WITH RECURSIVE chain(id, manager_id, depth) AS ("  # noqa: S608 - names, not input
        f" SELECT id, {manager_column}, 1 FROM {table} WHERE id = %s"
        f" UNION ALL"
        f" SELECT u.id, u.{manager_column}, chain.depth + 1 FROM {table} u"
        f" JOIN chain ON u.id = chain.manager_id WHERE chain.depth < %s"
        f") SELECT id, depth FROM chain ORDER BY depth"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.manager_id, MAX_CHAIN_DEPTH])
        rows = cursor.fetchall()
    ordered: list[int] = []
    for user_id, _depth in rows:
        if user_id in ordered or user_id == person.pk:
            break  # a cycle: stop at the first repeat
        ordered.append(user_id)
    found = visible_people(viewer).select_related("department", "location").in_bulk(ordered)
    return [found[user_id] for user_id in reversed(ordered) if user_id in found]


def direct_reports(viewer: User | AnonymousUser, person: User) -> list[User]:
    """People reporting to ``person``, each with ``report_count`` of their own. Two queries."""
    reports = list(
        visible_people(viewer)
        .filter(manager=person)
        .exclude(pk=person.pk)
        .select_related("department", "location")
        .order_by("name", "pk")
    )
    counts = dict(
        visible_people(viewer)
        .filter(manager_id__in=[report.pk for report in reports])
        .values("manager_id")
        .annotate(total=Count("id"))
        .values_list("manager_id", "total")
    )
    for report in reports:
        report.report_count = counts.get(report.pk, 0)  # type: ignore[attr-defined]
    return reports


@dataclass
class ExperienceGroup:
    kind: str
    label: str
    items: list[Experience] = field(default_factory=list)


@dataclass
class OrgChart:
    person: User
    chain: list[User]
    reports: list[User]


@dataclass
class Profile:
    person: User
    skills: list[Skill]
    languages: list[str]
    experience: list[ExperienceGroup]
    groups: list[Group]
    chain: list[User]
    reports: list[User]


def _languages(person: User) -> list[str]:
    raw = person.languages if isinstance(person.languages, list) else []
    names: list[str] = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
    return names


def experience_of(person: User) -> list[ExperienceGroup]:
    groups = {
        kind: ExperienceGroup(kind=kind, label=str(label))
        for kind, label in Experience.Kind.choices
    }
    for item in Experience.objects.filter(user=person).order_by(
        "-end_year", "-start_year", "title", "pk"
    ):
        if item.kind in groups:
            groups[item.kind].items.append(item)
    return [group for group in groups.values() if group.items]


def groups_of_person(viewer: User | AnonymousUser, person: User) -> list[Group]:
    """Groups ``person`` belongs to whose existence ``viewer`` may know of."""
    return list(
        visible_groups(viewer)
        .filter(memberships__user=person)
        .order_by("-is_company_wide", "name", "pk")
    )


def profile_context(viewer: User | AnonymousUser, person: User) -> Profile:
    """Everything a profile page shows. Seven queries, whatever the person's size."""
    return Profile(
        person=person,
        skills=list(_skill_queryset().filter(people=person)),
        languages=_languages(person),
        experience=experience_of(person),
        groups=groups_of_person(viewer, person),
        chain=manager_chain(viewer, person),
        reports=direct_reports(viewer, person),
    )


def org_chart(viewer: User | AnonymousUser, person: User) -> OrgChart:
    return OrgChart(
        person=person,
        chain=manager_chain(viewer, person),
        reports=direct_reports(viewer, person),
    )
