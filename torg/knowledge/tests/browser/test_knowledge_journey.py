"""Issue-5 journey: Åse asks a question, sees similar questions and a suggested expert while
typing, mentions him with one click; Bjørn answers; Åse marks his answer best and it shows
first with its badge; the expertise page shows Bjørn with his evidence. Both widths."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, assert_fits, screenshot, sign_in
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.knowledge.models import Question
from torg.notifications.models import Notification
from torg.people.models import Skill
from torg.posts import actions as post_actions
from torg.posts import comment_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456789"


def shot(page: Page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")
    screenshot(page, name)


def offenders(page: Page) -> list[str]:
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found = a11y_offenders(page)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = false; })")
    return found


def make_people() -> dict[str, Any]:
    ase = User.objects.create_user("ase@example.com", PASSWORD, name="Åse Asker")
    bjorn = User.objects.create_user(
        "bjorn@example.com", PASSWORD, name="Bjørn Berg", job_title="Platform engineer"
    )
    cecilie = User.objects.create_user("cecilie@example.com", PASSWORD, name="Cecilie Cox")
    skill = Skill.objects.create(name="Kubernetes", key="kubernetes")
    bjorn.skills.add(skill)
    drift = group_actions.do_create_group(actor=cecilie, name="Drift", privacy=Group.Privacy.OPEN)
    for person in (ase, bjorn):
        group_actions.do_add_member(group=drift, user=person)
    earlier = post_actions.do_create_post(
        author=cecilie, group=drift, body="How do I drain a kubernetes node?", is_question=True
    )
    comment_actions.do_create_comment(
        actor=bjorn, post=earlier, body="kubectl drain — kubernetes moves the pods"
    )
    return {"ase": ase, "bjorn": bjorn, "cecilie": cecilie, "drift": drift, "earlier": earlier}


def test_ask_answer_mark_best_and_find_the_expert(
    any_page: Page, second_page: Page, live_url: str
) -> None:
    people = make_people()
    bjorn: User = people["bjorn"]
    width = any_page.torg_width  # type: ignore[attr-defined]

    # Åse writes a question; similar questions and people who may know appear as she types.
    page = any_page
    sign_in(page, live_url, "ase@example.com", PASSWORD)
    page.goto(f"{live_url}/groups/drift/")
    page.get_by_label("This is a question").check()
    box = page.get_by_label("Write a post in Drift")
    box.click()
    box.press_sequentially("Which kubernetes version should we upgrade to?")
    help_panel = page.locator(".question-help")
    expect(help_panel.get_by_role("link", name="How do I drain a kubernetes node?")).to_be_visible()
    mention = help_panel.get_by_role("button", name="Mention Bjørn Berg")
    expect(mention).to_be_visible()
    assert not Notification.objects.filter(recipient=bjorn).exists()  # a suggestion is silent
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"knowledge-ask-{width}")

    mention.click()
    expect(box).to_have_value(
        f"Which kubernetes version should we upgrade to? @[Bjørn Berg](user:{bjorn.pk}) "
    )
    page.get_by_role("button", name="Post", exact=True).click()
    card = page.locator("article.post-card", has_text="Which kubernetes version")
    expect(card.locator(".badge-question")).to_be_visible()
    question = Question.objects.get(post__body__startswith="Which kubernetes version")
    assert list(Notification.objects.filter(recipient=bjorn).values_list("kind", flat=True)) == [
        "mention"
    ]

    # Bjørn answers on the question page; so does Cecilie.
    comment_actions.do_create_comment(
        actor=people["cecilie"], post=question.post, body="Whatever the vendor supports"
    )
    sign_in(second_page, live_url, "bjorn@example.com", PASSWORD)
    second_page.goto(f"{live_url}/knowledge/questions/{question.post_id}/")
    second_page.get_by_label("Write a comment").fill("Go to 1.30: it is the supported one")
    second_page.get_by_role("button", name="Comment").click()
    expect(second_page.locator(".comment-body", has_text="Go to 1.30")).to_be_visible()
    # He up-votes Cecilie's answer (not his own: no button there).
    cecilie_answer = second_page.locator("li.comment", has_text="Whatever the vendor supports")
    cecilie_answer.get_by_role("button", name=re.compile("Up-vote this answer")).click()
    expect(
        cecilie_answer.get_by_role("button", name=re.compile("Up-vote this answer"))
    ).to_have_attribute("aria-pressed", "true")

    # Åse marks Bjørn's answer best: it moves first, with the badge.
    page.goto(f"{live_url}/knowledge/questions/{question.post_id}/")
    answers = page.locator("ol.comment-list > li.comment")
    expect(answers.first).to_contain_text("Whatever the vendor supports")  # one vote
    bjorn_answer = page.locator("li.comment", has_text="Go to 1.30")
    bjorn_answer.get_by_role("button", name="Mark as best answer").click()
    expect(page.locator(".message-success")).to_contain_text("Marked as the best answer.")
    expect(answers.first).to_contain_text("Go to 1.30")
    expect(answers.first.locator(".badge-best")).to_have_text("✓ Best answer")
    expect(page.locator(".question-bar .badge-answered")).to_be_visible()
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"knowledge-question-{width}")

    # The expertise page: Bjørn first, with his evidence.
    page.goto(f"{live_url}/knowledge/")
    page.get_by_label("Subject").fill("kubernetes")
    page.get_by_role("button", name="Find people").click()
    first = page.locator("article.expert").first
    expect(first).to_contain_text("Bjørn Berg")
    expect(first.get_by_role("link", name="Kubernetes", exact=True)).to_be_visible()
    expect(first.locator(".evidence-best_answer a")).to_have_attribute(
        "href", re.compile(rf"/knowledge/questions/{question.post_id}/#comment-\d+")
    )
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"knowledge-experts-{width}")
