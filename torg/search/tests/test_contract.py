"""The two functions other apps import (torg.search.query)."""

from __future__ import annotations

from typing import Any

from torg.search.query import search_comment_ids, search_post_ids
from torg.search.tests.conftest import write


def test_search_post_ids_stems_and_respects_groups(org: dict[str, Any]) -> None:
    owner, outsider, g = org["owner"], org["outsider"], org["g"]
    open_post = write(owner, g["open"], "Vi starter nye prosjekter i Bergen")
    secret_post = write(owner, g["secret"], "Hemmelige prosjekter i Oslo")
    write(owner, g["open"], "Noe helt annet")

    assert search_post_ids(outsider, "prosjekt") == [open_post.pk]
    assert set(search_post_ids(owner, "prosjekt")) == {open_post.pk, secret_post.pk}
    assert search_post_ids(owner, "prosjekt", group_id=g["secret"].pk) == [secret_post.pk]
    assert search_post_ids(owner, "prosjekt", limit=1) in ([open_post.pk], [secret_post.pk])
    assert search_post_ids(owner, "   ") == []


def test_search_comment_ids(org: dict[str, Any]) -> None:
    from torg.posts.comment_actions import do_create_comment

    owner, outsider, g = org["owner"], org["outsider"], org["g"]
    post = write(owner, g["open"], "Lunsj")
    hidden = write(owner, g["closed"], "Lunsj")
    mine = do_create_comment(actor=owner, post=post, body="Jeg tar med kaffe og boller")
    do_create_comment(actor=owner, post=hidden, body="Kaffe i det lukkede rommet")

    assert search_comment_ids(outsider, "kaffen") == [mine.pk]
    assert len(search_comment_ids(owner, "kaffe")) == 2
