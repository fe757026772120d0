"""Issue-3 journeys: a post with a mention, a topic, a picture and a link preview travels to a
colleague's feed, who comments and reacts; a closed group's post stays out of an outsider's feed
and topic page; a poll vote; infinite scroll through the home feed. Both widths, screenshots."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import DESKTOP, PHONE, a11y_offenders, screenshot, sign_in
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts.models import Comment, Poll, PollVote, Post, Reaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456789"


# --- helpers -------------------------------------------------------------------------------------


def width_of(page: Page) -> str:
    return str(page.torg_width)  # type: ignore[attr-defined]


@pytest.fixture
def other_pages(browser: Browser, any_page: Page) -> Iterator[Any]:
    """Opens further browsers (own cookies) at any_page's width; closed after the test."""
    contexts = []
    errors: list[str] = []

    def open_page() -> Page:
        options: dict[str, object] = (
            {"viewport": DESKTOP}
            if width_of(any_page) == "desktop"
            else {
                "viewport": PHONE,
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
            }
        )
        context = browser.new_context(locale="en-GB", color_scheme="light", **options)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == []


def offenders(page: Page) -> list[str]:
    """a11y_offenders with every <details> open (a closed one hides its buttons' innerText)."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found = a11y_offenders(page)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = false; })")
    return found


def shot(page: Page, name: str) -> None:
    """A full-page screenshot taken from the top, so the sticky bars sit where they belong."""
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")
    screenshot(page, name)


def assert_fits(page: Page) -> None:
    """No horizontal scrollbar at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]  # type: ignore[index]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def link_site(tmp_path: Path, settings: Any) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 with a page carrying Open Graph tags and its image."""
    site = tmp_path / "site"
    site.mkdir()
    Image.new("RGB", (600, 315), (31, 78, 121)).save(site / "cover.png")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    port = server.server_address[1]
    (site / "launch.html").write_text(
        "<!doctype html><html><head><title>Plain title</title>"
        '<meta property="og:title" content="Canteen app launch plan">'
        '<meta property="og:description" content="Dates, owners and the pilot group.">'
        '<meta property="og:site_name" content="Intranet">'
        f'<meta property="og:image" content="http://127.0.0.1:{port}/cover.png">'
        "</head><body><h1>Launch</h1></body></html>",
        encoding="utf-8",
    )
    settings.LINK_PREVIEW_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/launch.html"
    server.shutdown()
    server.server_close()


def make_people() -> dict[str, Any]:
    kari = User.objects.create_user(
        "kari@example.com", PASSWORD, name="Kari Nordmann", job_title="Designer"
    )
    ola = User.objects.create_user("ola@example.com", PASSWORD, name="Ola Hansen")
    otto = User.objects.create_user("otto@example.com", PASSWORD, name="Otto Utenfor")
    design = group_actions.do_create_group(actor=kari, name="Design", privacy=Group.Privacy.OPEN)
    group_actions.do_add_member(group=design, user=ola)
    board = group_actions.do_create_group(
        actor=kari, name="Board room", privacy=Group.Privacy.CLOSED
    )
    return {"kari": kari, "ola": ola, "otto": otto, "design": design, "board": board}


# --- the post journey ----------------------------------------------------------------------------


