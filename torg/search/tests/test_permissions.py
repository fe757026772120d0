"""Nothing from a closed or secret group reaches someone who may not see it: not in results,
counts, snippets, suggestions, the page or the API; and changes apply at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.posts import actions as post_actions
from torg.posts.comment_actions import do_create_comment
from torg.search import results, selectors
from torg.search.models import SearchDocument
from torg.search.query import search_comment_ids, search_post_ids
from torg.search.selectors import parse
from torg.search.tests.conftest import write

Kind = SearchDocument.Kind


@pytest.fixture
def hidden(org: dict[str, Any]) -> dict[str, Any]:
    """The word "kodeord" in posts, comments and topics of every group, and on a profile."""
    owner, g = org["owner"], org["g"]
    posts = {
        key: write(owner, g[key], f"Kodeord for {key} #Kodeord{key.title()}")
        for key in ("open", "closed", "secret")
    }
    posts["profile"] = write(owner, None, "Kodeord på profilen")
    comments = {
        key: do_create_comment(actor=owner, post=posts[key], body=f"Kodeord i kommentar {key}")
        for key in ("open", "closed", "secret")
    }
    return {**org, "posts": posts, "comments": comments}


def _keys(mapping: dict[str, Any], ids: list[int]) -> set[str]:
    by_pk = {v.pk: k for k, v in mapping.items()}
    return {by_pk[i] for i in ids}


def test_outsiders_see_only_open_content(hidden: dict[str, Any]) -> None:
    outsider, owner = hidden["outsider"], hidden["owner"]
    assert _keys(hidden["posts"], search_post_ids(outsider, "kodeord")) == {"open", "profile"}
    assert _keys(hidden["posts"], search_post_ids(owner, "kodeord")) == {
        "open",
        "closed",
        "secret",
        "profile",
    }
    assert _keys(hidden["comments"], search_comment_ids(outsider, "kodeord")) == {"open"}


def test_guests_see_only_their_groups(hidden: dict[str, Any]) -> None:
    guest = hidden["guest"]
    assert _keys(hidden["posts"], search_post_ids(guest, "kodeord")) == {"open"}
    assert selectors.ranked_ids(guest, parse("lukket"), Kind.GROUP) == []
    assert selectors.ranked_ids(guest, parse("åpen"), Kind.GROUP) == [hidden["g"]["open"].pk]


def test_counts_snippets_and_sections_leak_nothing(hidden: dict[str, Any]) -> None:
    outsider = hidden["outsider"]
    counts = selectors.counts(outsider, parse("kodeord"))
    assert counts == {"post": 2, "comment": 1, "person": 0, "group": 0, "file": 0, "topic": 0}
    assert selectors.count(outsider, parse("kodeordopen"), Kind.TOPIC) == 1
    assert selectors.count(outsider, parse("kodeordsecret"), Kind.TOPIC) == 0
    found = results.search(outsider, parse("kodeord"))
    text = " ".join(str(h.snippet_html) + h.title for s in found.sections for h in s.hits)
    assert "secret" not in text and "closed" not in text
    assert {s.kind: s.total for s in found.sections} == {"post": 2, "comment": 1}


def test_secret_group_is_neither_found_nor_suggested(hidden: dict[str, Any]) -> None:
    outsider, owner = hidden["outsider"], hidden["owner"]
    secret = hidden["g"]["secret"]
    assert selectors.ranked_ids(outsider, parse("hemmelig"), Kind.GROUP) == []
    assert selectors.ranked_ids(owner, parse("hemmelig"), Kind.GROUP) == [secret.pk]
    assert results.suggest(outsider, "hemme") == []
    assert [h.id for h in results.suggest(owner, "hemme")] == [secret.pk]
    # A closed group is known to everyone (its name), not its content.
    assert selectors.ranked_ids(outsider, parse("lukket"), Kind.GROUP) == [hidden["g"]["closed"].pk]


def test_topics_only_from_visible_posts(hidden: dict[str, Any]) -> None:
    outsider, owner = hidden["outsider"], hidden["owner"]
    assert [h.title for h in results.suggest(outsider, "kodeord")] == ["#KodeordOpen"]
    assert {h.title for h in results.suggest(owner, "kodeord")} == {
        "#KodeordOpen",
        "#KodeordClosed",
        "#KodeordSecret",
    }


def test_group_turning_secret_hides_its_content_at_once(hidden: dict[str, Any]) -> None:
    outsider, owner = hidden["outsider"], hidden["owner"]
    group = hidden["g"]["open"]
    assert "open" in _keys(hidden["posts"], search_post_ids(outsider, "kodeord"))
    group_actions.do_update_group(
        actor=owner,
        group=group,
        name=group.name,
        description=group.description,
        privacy="secret",
        kind=group.kind,
        parent=None,
    )
    assert _keys(hidden["posts"], search_post_ids(outsider, "kodeord")) == {"profile"}
    assert search_comment_ids(outsider, "kodeord") == []
    assert selectors.ranked_ids(outsider, parse("åpen"), Kind.GROUP) == []
    assert results.suggest(outsider, "kodeord") == []


def test_leaving_a_group_hides_its_content_at_once(hidden: dict[str, Any], make_user: Any) -> None:
    owner = hidden["owner"]
    member = make_user("Mona Medlem")
    group = hidden["g"]["closed"]
    group_actions.do_add_member(group=group, user=member)
    assert "closed" in _keys(hidden["posts"], search_post_ids(member, "kodeord"))
    group_actions.do_remove_member(actor=owner, group=group, user=member)
    assert "closed" not in _keys(hidden["posts"], search_post_ids(member, "kodeord"))


def test_deleted_post_is_gone_even_before_its_document_is(hidden: dict[str, Any]) -> None:
    from torg.posts.models import Post

    owner = hidden["owner"]
    post = hidden["posts"]["open"]
    # Soft-delete without the action (no index task): the live join alone must hide it.
    from django.utils import timezone

    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
    assert SearchDocument.objects.filter(kind=Kind.POST, object_id=post.pk).exists()
    assert post.pk not in search_post_ids(owner, "kodeord")
    assert hidden["comments"]["open"].pk not in search_comment_ids(owner, "kodeord")


def test_deleted_post_via_action(hidden: dict[str, Any]) -> None:
    owner = hidden["owner"]
    post = hidden["posts"]["closed"]
    post_actions.do_delete_post(actor=owner, post=post)
    assert post.pk not in search_post_ids(owner, "kodeord")


def test_page_and_api_show_outsiders_nothing_hidden(hidden: dict[str, Any]) -> None:
    client = Client()
    client.force_login(hidden["outsider"])
    page = client.get("/search/", {"q": "kodeord"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Kodeord for open" in body.replace("<mark>", "").replace("</mark>", "")
    assert "for secret" not in body and "for closed" not in body
    api = client.get("/api/v1/search", {"q": "kodeord", "type": "post"}).json()
    assert {i["id"] for i in api["sections"][0]["items"]} == {
        hidden["posts"]["open"].pk,
        hidden["posts"]["profile"].pk,
    }
    assert api["sections"][0]["total"] == 2
    suggest = client.get("/api/v1/search/suggest", {"q": "hemmelig"}).json()
    assert suggest == {"items": []}
    # Filtering by a secret group's slug answers like an unknown group.
    secret = client.get("/api/v1/search", {"q": "kodeord", "group": hidden["g"]["secret"].slug})
    unknown = client.get("/api/v1/search", {"q": "kodeord", "group": "no-such-group"})
    assert secret.status_code == unknown.status_code == 400
    assert secret.json() == unknown.json()


def test_kept_permission_sql_follows_membership_at_once(
    hidden: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled permission SQL is kept per person; access is still decided by the database
    when the query runs, so joining and leaving a secret group change suggestions at once."""
    outsider, owner = hidden["outsider"], hidden["owner"]
    secret = hidden["g"]["secret"]
    built: list[str] = []
    real = selectors.permission

    def counted(person: Any, kind: str, filters: Any) -> Any:
        built.append(kind)
        return real(person, kind, filters)

    monkeypatch.setattr(selectors, "permission", counted)
    selectors._compiled.clear()
    assert results.suggest(outsider, "hemme") == []
    group_actions.do_add_member(group=secret, user=outsider)
    assert [h.id for h in results.suggest(outsider, "hemme")] == [secret.pk]
    group_actions.do_remove_member(actor=owner, group=secret, user=outsider)
    assert results.suggest(outsider, "hemme") == []
    assert sorted(built) == sorted(selectors.SUGGEST_KINDS)  # built once, then kept


def test_permission_sql_that_reads_the_database_is_not_kept(
    hidden: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    outsider = hidden["outsider"]
    real = selectors.permission
    built: list[str] = []

    def reading(person: Any, kind: str, filters: Any) -> Any:
        built.append(kind)
        list(User.objects.filter(pk=person.pk).values_list("pk", flat=True))
        return real(person, kind, filters)

    monkeypatch.setattr(selectors, "permission", reading)
    selectors._compiled.clear()
    results.suggest(outsider, "hemme")
    results.suggest(outsider, "hemme")
    assert sorted(built) == sorted([*selectors.SUGGEST_KINDS, *selectors.SUGGEST_KINDS])
