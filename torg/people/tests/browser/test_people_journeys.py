"""Journeys through the people pages: find a colleague by skill, open the org chart; settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, assert_fits, screenshot, sign_in_at
from torg.people.models import Department, Location, Skill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def person(email: str, name: str, *, skills: tuple[str, ...] = (), **fields: object) -> User:
    user = User.objects.create_user(email, PASSWORD, name=name, **fields)
    for skill_name in skills:
        user.skills.add(
            Skill.objects.get_or_create(key=skill_name.casefold(), defaults={"name": skill_name})[0]
        )
    return user


def make_organisation() -> dict[str, User]:
    """A three-level manager chain with a Kubernetes engineer at the bottom, and a colleague."""
    leadership = Department.objects.create(name="Leadership", slug="leadership")
    technology = Department.objects.create(name="Technology", slug="technology")
    oslo = Location.objects.create(name="Oslo", slug="oslo", country="NO")
    ceo = person(
        "ingrid@example.com", "Ingrid Berg", job_title="Chief Executive", department=leadership
    )
    head = person(
        "lars@example.com",
        "Lars Hansen",
        job_title="Head of Technology",
        department=technology,
        location=oslo,
        manager=ceo,
    )
    engineer = person(
        "sofie@example.com",
        "Sofie Lund",
        job_title="Platform Engineer",
        department=technology,
        location=oslo,
        manager=head,
        skills=("Kubernetes", "Go"),
    )
    report = person(
        "emil@example.com",
        "Emil Strand",
        job_title="Junior Engineer",
        department=technology,
        manager=engineer,
        skills=("Python",),
    )
    other = person(
        "nora@example.com",
        "Nora Vik",
        job_title="Cloud Architect",
        department=technology,
        location=oslo,
        manager=head,
        skills=("Terraform",),
    )
    seeker = person("kari@example.com", "Kari Nordmann", job_title="Bid Manager")
    return {
        "ceo": ceo,
        "head": head,
        "engineer": engineer,
        "report": report,
        "other": other,
        "seeker": seeker,
    }


def test_find_a_colleague_by_skill_and_open_their_org_chart(any_page: Page, live_url: str) -> None:
    people = make_organisation()
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]

    sign_in_at(page, f"{live_url}/people/", "kari@example.com", PASSWORD)
    expect(page).to_have_title("People · Torg")
    expect(page.get_by_text("6 people")).to_be_visible()
    assert a11y_offenders(page) == []

    # The live search answers while typing; the address follows so the result can be shared.
    page.get_by_label("Search", exact=True).fill("kubernetes")
    expect(page).to_have_url(re.compile(r"/people/\?q=kubernetes"))
    results = page.locator("#people-results")
    expect(results.get_by_text("1 person", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name="Sofie Lund")).to_be_visible()
    expect(results.get_by_role("link", name="Nora Vik")).to_have_count(0)
    expect(results.get_by_role("list", name="Skills").get_by_role("link")).to_have_text(
        ["Go", "Kubernetes"]
    )
    expect(results.get_by_text("Platform Engineer · Technology · Oslo")).to_be_visible()
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"people-search-kubernetes-{width}")

    # Submitting the form gives the same answer as the live search. Wait for that page to load,
    # or the next click could land on the old page while the form's navigation is under way.
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    expect(results.get_by_text("1 person", exact=True)).to_be_visible()

    results.get_by_role("link", name="Sofie Lund").click()
    expect(page).to_have_url(f"{live_url}/people/{people['engineer'].pk}/")
    expect(page).to_have_title("Sofie Lund · Torg")
    expect(page.get_by_role("heading", name="Sofie Lund", level=1)).to_be_visible()
    expect(page.locator(".profile-head")).to_contain_text("Platform Engineer")
    expect(page.locator(".profile-head").get_by_role("link")).to_have_text(["Technology", "Oslo"])
    skills = page.locator("section", has=page.get_by_role("heading", name="Skills"))
    expect(skills.get_by_role("link")).to_have_text(["Go", "Kubernetes"])
    organisation = page.locator("section", has=page.get_by_role("heading", name="Organisation"))
    chain = organisation.get_by_role("list", name="Manager chain")
    expect(chain.get_by_role("link")).to_have_text(["Ingrid Berg", "Lars Hansen", "Sofie Lund"])
    expect(organisation.get_by_role("link", name="Emil Strand")).to_be_visible()
    expect(page.get_by_role("link", name="sofie@example.com")).to_have_attribute(
        "href", "mailto:sofie@example.com"
    )
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"people-profile-{width}")

    organisation.get_by_role("link", name="Full org chart").click()
    expect(page).to_have_url(f"{live_url}/people/{people['engineer'].pk}/org-chart/")
    expect(page).to_have_title("Org chart: Sofie Lund · Torg")
    expect(page.get_by_role("heading", name="Org chart", level=1)).to_be_visible()
    chain = page.get_by_role("list", name="Manager chain")
    expect(chain.get_by_role("listitem")).to_have_count(3)
    expect(chain.get_by_role("link")).to_have_text(["Ingrid Berg", "Lars Hansen", "Sofie Lund"])
    expect(chain.locator("li[aria-current=true]")).to_contain_text("Sofie Lund")
    expect(page.get_by_role("heading", name="Direct reports")).to_be_visible()
    expect(page.get_by_role("link", name="Emil Strand")).to_be_visible()
    expect(page.locator("ul.orgchart.indent .row-sub")).to_have_text(
        ["Junior Engineer · 0 direct reports"]
    )
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"people-orgchart-{width}")

    # Up the chain: the manager's chart shows her as one of two direct reports.
    chain.get_by_role("link", name="Lars Hansen").click()
    expect(page).to_have_url(f"{live_url}/people/{people['head'].pk}/org-chart/")
    expect(page).to_have_title("Org chart: Lars Hansen · Torg")
    chain = page.get_by_role("list", name="Manager chain")
    expect(chain.get_by_role("link")).to_have_text(["Ingrid Berg", "Lars Hansen"])
    reports = page.locator("ul.orgchart.indent")
    expect(reports.get_by_role("link")).to_have_text(["Nora Vik", "Sofie Lund"])
    expect(reports.get_by_text("Platform Engineer · 1 direct report", exact=True)).to_be_visible()
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"people-orgchart-manager-{width}")

    page.get_by_role("link", name="Open Lars Hansen's profile").click()
    expect(page).to_have_url(f"{live_url}/people/{people['head'].pk}/")
    expect(page.get_by_role("heading", name="Lars Hansen", level=1)).to_be_visible()
    expect(page.get_by_text("No skills listed yet.")).to_be_visible()
    assert a11y_offenders(page) == []


def test_search_for_a_skill_nobody_has_says_what_to_do(desktop_page: Page, live_url: str) -> None:
    make_organisation()
    page = desktop_page
    sign_in_at(page, f"{live_url}/people/?q=cobol", "kari@example.com", PASSWORD)

    expect(page.get_by_label("Search", exact=True)).to_have_value("cobol")
    expect(page.get_by_text("0 people")).to_be_visible()
    expect(page.get_by_text("Nobody matches your search.")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(f"{live_url}/people/")
    expect(page.get_by_text("6 people")).to_be_visible()


def test_switch_the_ui_to_norwegian_on_the_settings_page_and_back(
    any_page: Page, live_url: str
) -> None:
    seeker = person("kari@example.com", "Kari Nordmann", job_title="Bid Manager")
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]

    sign_in_at(page, f"{live_url}/settings/", "kari@example.com", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="People")).to_be_attached()
    assert a11y_offenders(page) == []
    assert_fits(page)

    preferences = page.locator("#preferences")
    preferences.get_by_label("Language", exact=True).select_option("nb")
    with page.expect_navigation():
        preferences.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_url}/settings/#preferences")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page).to_have_title("Innstillinger · Torg")
    navigation = page.get_by_role("navigation", name="Hovedmeny")
    for name in ("Hjem", "Grupper", "Personer"):
        expect(navigation.get_by_role("link", name=name)).to_be_attached()
    preferences = page.locator("#preferences")
    expect(preferences.get_by_label("Språk", exact=True)).to_have_value("nb")
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"accounts-settings-nb-{width}", full_page=False)
    seeker.refresh_from_db()
    assert seeker.language == "nb"

    # The choice follows the person to the next page.
    page.goto(f"{live_url}/people/")
    expect(page).to_have_title("Personer · Torg")
    expect(page.get_by_role("heading", name="Personer", level=1)).to_be_visible()

    page.goto(f"{live_url}/settings/")
    preferences = page.locator("#preferences")
    preferences.get_by_label("Språk", exact=True).select_option("en")
    with page.expect_navigation():
        preferences.get_by_role("button", name="Lagre").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    navigation = page.get_by_role("navigation", name="Main")
    for name in ("Home", "Groups", "People"):
        expect(navigation.get_by_role("link", name=name)).to_be_attached()
    expect(page.locator("#preferences").get_by_label("Language", exact=True)).to_have_value("en")
    assert a11y_offenders(page) == []
    screenshot(page, f"accounts-settings-en-{width}", full_page=False)
    seeker.refresh_from_db()
    assert seeker.language == "en"
