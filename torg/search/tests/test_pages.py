"""The search page: grouped results, "see all", filters, paging, bad input, fixed query counts."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from torg.search.tests.conftest import write


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_shows_sections_with_see_all_links(org: dict[str, Any], make_user: Any) -> None:
    owner = org["owner"]
    make_user("Vilde Vinter")
    for n in range(4):
        write(owner, org["g"]["open"], f"Vinteren kommer, plan {n}")
    response = _client(owner).get("/search/", {"q": "vinter"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="search-person"' in body and 'id="search-post"' in body
    assert "?q=vinter&amp;type=post" in body  # "See all posts": 4 hits, 3 shown
    assert "<mark>Vinter</mark>" in body


def test_type_page_paginates_and_filters(org: dict[str, Any]) -> None:
    owner = org["owner"]
    for n in range(22):
        write(owner, org["g"]["open"], f"Statusrapport {n}")
    client = _client(owner)
    first = client.get("/search/", {"q": "statusrapport", "type": "post"}).content.decode()
    assert first.count('class="search-hit search-hit-post"') == 20
    assert "page=2" in first
    second = client.get("/search/", {"q": "statusrapport", "type": "post", "page": 2})
    assert second.content.decode().count('class="search-hit search-hit-post"') == 2
    scoped = client.get("/search/", {"q": "statusrapport", "group": org["g"]["closed"].slug})
    assert "Nothing matches your search" in scoped.content.decode()


def test_bad_filters_answer_400_with_the_field_message(org: dict[str, Any]) -> None:
    response = _client(org["owner"]).get("/search/", {"q": "x", "date_from": "not-a-date"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()
    hidden = _client(org["outsider"]).get("/search/", {"q": "x", "group": org["g"]["secret"].slug})
    unknown = _client(org["outsider"]).get("/search/", {"q": "x", "group": "nope"})
    assert hidden.status_code == unknown.status_code == 400
    assert "There is no such group." in hidden.content.decode()


def test_signed_out_people_are_sent_to_sign_in(transactional_db: Any) -> None:
    response = Client().get("/search/", {"q": "x"})
    assert response.status_code == 302


def test_query_count_is_fixed(org: dict[str, Any], make_user: Any) -> None:
    owner = org["owner"]
    client = _client(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/", {"q": "pizza"}).status_code == 200
        return len(captured)

    write(owner, org["g"]["open"], "Pizza")
    make_user("Pizza Bakersen")
    before = queries()
    for n in range(10):
        write(owner, org["g"]["open"], f"Mer pizza {n}")
        make_user(f"Pizza Person {n}")
    assert queries() == before
