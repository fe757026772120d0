"""``manage.py rebuild_search_index`` re-creates exactly the index that indexing as things happen
made: the same documents, the same full text, the same indexes, the same answers."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from torg.accounts.actions import do_update_profile
from torg.posts import actions as post_actions
from torg.posts.attachments import do_upload_attachment
from torg.posts.comment_actions import do_create_comment, do_delete_comment
from torg.search import selectors
from torg.search.models import SearchDocument
from torg.search.selectors import parse
from torg.search.tests.conftest import write

Kind = SearchDocument.Kind


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every document with its full text, keyed by kind and object (not by document id)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, object_id, post_id, comment_id, group_id, author_id, created_at, "
            "title, body FROM search_searchdocument ORDER BY kind, object_id"
        )
        documents = cursor.fetchall()
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT kind, object_id, vector::text FROM search_searchdocument "
                "ORDER BY kind, object_id"
            )
            full_text = cursor.fetchall()
            names: list[tuple[Any, ...]] = []
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'search_searchdocument' ORDER BY indexname"
            )
        else:
            cursor.execute(
                "SELECT d.kind, d.object_id, f.kind, f.title, f.body FROM search_fts f "
                "JOIN search_searchdocument d ON d.id = f.rowid ORDER BY d.kind, d.object_id"
            )
            full_text = cursor.fetchall()
            cursor.execute(
                "SELECT d.kind, d.object_id, f.title FROM search_fts_names f "
                "JOIN search_searchdocument d ON d.id = f.rowid ORDER BY d.kind, d.object_id"
            )
            names = cursor.fetchall()
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'search%%' ORDER BY name"
            )
        schema = cursor.fetchall()
    return {"documents": documents, "full_text": full_text, "names": names, "schema": schema}


def test_rebuild_recreates_the_index_that_indexing_made(
    org: dict[str, Any], make_user: Any
) -> None:
    owner, outsider, g = org["owner"], org["outsider"], org["g"]
    do_update_profile(
        user=make_user("Kari Nordmann"),
        update={"job_title": "Prosjektleder", "skills": ["Python", "Sykling"], "bio": "Fjell"},
    )
    notes = do_upload_attachment(
        uploader=owner,
        upload=SimpleUploadedFile(
            "notes.txt", "Blåbærsyltetøy".encode(), content_type="text/plain"
        ),
    )
    first = write(owner, g["open"], "Budsjett for prosjektet #sykkel", attachment_ids=[notes.pk])
    second = write(owner, g["closed"], "Kaféen på hjørnet har ærlig kaffe")
    write(owner, g["secret"], "Hemmelig budsjett")
    gone = write(owner, g["open"], "Budsjett som slettes")
    post_actions.do_delete_post(actor=owner, post=gone)
    do_create_comment(actor=owner, post=first, body="Prosjektene går fint, naïve_café")
    removed = do_create_comment(actor=outsider, post=first, body="Budsjettet sprekker")
    do_delete_comment(actor=outsider, comment=removed)
    do_create_comment(actor=owner, post=second, body="Running the meetings")
    before = snapshot()
    answers_before = {
        (text, kind): selectors.ranked_ids(actor, parse(text), kind)
        for actor in (owner, outsider)
        for text in ("budsjett", "kafe", "blåbærsyltetøy", "prosjekt", "run")
        for kind in (Kind.POST, Kind.COMMENT, Kind.FILE)
    }
    assert before["documents"] and before["full_text"]
    assert {row[0] for row in before["documents"]} == {
        Kind.POST, Kind.COMMENT, Kind.FILE, Kind.GROUP, Kind.PERSON, Kind.TOPIC,
    }  # fmt: skip

    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115

    after = snapshot()
    assert after == before
    assert {
        (text, kind): selectors.ranked_ids(actor, parse(text), kind)
        for actor in (owner, outsider)
        for text in ("budsjett", "kafe", "blåbærsyltetøy", "prosjekt", "run")
        for kind in (Kind.POST, Kind.COMMENT, Kind.FILE)
    } == answers_before
    assert answers_before["budsjett", Kind.POST] == [first.pk]
    if connection.vendor != "sqlite":
        return
    # SQLite: documents of posts are numbered in creation order ("newest" is the highest FTS
    # rowid; PostgreSQL orders by the creation time).
    post_documents = list(
        SearchDocument.objects.filter(kind=Kind.POST)
        .order_by("pk")
        .values_list("object_id", flat=True)
    )
    assert post_documents == sorted(post_documents)
