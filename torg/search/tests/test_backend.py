"""The shared backend suite: runs against whichever database the tests use (SQLite FTS5 or
PostgreSQL tsvector), so both backends must behave the same."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from torg.posts import actions as post_actions
from torg.posts.comment_actions import do_create_comment, do_delete_comment, do_edit_comment
from torg.posts.models import Post
from torg.search import results, selectors
from torg.search.backends import PostgresBackend, SqliteBackend, backend
from torg.search.models import SearchDocument
from torg.search.query import search_comment_ids, search_post_ids
from torg.search.selectors import Filters, parse
from torg.search.tests.conftest import write
from torg.search.text import highlight, parse_query

Kind = SearchDocument.Kind


def test_backend_follows_the_database_vendor(transactional_db: Any) -> None:
    expected = PostgresBackend if connection.vendor == "postgresql" else SqliteBackend
    assert type(backend()) is expected


@pytest.mark.parametrize(
    ("body", "query"),
    [
        ("Vi har tre nye prosjekter i år", "prosjekt"),
        ("Prosjektet er ferdig", "prosjekter"),
        ("Our projects are late", "project"),
        ("The project is late", "projects"),
        ("Møtene flyttes til fredag", "møte"),
        ("Vi drakk kaffe på en kafé i Paris", "kafe"),
        ("Jeg vil være ærlig med dere", "aerlig"),
        ("Jeg vil være ærlig med dere", "ÆRLIG"),
        ("Running the marathon", "run"),
    ],
)
def test_stemming_and_accents(org: dict[str, Any], body: str, query: str) -> None:
    owner = org["owner"]
    post = write(owner, org["g"]["open"], body)
    write(owner, org["g"]["open"], "Noe helt annet om lunsj")
    assert search_post_ids(owner, query) == [post.pk]


def test_every_word_must_match(org: dict[str, Any]) -> None:
    owner, group = org["owner"], org["g"]["open"]
    both = write(owner, group, "Budsjett for prosjektet i Bergen")
    write(owner, group, "Budsjett for Oslo")
    write(owner, group, "Prosjekt i Trondheim")
    assert search_post_ids(owner, "budsjett prosjekt") == [both.pk]


def test_the_danish_and_swedish_letters_stay_letters(org: dict[str, Any]) -> None:
    owner, group = org["owner"], org["g"]["open"]
    pa = write(owner, group, "Vi sees på fredag")
    assert search_post_ids(owner, "på") == [pa.pk]
    assert search_post_ids(owner, "pø") == []


def test_relevance_prefers_more_matches_and_date_order_prefers_new(org: dict[str, Any]) -> None:
    owner, group = org["owner"], org["g"]["open"]
    strong = write(owner, group, "Sykkel sykkel sykkel: sykkelparkering")
    weak = write(
        owner, group, "En lang tekst om mye forskjellig, blant annet sykkel, men mest om mat"
    )
    assert search_post_ids(owner, "sykkel") == [strong.pk, weak.pk]
    ids = selectors.ranked_ids(owner, parse("sykkel"), Kind.POST, order="date")
    assert ids == [weak.pk, strong.pk]


def test_prefix_matching_finds_names_while_typing(org: dict[str, Any], make_user: Any) -> None:
    ingrid = make_user("Ingrid Bjørnstad")
    make_user("Petter Smart")
    hits = results.suggest(org["owner"], "bjørn")
    assert [(h.kind, h.id) for h in hits] == [("person", ingrid.pk)]
    assert [h.id for h in results.suggest(org["owner"], "bjorn")] == [ingrid.pk]
    assert [h.id for h in results.suggest(org["owner"], "ingrid bj")] == [ingrid.pk]
    # Prefix matching is for names only: a word in the middle of a text is not suggested.
    assert results.suggest(org["owner"], "x") == []


def test_suggestions_cover_groups_and_topics(org: dict[str, Any]) -> None:
    owner = org["owner"]
    write(owner, org["g"]["open"], "Vi snakker om #Bærekraft i dag")
    hits = results.suggest(owner, "bære")
    assert [(h.kind, h.title) for h in hits] == [("topic", "#Bærekraft")]
    assert [(h.kind, h.title) for h in results.suggest(owner, "lukk")] == [
        ("group", "Lukket gruppe")
    ]


def test_filters_group_author_dates_hashtag_attachment(org: dict[str, Any], make_user: Any) -> None:
    owner, g = org["owner"], org["g"]
    other = make_user("Anna Annen")
    from torg.groups.actions import do_add_member

    do_add_member(group=g["closed"], user=other)
    in_open = write(owner, g["open"], "Sommerfest i hagen #fest")
    in_closed = write(other, g["closed"], "Sommerfest på taket")
    old = write(owner, g["open"], "Sommerfest i fjor")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    SearchDocument.objects.filter(kind=Kind.POST, object_id=old.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    q = parse("sommerfest")

    def ids(**kw: Any) -> set[int]:
        return set(selectors.ranked_ids(owner, q, Kind.POST, filters=Filters(**kw)))

    assert ids() == {in_open.pk, in_closed.pk, old.pk}
    assert ids(group_id=g["closed"].pk) == {in_closed.pk}
    assert ids(author_id=other.pk) == {in_closed.pk}
    assert ids(hashtag="#Fest") == {in_open.pk}
    assert ids(date_from=date.today() - timedelta(days=30)) == {in_open.pk, in_closed.pk}
    assert ids(date_to=date.today() - timedelta(days=300)) == {old.pk}
    assert ids(has_attachment=True) == set()
    # Content filters leave people, groups and topics out.
    assert selectors.ranked_ids(owner, q, Kind.GROUP, filters=Filters(author_id=owner.pk)) == []


def test_snippets_are_highlighted_and_escaped(org: dict[str, Any]) -> None:
    owner = org["owner"]
    write(
        owner,
        org["g"]["open"],
        'Prosjektplan <script>alert("x")</script> <img src=x onerror=alert(1)> for prosjektene',
    )
    found = results.search(owner, parse("prosjektene"), kind=Kind.POST)
    snippet = str(found.sections[0].hits[0].snippet_html)
    assert "<script>" not in snippet and "<img" not in snippet
    assert "&lt;script&gt;" in snippet and "&lt;img src=x" in snippet
    assert "<mark>prosjektene</mark>" in snippet


def test_highlight_marks_every_form_and_cuts_long_text() -> None:
    query = parse_query("prosjekt")
    text = "Innledning. " * 40 + "Prosjektet og prosjekter & <b>mer</b>." + " Slutt." * 40
    snippet = highlight(text, query)
    assert (
        "<mark>Prosjektet</mark> og <mark>prosjekter</mark> &amp; &lt;b&gt;mer&lt;/b&gt;" in snippet
    )
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 400


def test_edit_and_delete_update_the_index(org: dict[str, Any]) -> None:
    owner = org["owner"]
    post = write(owner, org["g"]["open"], "Gammel tekst om ski")
    assert search_post_ids(owner, "ski") == [post.pk]
    post_actions.do_edit_post(actor=owner, post=post, body="Ny tekst om sykkel")
    assert search_post_ids(owner, "ski") == []
    assert search_post_ids(owner, "sykkel") == [post.pk]
    post_actions.do_delete_post(actor=owner, post=post)
    assert search_post_ids(owner, "sykkel") == []
    assert not SearchDocument.objects.filter(kind=Kind.POST, object_id=post.pk).exists()
    post_actions.do_restore_post(actor=owner, post=Post.objects.get(pk=post.pk))
    assert search_post_ids(owner, "sykkel") == [post.pk]


def test_comments_are_indexed_edited_and_deleted(org: dict[str, Any]) -> None:
    owner = org["owner"]
    post = write(owner, org["g"]["open"], "Lunsj")
    comment = do_create_comment(actor=owner, post=post, body="Pizza på fredag")
    assert search_comment_ids(owner, "pizza") == [comment.pk]
    assert search_post_ids(owner, "pizza") == []
    do_edit_comment(actor=owner, comment=comment, body="Taco på fredag")
    assert search_comment_ids(owner, "pizza") == []
    assert search_comment_ids(owner, "taco") == [comment.pk]
    do_delete_comment(actor=owner, comment=comment)
    assert search_comment_ids(owner, "taco") == []


def test_people_and_groups_are_indexed_from_their_actions(
    org: dict[str, Any], make_user: Any
) -> None:
    from torg.accounts.actions import do_update_profile
    from torg.groups.actions import do_update_group

    person = make_user("Kari Nordmann")
    do_update_profile(user=person, update={"job_title": "Dataingeniør", "skills": ["Kubernetes"]})
    q = parse("kubernetes")
    assert selectors.ranked_ids(org["owner"], q, Kind.PERSON) == [person.pk]
    group = org["g"]["open"]
    do_update_group(
        actor=org["owner"],
        group=group,
        name="Fjelltur",
        description="Turer i fjellet",
        privacy="open",
        kind=group.kind,
        parent=None,
        is_company_wide=False,
    )
    assert selectors.ranked_ids(org["owner"], parse("fjellturer"), Kind.GROUP) == [group.pk]
    assert selectors.ranked_ids(org["owner"], parse("åpen"), Kind.GROUP) == []


def test_results_page_groups_by_kind_with_totals(org: dict[str, Any], make_user: Any) -> None:
    owner = org["owner"]
    make_user("Sol Solberg")
    for n in range(5):
        write(owner, org["g"]["open"], f"Sol og sommer nummer {n}")
    found = results.search(owner, parse("sol"))
    by_kind = {s.kind: s for s in found.sections}
    assert set(by_kind) == {"person", "post"}
    assert by_kind["post"].total == 5 and len(by_kind["post"].hits) == results.SECTION_SIZE
    page = results.search(owner, parse("sol"), kind=Kind.POST, page_size=2, page=2)
    assert len(page.sections[0].hits) == 2 and page.has_next
    last = results.search(owner, parse("sol"), kind=Kind.POST, page_size=2, page=3)
    assert len(last.sections[0].hits) == 1 and not last.has_next


def test_empty_and_odd_queries_find_nothing_and_never_fail(org: dict[str, Any]) -> None:
    owner = org["owner"]
    write(owner, org["g"]["open"], "Helt vanlig tekst")
    for text in ["", "   ", '"', "*", "AND OR NOT", "(", ":", "-", "a:*", "'", "\\", "NEAR(a b)"]:
        assert search_post_ids(owner, text) == [] or text in {"AND OR NOT", "NEAR(a b)"}
    assert search_post_ids(owner, "x" * 5000) == []
