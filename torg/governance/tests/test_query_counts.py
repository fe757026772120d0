"""List pages answer in a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from torg.governance import audit, moderation

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_and_audit_pages_do_not_grow_with_rows(
    make_user, make_group, join, post_in, network_admin
):
    admin = make_user()
    group = make_group("Counted", by=admin)
    client = Client()
    client.force_login(network_admin)

    def add_reports(count: int) -> None:
        for _ in range(count):
            reader = make_user()
            join(group, reader)
            post = post_in(group, admin, "Report me")
            moderation.do_report(actor=reader, kind="post", target_id=post.pk, reason="spam")
            audit.record(reader, "test.event", target=post)

    add_reports(1)
    queue = _queries(client, "/governance/moderation/")
    log = _queries(client, "/governance/audit/")
    add_reports(6)
    assert _queries(client, "/governance/moderation/") == queue
    assert _queries(client, "/governance/audit/") == log