def test_a_post_travels_to_a_colleague_and_not_to_an_outsider(
    any_page: Page, other_pages: Any, live_url: str, link_site: str, tmp_path: Path
) -> None:
    people = make_people()
    ola: User = people["ola"]
    width = width_of(any_page)
    secret = post_actions.do_create_post(
        author=people["kari"], group=people["board"], body="Budget for the #Launch is tight."
    )
    picture = tmp_path / "sketch.png"
    Image.new("RGB", (320, 200), (230, 120, 40)).save(picture)

    # Kari writes in Design: a mention chosen from the list, a topic, a picture and a link.
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)
    page.goto(f"{live_url}/groups/design/")
    box = page.get_by_label("Write a post in Design")
    box.click()
    box.press_sequentially("Hi @Ola")
    expect(page.get_by_role("option", name=re.compile("Ola Hansen"))).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    box.press_sequentially(f"the #Launch plan is here: {link_site}")
    expect(box).to_have_value(
        f"Hi @[Ola Hansen](user:{ola.pk}) the #Launch plan is here: {link_site}"
    )
    page.locator("#composer-design input[data-upload]").set_input_files(str(picture))
    alt = page.get_by_label("Describe the picture for people who cannot see it")
    alt.fill("Orange sketch of the canteen app")
    page.get_by_role("button", name="Post", exact=True).click()

    post_card = page.locator("article.post-card", has_text="the #Launch plan is here")
    expect(post_card).to_have_count(1)
    expect(post_card.get_by_role("link", name="@Ola Hansen")).to_have_attribute(
        "href", f"/people/{ola.pk}/"
    )
    expect(post_card.get_by_role("link", name="#Launch")).to_be_visible()
    expect(post_card.get_by_role("img", name="Orange sketch of the canteen app")).to_be_visible()
    expect(box).to_have_value("")
    post = Post.objects.get(group=people["design"])
    assert post.body == f"Hi @[Ola Hansen](user:{ola.pk}) the #Launch plan is here: {link_site}"

    # The preview is fetched in a task (immediate in tests); a reload shows it in any case.
    page.reload()
    post_card = page.locator(f"#post-{post.pk}")
    preview = post_card.locator("a.link-preview")
    expect(preview).to_have_attribute("href", link_site)
    expect(preview.locator(".link-preview-title")).to_have_text("Canteen app launch plan")
    expect(preview.locator(".link-preview-description")).to_have_text(
        "Dates, owners and the pilot group."
    )
    expect(preview.locator(".link-preview-site")).to_have_text("Intranet")
    expect(preview.locator("img")).to_be_visible()
    assert preview.locator("img").evaluate("img => img.naturalWidth") > 0
    expect(page.locator(".feed-group-follow")).to_contain_text(
        "This group's posts are in your home feed."
    )
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"feed-group-post-preview-{width}")

    # Ola sees it in his home feed, comments and reacts.
    ola_page = other_pages()
    sign_in(ola_page, live_url, "ola@example.com", PASSWORD)
    expect(ola_page).to_have_url(f"{live_url}/")
    ola_card = ola_page.locator(f"#post-{post.pk}")
    expect(ola_card).to_contain_text("Hi @Ola Hansen the #Launch plan is here")
    expect(ola_card.locator("a.link-preview .link-preview-title")).to_have_text(
        "Canteen app launch plan"
    )
    expect(ola_page.locator("article.post-card")).to_have_count(1)  # not the Board room post
    ola_card.get_by_label("Write a comment").fill("Looks great, Kari!")
    ola_card.get_by_role("button", name="Comment").click()
    expect(ola_card.locator(".comment-body", has_text="Looks great, Kari!")).to_be_visible()
    ola_card.locator(f"#reactions-post-{post.pk} .reaction-toggle").click()
    expect(ola_card.locator(f"#reactions-post-{post.pk} .reaction-toggle")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(ola_card.get_by_role("link", name=re.compile("1 reaction$"))).to_be_visible()
    assert [c.body for c in Comment.objects.filter(post=post)] == ["Looks great, Kari!"]
    assert list(Reaction.objects.filter(post=post).values_list("user_id", "kind")) == [
        (ola.pk, "like")
    ]
    assert offenders(ola_page) == []
    assert_fits(ola_page)
    shot(ola_page, f"feed-home-colleague-{width}")

    # Kari sees the comment and the reaction count on her home feed.
    page.goto(f"{live_url}/")
    kari_card = page.locator(f"#post-{post.pk}")
    expect(kari_card.locator(".comment-body")).to_have_text(["Looks great, Kari!"])
    expect(kari_card.locator(f"#comments-{post.pk}-count")).to_have_text("1 comment")
    expect(kari_card.get_by_role("link", name=re.compile("1 reaction$"))).to_be_visible()
    expect(kari_card.get_by_text("View earlier comments")).to_have_count(0)
    expect(page.locator(f"#post-{secret.pk}")).to_be_visible()  # she is in the Board room
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"feed-home-{width}")

    # Topic page: Kari sees both posts tagged #Launch.
    page.goto(f"{live_url}/topics/launch/")
    expect(page.get_by_role("heading", name="#Launch", level=1)).to_be_visible()
    expect(page.locator("article.post-card")).to_have_count(2)
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"feed-topic-{width}")

    # The outsider: the Design post (open group, company-wide) but never the Board room post.
    otto_page = other_pages()
    sign_in(otto_page, live_url, "otto@example.com", PASSWORD)
    expect(otto_page.locator(f"#post-{secret.pk}")).to_have_count(0)
    expect(otto_page.get_by_text("Budget for the")).to_have_count(0)
    otto_page.goto(f"{live_url}/topics/launch/")
    expect(otto_page.get_by_role("heading", name="#Launch", level=1)).to_be_visible()
    expect(otto_page.locator("article.post-card")).to_have_count(1)
    expect(otto_page.locator(f"#post-{post.pk}")).to_be_visible()
    expect(otto_page.get_by_text("Budget for the")).to_have_count(0)
    assert offenders(otto_page) == []
    assert_fits(otto_page)
    shot(otto_page, f"feed-topic-outsider-{width}")
    response = otto_page.goto(f"{live_url}/posts/{secret.pk}/")
    assert response is not None and response.status == 404


