"""The demo organisation: Fjordlys Consulting, a fictional Scandinavian consultancy.

Everything is derived from ``random.Random(2026)``, so two seeds of an empty database give the
same people, the same managers and the same groups. Rows are written in bulk and the demo
password is hashed once, so seeding takes a second or two.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from torg.accounts.models import User
from torg.groups.models import Group, JoinRequest, Membership
from torg.people.demo_data import (
    CLIENTS,
    COMPANY,
    DEPARTMENT_SIZES,
    DEPARTMENTS,
    EMPLOYEE_COUNT,
    EXTRA_LANGUAGES,
    FIRST_NAMES,
    FORMER_EMPLOYERS,
    INTERESTS,
    LANGUAGE_OF,
    LAST_NAMES,
    LOCATIONS,
    PROJECT_THEMES,
    SKILLS,
    TIME_ZONES,
    TITLES,
    UI_LANGUAGE,
)
from torg.people.models import Department, Experience, Location, Skill
from torg.posts.demo_content import ContentResult, seed_demo_content

SEED = 2026
PASSWORD = "torg-demo"  # noqa: S105 - the documented demo login
DOMAIN = "demo.torg.example"

ADMIN_EMAIL = f"admin@{DOMAIN}"
KARI_EMAIL = f"kari.nordmann@{DOMAIN}"
OLA_EMAIL = f"ola.hansen@{DOMAIN}"
GUEST_EMAIL = "guest@partner.example"
KARI_GROUP_SLUG = "cloud-native-guild"
COMPANY_WIDE_SLUG = "all-fjordlys"


def ascii_fold(text: str) -> str:
    """'Bjørn Sæther' → 'bjorn.saether' material: e-mail local parts stay ASCII."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = text.replace("ä", "a").replace("ö", "o")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in ".-"))


@dataclass
class PersonPlan:
    name: str
    email: str
    job_title: str
    department: str | None
    location: str | None
    level: int  # 0 CEO, 1 executives, 2 managers, 3 staff; 4 guests
    manager: int | None = None  # index into the plan list
    skills: list[str] = field(default_factory=list)
    is_staff: bool = False
    is_guest: bool = False
    phone: str = ""
    bio: str = ""
    languages: list[str] = field(default_factory=list)


@dataclass
class GroupPlan:
    name: str
    slug: str
    description: str
    privacy: str
    kind: str
    parent: str | None = None
    is_company_wide: bool = False
    members: dict[int, str] = field(default_factory=dict)  # plan index → role


@dataclass
class SeedResult:
    people: int
    guests: int
    groups: int
    memberships: int
    join_requests: int
    skipped: bool = False
    content: ContentResult = field(default_factory=ContentResult)

    def summary(self) -> str:
        if self.skipped:
            return "Demo organisation not seeded: the database already has people."
        return (
            f"Seeded {COMPANY}: {self.people} people, {self.guests} guests, {self.groups} groups, "
            f"{self.memberships} memberships, {self.join_requests} pending join requests, "
            f"{self.content.posts} posts, {self.content.comments} comments, "
            f"{self.content.reactions} reactions. "
            f"Sign in as {ADMIN_EMAIL} / {PASSWORD}."
        )


class DemoExists(Exception):
    """The demo organisation is already in the database."""


def demo_exists() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists() or (
        Group.objects.filter(slug=COMPANY_WIDE_SLUG).exists()
    )


