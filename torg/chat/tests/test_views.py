"""The chat pages: the shell, the navigation link with its count, the redirects."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.chat import actions
from torg.chat.tests.conftest import logged_in, make_group, send
from torg.groups import actions as group_actions

pytestmark = pytest.mark.django_db


def test_page_lists_conversations_and_opens_one(make_user: Callable[..., User]) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    send(bo, dm, "Hi")
    client = logged_in(ann)
    html = client.get("/chat/").content.decode()
    assert f'href="/chat/{dm.pk}/"' in html and ">Bo<" in html
    html = client.get(f"/chat/{dm.pk}/").content.decode()
    assert 'data-chat-root data-mode="page"' in html
    assert f'data-conversation="{dm.pk}"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style
    assert 'src="/static/chat/chat.js"' in html
    # Other pages carry the docked window; the chat page itself does not.
    home = client.get("/").content.decode()
    assert "data-chat-dock" in home and "data-chat-dock" not in html


def test_nav_link_counts_unread_in_a_fixed_number_of_queries(
    make_user: Callable[..., User],
) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    send(bo, dm, "One")
    client = logged_in(ann)
    with CaptureQueriesContext(connection) as first:
        html = client.get("/chat/nav/").content.decode()
    assert 'data-chat-unread="1"' in html and "Chat, 1 unread" in html
    for number in range(5):
        other = actions.do_create_group_conversation(
            actor=bo, name=f"G{number}", member_ids=[ann.pk]
        )
        send(bo, other, "x")
    with CaptureQueriesContext(connection) as second:
        html = client.get("/chat/nav/").content.decode()
    assert 'data-chat-unread="6"' in html
    assert len(first) == len(second)


def test_start_direct_and_group_chat_redirect(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    group = make_group(ann, "Crew")
    group_actions.do_add_member(group=group, user=bo)
    client = logged_in(bo)
    response = client.post(f"/chat/with/{ann.pk}/")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    assert response["Location"] == f"/chat/{dm.pk}/"
    response = client.post(f"/chat/groups/{group.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/chat/")
    assert client.get(f"/chat/with/{ann.pk}/").status_code == 405
    assert logged_in(make_user()).post(f"/chat/groups/{group.slug}/").status_code == 404
