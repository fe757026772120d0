"""Fixed query counts, and the texts in Norwegian."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from torg.accounts.models import User
from torg.groups.models import Group
from torg.notifications import selectors
from torg.notifications.models import Notification
from torg.notifications.tests.conftest import World


def add(world: World, recipient: User, n: int, start: int = 0) -> None:
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind="reaction",
            reason="your_post",
            actor=world.ola,
            actor_count=13,
            group=world.open,
            aggregation_key=f"reaction:q{recipient.pk}-{i}",
            created_at=now,
            updated_at=now,
        )
        for i in range(start, start + n)
    )


def queries(action: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_query_counts_do_not_grow(world: World) -> None:
    add(world, world.kari, 2)
    page = queries(lambda: selectors.notification_page(world.kari))
    count = queries(lambda: selectors.unread_count(world.kari))
    levels = queries(lambda: selectors.group_levels(world.kari))
    add(world, world.kari, 20, start=2)
    assert (page, count, levels) == (1, 1, 2)
    assert queries(lambda: selectors.notification_page(world.kari)) == 1
    assert (
        queries(lambda: selectors.grouped_by_day(selectors.notification_page(world.kari).items))
        == 1
    )


def test_texts_in_norwegian(
    world: World, committed: Callable[[], AbstractContextManager[Any]]
) -> None:
    add(world, world.kari, 1)
    row = Notification.objects.select_related("actor").get()
    with translation.override("nb"):
        assert selectors.describe(row) == "Ola og 12 andre reagerte på innlegget ditt"
        assert str(row.get_reason_display()) == "Du skrev dette innlegget."
    row.actor_count = 2
    with translation.override("nb"):
        assert selectors.describe(row) == "Ola og 1 annen reagerte på innlegget ditt"
    assert selectors.describe(row) == "Ola and 1 other reacted to your post"


@pytest.mark.parametrize(
    ("kind", "reason", "english", "norwegian"),
    [
        (
            Notification.Kind.ANNOUNCEMENT,
            Notification.Reason.ANNOUNCED,
            "Announcement from Ola in Design: please read it",
            "Kunngjøring fra Ola i Design: les den",
        ),
        (
            Notification.Kind.ANNOUNCEMENT_REMINDER,
            Notification.Reason.ANNOUNCED,
            "Reminder: you have not read the announcement in Design yet",
            "Påminnelse: du har ikke lest kunngjøringen i Design ennå",
        ),
        (
            Notification.Kind.POLL_CLOSED,
            Notification.Reason.YOUR_POLL,
            "Your poll has closed: see the results",
            "Avstemningen din er avsluttet: se resultatet",
        ),
        (
            Notification.Kind.POLL_CLOSED,
            Notification.Reason.VOTED,
            "A poll you voted in has closed: see the results",
            "En avstemning du stemte i, er avsluttet: se resultatet",
        ),
    ],
)
def test_texts_of_announcement_and_poll_kinds(
    kind: str, reason: str, english: str, norwegian: str
) -> None:
    actor = User(name="Ola")
    row = Notification(kind=kind, reason=reason, actor=actor, group=Group(name="Design"))
    assert selectors.describe(row) == english
    with translation.override("nb"):
        assert selectors.describe(row) == norwegian