class _Planner:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.people: list[PersonPlan] = []
        self.emails: set[str] = set()
        self.names: set[str] = set()
        self.country = {slug: country for _, slug, country, _ in LOCATIONS}
        self.office_slugs = [slug for _, slug, _, _ in LOCATIONS]
        self.office_weights = [weight for _, _, _, weight in LOCATIONS]

    # -- people -----------------------------------------------------------------------------

    def phone(self, country: str) -> str:
        rng = self.rng

        def pair() -> int:
            return rng.randint(10, 99)

        if country == "NO":
            return f"+47 {rng.choice('49')}{rng.randint(10, 99)} {pair()} {rng.randint(100, 999)}"
        if country == "SE":
            return f"+46 7{rng.choice('0236')} {rng.randint(100, 999)} {pair()} {pair()}"
        return f"+45 {rng.randint(20, 61)} {pair()} {pair()} {pair()}"

    def unique_name(self, country: str) -> str:
        for _ in range(50):
            name = f"{self.rng.choice(FIRST_NAMES[country])} {self.rng.choice(LAST_NAMES[country])}"
            if name not in self.names:
                return name
        return name  # a namesake is realistic too; the e-mail stays unique

    def email_for(self, name: str) -> str:
        base = ascii_fold(".".join(name.split()))
        email, n = f"{base}@{DOMAIN}", 2
        while email in self.emails:
            email, n = f"{base}{n}@{DOMAIN}", n + 1
        return email

    def add(
        self,
        *,
        job_title: str,
        department: str | None,
        location: str,
        level: int,
        manager: int | None,
        name: str | None = None,
        email: str | None = None,
        skills: list[str] | None = None,
        is_staff: bool = False,
    ) -> int:
        country = self.country[location]
        name = name or self.unique_name(country)
        email = email or self.email_for(name)
        self.names.add(name)
        self.emails.add(email)
        pool = SKILLS.get(department or "", []) + (SKILLS["leadership"] if level <= 1 else [])
        chosen = list(skills or [])
        for skill in self.rng.sample(pool, k=min(len(pool), self.rng.randint(3, 6))):
            if skill not in chosen:
                chosen.append(skill)
        languages = [LANGUAGE_OF[country], "English"]
        if self.rng.random() < 0.3:
            languages.append(self.rng.choice(EXTRA_LANGUAGES))
        office = next(label for label, slug, _, _ in LOCATIONS if slug == location)
        bio = (
            f"{job_title} at {COMPANY} in {office}. "
            f"I work mostly with {' and '.join(chosen[:2]) if chosen else 'our clients'}"
            f", and I enjoy {self.rng.choice(INTERESTS)} when I am not at work."
        )
        self.people.append(
            PersonPlan(
                name=name,
                email=email,
                job_title=job_title,
                department=department,
                location=location,
                level=level,
                manager=manager,
                skills=chosen,
                is_staff=is_staff,
                phone=self.phone(country),
                bio=bio,
                languages=languages,
            )
        )
        return len(self.people) - 1

    def office(self) -> str:
        return self.rng.choices(self.office_slugs, weights=self.office_weights)[0]

    def plan_people(self) -> None:
        ceo = self.add(
            name="Solveig Brekke",
            job_title="Chief Executive Officer",
            department="leadership",
            location="oslo",
            level=0,
            manager=None,
        )
        self.add(
            job_title="Chief Operating Officer",
            department="leadership",
            location="stockholm",
            level=1,
            manager=ceo,
        )
        self.add(
            job_title="Executive Assistant",
            department="leadership",
            location="oslo",
            level=3,
            manager=ceo,
        )
        directors: dict[str, int] = {}
        director_offices = {
            "consulting": "oslo",
            "technology": "oslo",
            "design": "bergen",
            "data-ai": "stockholm",
            "sales": "kobenhavn",
            "hr": "oslo",
            "finance": "oslo",
            "marketing-communications": "oslo",
        }
        for slug, (director_title, _, _) in TITLES.items():
            directors[slug] = self.add(
                job_title=director_title,
                department=slug,
                location=director_offices[slug],
                level=1,
                manager=ceo,
            )
        for slug, size in DEPARTMENT_SIZES.items():
            _, manager_title, staff_titles = TITLES[slug]
            team_count = max(1, size // 9)
            managers = [
                self.add(
                    job_title=manager_title,
                    department=slug,
                    location=self.office(),
                    level=2,
                    manager=directors[slug],
                )
                for _ in range(team_count)
            ]
            if slug == "marketing-communications":
                managers.append(
                    self.add(
                        name="Ingrid Solheim",
                        email=ADMIN_EMAIL,
                        job_title="Head of Internal Communications",
                        department=slug,
                        location="oslo",
                        level=2,
                        manager=directors[slug],
                        skills=["Internal Communications", "Change Management"],
                        is_staff=True,
                    )
                )
            if slug == "consulting":
                self.add(
                    name="Kari Nordmann",
                    email=KARI_EMAIL,
                    job_title="Senior Consultant",
                    department=slug,
                    location="oslo",
                    level=3,
                    manager=managers[0],
                    skills=["Kubernetes", "Azure", "Stakeholder Management"],
                )
                self.add(
                    name="Ola Hansen",
                    email=OLA_EMAIL,
                    job_title="Consultant",
                    department=slug,
                    location="bergen",
                    level=3,
                    manager=managers[1],
                    skills=["Business Analysis", "Scrum"],
                )
            staff_needed = size - len(managers) - (2 if slug == "consulting" else 0)
            for index in range(staff_needed):
                manager = managers[index % len(managers)]
                self.add(
                    job_title=self.rng.choice(staff_titles),
                    department=slug,
                    location=self.people[manager].location or "oslo"
                    if self.rng.random() < 0.7
                    else self.office(),
                    level=3,
                    manager=manager,
                )
        # Top up to the exact head count with consultants, the company's core.
        consulting_managers = [
            i for i, p in enumerate(self.people) if p.department == "consulting" and p.level == 2
        ]
        while len(self.people) < EMPLOYEE_COUNT:
            self.add(
                job_title=self.rng.choice(TITLES["consulting"][2]),
                department="consulting",
                location=self.office(),
                level=3,
                manager=self.rng.choice(consulting_managers),
            )

    def plan_guests(self) -> list[int]:
        guests = [
            ("Petra Lind", GUEST_EMAIL, "Partner Manager, Nordkraft Energi"),
            ("Mikkel Dahl", "mikkel.dahl@havbris.example", "Product Owner, Havbris Shipping"),
            ("Sanna Virtanen", "sanna.virtanen@oresund.example", "IT Architect, Øresund Logistik"),
        ]
        indexes = []
        for name, email, title in guests:
            self.people.append(
                PersonPlan(
                    name=name,
                    email=email,
                    job_title=title,
                    department=None,
                    location=None,
                    level=4,
                    is_guest=True,
                    languages=["English"],
                    bio=f"External partner working with {COMPANY}.",
                )
            )
            indexes.append(len(self.people) - 1)
        return indexes

    # -- groups -----------------------------------------------------------------------------

    def plan_groups(self, guests: list[int]) -> list[GroupPlan]:
        rng = self.rng
        people = self.people
        employees = [i for i, p in enumerate(people) if not p.is_guest]
        by_email = {p.email: i for i, p in enumerate(people)}
        ceo, admin = 0, by_email[ADMIN_EMAIL]
        kari, ola = by_email[KARI_EMAIL], by_email[OLA_EMAIL]
        OPEN, C, S = Group.Privacy.OPEN, Group.Privacy.CLOSED, Group.Privacy.SECRET
        TEAM, DISC = Group.Kind.TEAM, Group.Kind.DISCUSSION
        ANN, SOC = Group.Kind.ANNOUNCEMENTS, Group.Kind.SOCIAL
        groups: list[GroupPlan] = []

        def group(
            name: str,
            slug: str,
            description: str,
            privacy: str,
            kind: str,
            members: list[int],
            admins: list[int],
            parent: str | None = None,
            is_company_wide: bool = False,
            moderators: int = 1,
        ) -> GroupPlan:
            roles = {i: Membership.Role.MEMBER.value for i in members}
            for i in admins:
                roles[i] = Membership.Role.ADMIN.value
            plain = [i for i in sorted(roles) if roles[i] == Membership.Role.MEMBER]
            if len(plain) > 8:
                for i in rng.sample(plain, k=moderators):
                    roles[i] = Membership.Role.MODERATOR.value
            plan = GroupPlan(name, slug, description, privacy, kind, parent, is_company_wide, roles)
            groups.append(plan)
            return plan

        def sample(pool: list[int], low: int, high: int) -> list[int]:
            return rng.sample(pool, k=min(len(pool), rng.randint(low, high)))

        def in_department(slug: str) -> list[int]:
            return [i for i in employees if people[i].department == slug]

        def with_skill(*skills: str) -> list[int]:
            wanted = set(skills)
            return [i for i in employees if wanted & set(people[i].skills)]

        group(
            f"All {COMPANY}",
            COMPANY_WIDE_SLUG,
            "Everyone at Fjordlys. Say hello, share news and ask the whole company.",
            OPEN,
            DISC,
            employees,
            [admin, ceo],
            is_company_wide=True,
            moderators=2,
        )
        group(
            "Company News",
            "company-news",
            "Official announcements from the leadership team and communications.",
            OPEN,
            ANN,
            employees,
            [admin, ceo],
        )
        group(
            "IT Service Status",
            "it-service-status",
            "Planned maintenance and incidents for internal systems.",
            OPEN,
            ANN,
            sample(employees, 120, 180),
            [directors_of(people, "technology")],
        )
        # Nested regions: Global > Scandinavia > Norway / Sweden / Denmark.
        group(
            "Fjordlys Global",
            "global",
            "Across all our offices: strategy, company-wide initiatives and global clients.",
            OPEN,
            DISC,
            sample(employees, 90, 130),
            [ceo],
        )
        group(
            "Scandinavia",
            "scandinavia",
            "Cooperation across the Scandinavian offices.",
            OPEN,
            DISC,
            sample(employees, 70, 100),
            [people.index(next(p for p in people if p.job_title == "Chief Operating Officer"))],
            parent="global",
        )
        for country, label, slug in (
            ("NO", "Norway", "norway"),
            ("SE", "Sweden", "sweden"),
            ("DK", "Denmark", "denmark"),
        ):
            local = [i for i in employees if self.country.get(people[i].location or "") == country]
            senior = min(local, key=lambda i: (people[i].level, i))
            group(
                label,
                slug,
                f"News, events and practical matters for everyone in {label}.",
                OPEN,
                DISC,
                local,
                [senior],
                parent="scandinavia",
            )
        for label, slug, _, _ in LOCATIONS:
            local = [i for i in employees if people[i].location == slug]
            senior = min(local, key=lambda i: (people[i].level, i))
            group(
                f"{label} office",
                f"office-{slug}",
                f"Lunch, visitors, facilities and social life at the {label} office.",
                OPEN,
                SOC,
                local,
                [senior],
            )
        for label, slug in DEPARTMENTS:
            members = in_department(slug)
            lead = min(members, key=lambda i: (people[i].level, i))
            privacy = {"leadership": S, "hr": C, "finance": C}.get(slug, OPEN)
            group(
                f"{label} team" if slug != "leadership" else "Leadership team",
                f"team-{slug}",
                f"The {label} department's own space: plans, rotas and team news.",
                privacy,
                TEAM,
                members
                if slug != "leadership"
                else members + [directors_of(people, s) for s in TITLES],
                [lead],
            )
        consultants = in_department("consulting") + in_department("technology")
        designers = in_department("design") + in_department("data-ai")
        group(
            "Nordkraft Energy Portal",
            "project-nordkraft-portal",
            "Delivery team for Nordkraft Energi's new customer portal, with our partners.",
            C,
            TEAM,
            sample(consultants, 8, 12) + sample(designers, 2, 4) + [guests[0]],
            [kari],
        )
        group(
            "Havbris Fleet Analytics",
            "project-havbris-fleet",
            "Fleet analytics and forecasting for Havbris Shipping.",
            C,
            TEAM,
            [*sample(in_department("data-ai"), 6, 10), guests[0], guests[1]],
            [directors_of(people, "data-ai")],
        )
        group(
            "Bergfjell Mobile Bank",
            "project-bergfjell-mobile",
            "Rebuilding Bergfjell Sparebank's mobile app. Open for anyone curious.",
            OPEN,
            TEAM,
            sample(consultants, 10, 16),
            [directors_of(people, "technology")],
        )
        group(
            "Øresund Logistics Platform",
            "project-oresund-logistics",
            "Event-driven logistics platform for Øresund Logistik.",
            OPEN,
            TEAM,
            [*sample(consultants, 8, 14), guests[2]],
            [directors_of(people, "consulting")],
        )
        group(
            "Bid: Vestlandet Helse",
            "bid-vestlandet-helse",
            "Confidential bid team for the Vestlandet Helse framework agreement.",
            S,
            TEAM,
            sample(in_department("sales"), 3, 5) + sample(consultants, 3, 5),
            [directors_of(people, "sales")],
        )
        group(
            "Project Polaris",
            "project-polaris",
            "Confidential: evaluation of a possible acquisition.",
            S,
            TEAM,
            [directors_of(people, s) for s in ("finance", "consulting", "hr")],
            [ceo],
        )
        group(
            "Salary review 2026",
            "salary-review-2026",
            "Confidential working group for this year's pay equity review.",
            S,
            TEAM,
            sample(in_department("hr"), 3, 4),
            [directors_of(people, "hr")],
        )
        cloud = [i for i in with_skill("Kubernetes", "Terraform", "DevOps") if i != ola]
        group(
            "Cloud Native Guild",
            KARI_GROUP_SLUG,
            "Kubernetes, platform engineering and cloud operations. Ask to join; we meet monthly.",
            C,
            DISC,
            sample(cloud, 14, 20),
            [kari],
        )
        group(
            "Security Champions",
            "security-champions",
            "Security champions from every team. Vulnerability talk stays in here.",
            C,
            DISC,
            sample(with_skill("Security", "DevOps") + consultants, 10, 16),
            [directors_of(people, "technology")],
        )
        group(
            "Bid Desk",
            "bid-desk",
            "Reusable CVs, references and pricing for bids. Ask sales to join.",
            C,
            DISC,
            in_department("sales") + sample(consultants, 6, 10),
            [directors_of(people, "sales")],
        )
        group(
            "AI & Machine Learning",
            "ai-machine-learning",
            "Papers, tools and client cases in machine learning and language models.",
            OPEN,
            DISC,
            with_skill("Machine Learning", "LLM", "Computer Vision") + sample(employees, 10, 20),
            [directors_of(people, "data-ai")],
        )
        group(
            "Design Systems",
            "design-systems",
            "Components, tokens and accessibility across our client design systems.",
            OPEN,
            DISC,
            with_skill("Design Systems", "Figma", "Accessibility", "React"),
            [directors_of(people, "design")],
        )
        group(
            "Agile Coaching",
            "agile-coaching",
            "Facilitation, retrospectives and scaling agile with clients.",
            OPEN,
            DISC,
            with_skill("Scrum", "SAFe", "Workshop Facilitation", "Change Management"),
            [directors_of(people, "consulting")],
        )
        group(
            "Sustainability Network",
            "sustainability",
            "Our climate accounts, green IT and sustainable client work.",
            OPEN,
            DISC,
            sample(employees, 20, 35),
            [admin],
        )
        group(
            "Running Club",
            "running-club",
            "Lunch runs, relay races and Holmenkollstafetten.",
            OPEN,
            SOC,
            sample(employees, 20, 40),
            [kari],
        )
        group(
            "Book Club",
            "book-club",
            "One book a month, Nordic noir and beyond.",
            OPEN,
            SOC,
            sample(employees, 10, 20),
            [ola],
        )
        group(
            "Board Games",
            "board-games",
            "Thursday board game nights in Oslo, Stockholm and København.",
            OPEN,
            SOC,
            sample(employees, 12, 25),
            [rng.choice(employees)],
        )
        group(
            "Skiing & Outdoors",
            "skiing-outdoors",
            "Cabin trips, ski touring and hikes.",
            OPEN,
            SOC,
            sample(employees, 25, 45),
            [rng.choice(employees)],
        )
        group(
            "Parents at Fjordlys",
            "parents",
            "Parental leave, kindergarten logistics and tips.",
            C,
            SOC,
            sample(employees, 15, 30),
            [directors_of(people, "hr")],
        )
        return groups

    def plan_join_requests(self, groups: list[GroupPlan]) -> list[tuple[str, int, str]]:
        """A few pending requests for closed groups; none by Ola for Kari's group."""
        by_email = {p.email: i for i, p in enumerate(self.people)}
        ola = by_email[OLA_EMAIL]
        employees = [i for i, p in enumerate(self.people) if not p.is_guest]
        requests: list[tuple[str, int, str]] = []
        messages = [
            "I'm joining the project next month.",
            "Could I join? I'd like to learn from this group.",
            "Working on a related bid, would love access.",
        ]
        for plan in groups:
            if plan.privacy != Group.Privacy.CLOSED or plan.slug.startswith("team-"):
                continue
            outsiders = [i for i in employees if i not in plan.members and i != ola]
            for person in self.rng.sample(outsiders, k=2 if plan.slug == KARI_GROUP_SLUG else 1):
                requests.append((plan.slug, person, self.rng.choice(messages)))
        return requests


def directors_of(people: list[PersonPlan], department: str) -> int:
    return next(i for i, p in enumerate(people) if p.department == department and p.level == 1)


def _ensure_reference_data() -> tuple[dict[str, Department], dict[str, Location]]:
    Department.objects.bulk_create(
        [Department(name=name, slug=slug) for name, slug in DEPARTMENTS], ignore_conflicts=True
    )
    Location.objects.bulk_create(
        [Location(name=name, slug=slug, country=country) for name, slug, country, _ in LOCATIONS],
        ignore_conflicts=True,
    )
    departments = {d.slug: d for d in Department.objects.all()}
    locations = {loc.slug: loc for loc in Location.objects.all()}
    return departments, locations


def _ensure_skills(names: set[str]) -> dict[str, Skill]:
    Skill.objects.bulk_create(
        [Skill(name=name, key=name.casefold()) for name in sorted(names)], ignore_conflicts=True
    )
    by_key = {s.key: s for s in Skill.objects.filter(key__in=[n.casefold() for n in names])}
    return {name: by_key[name.casefold()] for name in names}


def _experience_for(rng: random.Random, person: User, plan: PersonPlan) -> list[Experience]:
    if plan.is_guest:
        return []
    items: list[Experience] = []
    for _ in range(rng.randint(1, 3)):
        client = rng.choice(CLIENTS)
        start = rng.randint(2016, 2025)
        end = min(2026, start + rng.randint(0, 2))
        theme = rng.choice(PROJECT_THEMES)
        items.append(
            Experience(
                user=person,
                kind=Experience.Kind.PROJECT,
                title=f"{theme} for {client}",
                organisation=client,
                description=f"{plan.job_title} on the {theme.lower()} team.",
                start_year=start,
                end_year=end,
            )
        )
    for client in rng.sample(CLIENTS, k=rng.randint(0, 2)):
        items.append(
            Experience(
                user=person,
                kind=Experience.Kind.CLIENT,
                title=client,
                organisation=client,
                start_year=rng.randint(2015, 2024),
            )
        )
    if rng.random() < 0.7:
        start = rng.randint(2005, 2016)
        items.append(
            Experience(
                user=person,
                kind=Experience.Kind.EMPLOYER,
                title=rng.choice(["Developer", "Consultant", "Analyst", "Adviser", "Designer"]),
                organisation=rng.choice(FORMER_EMPLOYERS),
                start_year=start,
                end_year=start + rng.randint(1, 6),
            )
        )
    return items


def seed_demo(*, if_empty: bool = False) -> SeedResult:
    """Create the demo organisation.

    With ``if_empty`` nothing happens when any account exists. Otherwise ``DemoExists`` is raised
    when the demo is already there, so running the command twice never doubles the company.
    """
    if if_empty and User.objects.exists():
        return SeedResult(0, 0, 0, 0, 0, skipped=True)
    if demo_exists():
        raise DemoExists
    planner = _Planner()
    planner.plan_people()
    guest_indexes = planner.plan_guests()
    group_plans = planner.plan_groups(guest_indexes)
    request_plans = planner.plan_join_requests(group_plans)
    plans = planner.people

    with transaction.atomic():
        departments, locations = _ensure_reference_data()
        skills = _ensure_skills({s for p in plans for s in p.skills})
        password = make_password(PASSWORD)
        now = timezone.now()
        users: list[User | None] = [None] * len(plans)
        # Create level by level so every manager has a primary key before their reports.
        for level in range(5):
            batch = [(index, plan) for index, plan in enumerate(plans) if plan.level == level]
            created = User.objects.bulk_create(
                [
                    User(
                        email=plan.email,
                        name=plan.name,
                        password=password,
                        job_title=plan.job_title,
                        department=departments[plan.department] if plan.department else None,
                        location=locations[plan.location] if plan.location else None,
                        manager=users[plan.manager] if plan.manager is not None else None,
                        phone=plan.phone,
                        bio=plan.bio,
                        languages=plan.languages,
                        time_zone=TIME_ZONES[planner.country[plan.location]]
                        if plan.location
                        else "Europe/Oslo",
                        language=UI_LANGUAGE[planner.country[plan.location]]
                        if plan.location
                        else "",
                        is_guest=plan.is_guest,
                        is_staff=plan.is_staff,
                        is_superuser=plan.is_staff,
                        date_joined=now,
                    )
                    for _, plan in batch
                ],
                batch_size=500,
            )
            for (index, _), user in zip(batch, created, strict=True):
                users[index] = user
        people = [u for u in users if u is not None]
        assert len(people) == len(plans)

        SkillLink = User.skills.through
        SkillLink.objects.bulk_create(
            [
                SkillLink(user_id=user.pk, skill_id=skills[name].pk)
                for user, plan in zip(people, plans, strict=True)
                for name in plan.skills
            ],
            batch_size=1000,
        )
        experience_rng = random.Random(SEED + 1)
        Experience.objects.bulk_create(
            [
                item
                for user, plan in zip(people, plans, strict=True)
                for item in _experience_for(experience_rng, user, plan)
            ],
            batch_size=1000,
        )

        groups = Group.objects.bulk_create(
            [
                Group(
                    name=plan.name,
                    slug=plan.slug,
                    description=plan.description,
                    privacy=plan.privacy,
                    kind=plan.kind,
                    is_company_wide=plan.is_company_wide,
                    created_by=people[
                        next(i for i, r in plan.members.items() if r == Membership.Role.ADMIN)
                    ],
                    member_count=len(plan.members),
                )
                for plan in group_plans
            ]
        )
        by_slug = {group.slug: group for group in groups}
        children = []
        for plan in group_plans:
            if plan.parent:
                by_slug[plan.slug].parent = by_slug[plan.parent]
                children.append(by_slug[plan.slug])
        Group.objects.bulk_update(children, ["parent"])
        memberships = Membership.objects.bulk_create(
            [
                Membership(group=by_slug[plan.slug], user=people[index], role=role)
                for plan in group_plans
                for index, role in sorted(plan.members.items())
            ],
            batch_size=1000,
        )
        join_requests = JoinRequest.objects.bulk_create(
            [
                JoinRequest(group=by_slug[slug], user=people[index], message=message)
                for slug, index, message in request_plans
            ]
        )
        content = seed_demo_content(now=now, kari_email=KARI_EMAIL, admin_email=ADMIN_EMAIL)
    guests = sum(1 for plan in plans if plan.is_guest)
    return SeedResult(
        people=len(people) - guests,
        guests=guests,
        groups=len(groups),
        memberships=len(memberships),
        join_requests=len(join_requests),
        content=content,
    )