def test_vote_in_a_poll_from_the_home_feed(any_page: Page, live_url: str) -> None:
    people = make_people()
    post = post_actions.do_create_post(
        author=people["ola"],
        group=people["design"],
        body="Friday lunch?",
        poll=post_actions.PollSpec(options=["Pizza", "Sushi", "Tacos"], question="What to eat"),
    )
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)
    card = page.locator(f"#post-{post.pk}")
    poll = card.locator(f"#poll-{post.pk}")
    expect(poll.locator("meter")).to_have_count(0)  # results only after voting
    poll.get_by_label("Sushi").check()
    poll.get_by_role("button", name="Vote").click()
    poll = card.locator(f"#poll-{post.pk}")
    expect(poll.locator("meter")).to_have_count(3)
    expect(poll.locator(".poll-mine .poll-label")).to_contain_text("Sushi")
    expect(poll.locator(".poll-footer")).to_have_text("1 person voted")
    options = {o.text: o for o in Poll.objects.get(post=post).options.all()}
    assert list(PollVote.objects.values_list("user_id", "option_id")) == [
        (people["kari"].pk, options["Sushi"].pk)
    ]
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"feed-home-poll-{width_of(page)}")


def test_infinite_scroll_loads_the_second_page_without_repeats(
    any_page: Page, live_url: str
) -> None:
    people = make_people()
    start = timezone.now() - timedelta(days=1)
    made = []
    for n in range(1, 28):
        post = post_actions.do_create_post(
            author=people["ola"], group=people["design"], body=f"Update number {n}"
        )
        Post.objects.filter(pk=post.pk).update(created_at=start + timedelta(minutes=n))
        made.append(post.pk)
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)
    cards = page.locator("#feed-posts article.post-card")
    expect(cards).to_have_count(20)
    expect(page.locator(f"#post-{made[0]}")).to_have_count(0)
    screenshot(page, f"feed-home-page1-{width_of(page)}", full_page=False)

    # Scrolling to the end reveals the "Load more" block, which htmx swaps for page two.
    page.locator(".feed-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(27)
    expect(page.locator(f"#post-{made[0]}")).to_be_visible()
    ids = cards.evaluate_all("cards => cards.map((c) => c.id)")
    assert len(ids) == len(set(ids)) == 27
    assert ids == [f"post-{pk}" for pk in reversed(made)]
    expect(page.locator(".feed-more")).to_have_count(0)
    assert_fits(page)


def test_home_feed_empty_states(any_page: Page, live_url: str) -> None:
    User.objects.create_user("nina@example.com", PASSWORD, name="Nina Ny")
    page = any_page
    sign_in(page, live_url, "nina@example.com", PASSWORD)
    empty = page.locator(".feed-empty")
    expect(empty.get_by_role("heading", name="Join a group to fill your feed")).to_be_visible()
    expect(empty.get_by_role("link", name="Browse groups")).to_have_attribute("href", "/groups/")
    expect(page.get_by_role("navigation", name="Order of the feed")).to_have_count(0)
    assert offenders(page) == []
    assert_fits(page)
    shot(page, f"feed-home-empty-{width_of(page)}")

    nina = User.objects.get(email="nina@example.com")
    group_actions.do_create_group(actor=nina, name="Quiet corner", privacy=Group.Privacy.OPEN)
    page.reload()
    expect(empty.get_by_role("heading", name="Your feed is quiet")).to_be_visible()
    expect(empty.get_by_role("link", name="Find people to follow")).to_be_visible()

    # The group page: the feed card spans the column and its button stays inside it.
    page.goto(f"{live_url}/groups/quiet-corner/")
    follow = page.locator(".feed-group-follow")
    button = follow.get_by_role("button", name="Hide from my feed")
    expect(button).to_be_visible()
    card_box = follow.bounding_box()
    button_box = button.bounding_box()
    column_box = page.locator("main").bounding_box()
    assert card_box and button_box and column_box
    assert button_box["x"] + button_box["width"] <= card_box["x"] + card_box["width"]
    assert button_box["y"] + button_box["height"] <= card_box["y"] + card_box["height"]
    composer_box = page.locator("#composer-quiet-corner form").bounding_box()
    assert composer_box and abs(card_box["width"] - composer_box["width"]) < 1
    assert_fits(page)
    shot(page, f"feed-group-empty-{width_of(page)}")
