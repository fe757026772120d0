"""GET /api/v1/search and /api/v1/search/suggest: shapes, filters, paging and bad input."""

from __future__ import annotations

from typing import Any

from django.test import Client

from torg.search.tests.conftest import write


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_search_api_groups_pages_and_filters(org: dict[str, Any]) -> None:
    owner, g = org["owner"], org["g"]
    posts = [write(owner, g["open"], f"Kvartalsmøte nummer {n} <b>fet</b>") for n in range(3)]
    closed = write(owner, g["closed"], "Kvartalsmøte i lukket gruppe")
    client = _client(owner)

    everything = client.get("/api/v1/search", {"q": "kvartalsmøter"}).json()
    assert everything["type"] is None
    assert [(s["type"], s["total"]) for s in everything["sections"]] == [("post", 4)]

    page = client.get(
        "/api/v1/search", {"q": "kvartalsmøte", "type": "post", "order": "date", "page": 1}
    ).json()
    ids = [item["id"] for item in page["sections"][0]["items"]]
    assert ids == [closed.pk, posts[2].pk, posts[1].pk, posts[0].pk]
    item = page["sections"][1 - 1]["items"][1]
    assert item["url"] == f"/posts/{posts[2].pk}/"
    assert "<mark>Kvartalsmøte</mark>" in item["snippet_html"]
    assert "&lt;b&gt;fet&lt;/b&gt;" in item["snippet_html"]
    assert item["group_id"] == g["open"].pk and item["author_id"] == owner.pk

    in_group = client.get(
        "/api/v1/search", {"q": "kvartalsmøte", "type": "post", "group": g["closed"].slug}
    ).json()
    assert [i["id"] for i in in_group["sections"][0]["items"]] == [closed.pk]


def test_search_api_refuses_bad_input_with_a_message(org: dict[str, Any]) -> None:
    client = _client(org["owner"])
    for params in (
        {"q": "x", "type": "nonsense"},
        {"q": "x", "date_from": "yesterday"},
        {"q": "x", "date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"q": "x", "page": "0"},
        {"q": "x", "author": "abc"},
        {"q": "x" * 201},
    ):
        response = client.get("/api/v1/search", params)
        assert response.status_code == 400, params
        assert response.json()["detail"]
    assert client.get("/api/v1/search/suggest", {"q": "x" * 201}).status_code == 400


def test_search_api_needs_a_signed_in_person(org: dict[str, Any]) -> None:
    assert Client().get("/api/v1/search", {"q": "x"}).status_code == 401
    assert Client().get("/api/v1/search/suggest", {"q": "x"}).status_code == 401


def test_suggest_api(org: dict[str, Any], make_user: Any) -> None:
    person = make_user("Ingeborg Ødegård")
    response = _client(org["owner"]).get("/api/v1/search/suggest", {"q": "ødeg"})
    assert response.json() == {
        "items": [
            {
                "type": "person",
                "id": person.pk,
                "title": "Ingeborg Ødegård",
                "subtitle": "",
                "url": f"/people/{person.pk}/",
            }
        ]
    }
