"""Pages: the block on top of the home feed, "Mark as read" (htmx and plain POST), the mark
form, the post card's bar and menu, receipts and the CSV export."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from torg.announcements import actions
from torg.announcements.models import Acknowledgement, Announcement
from torg.announcements.tests.conftest import World, client_for
from torg.groups import actions as group_actions
from torg.groups.models import Membership

HTMX = {"HX-Request": "true"}


def top_block(client: Client) -> str:
    """The announcement block of the home page ('' when there is none)."""
    html = client.get("/").content.decode()
    match = re.search(r'<section class="announcements-top".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_home_shows_unread_announcements_on_top_newest_first(world: World) -> None:
    first = world.post(world.open, body="Canteen closes on **Friday** & Monday")
    second = world.post(world.closed, body="New travel policy")
    ordinary = world.post(world.open, body="Just a post")
    actions.do_mark_announcement(actor=world.admin, post=first)
    actions.do_mark_announcement(actor=world.admin, post=second)
    block = top_block(client_for(world.kari))
    assert "2 announcements to read" in block
    assert block.index("New travel policy") < block.index("Canteen closes on Friday &amp; Monday")
    assert "Just a post" not in block
    assert f'action="/announcements/posts/{first.pk}/read/"' in block
    # The whole home page still lists the posts in the feed below.
    page = client_for(world.kari).get("/").content.decode()
    assert page.index("announcements-top") < page.index(f'id="post-{ordinary.pk}"')


def test_the_block_is_absent_for_the_author_outsiders_and_when_there_is_nothing(
    world: World,
) -> None:
    assert top_block(client_for(world.kari)) == ""
    post = world.post(world.secret)
    actions.do_mark_announcement(actor=world.admin, post=post)
    assert top_block(client_for(world.admin)) == ""  # wrote (and marked) it
    assert top_block(client_for(world.outsider)) == ""
    assert top_block(client_for(world.network_admin)) == ""
    assert "Read this" in top_block(client_for(world.ola))


def test_open_group_announcements_reach_members_only(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(actor=world.admin, post=post)
    assert top_block(client_for(world.outsider)) == ""
    assert "Read this" in top_block(client_for(world.per))


def test_mark_as_read_with_htmx_swaps_the_list_and_it_stays_read(world: World) -> None:
    post = world.post(world.open)
    other = world.post(world.closed, body="Second one")
    actions.do_mark_announcement(actor=world.admin, post=post)
    actions.do_mark_announcement(actor=world.admin, post=other)
    kari = client_for(world.kari)

    response = kari.post(f"/announcements/posts/{post.pk}/read/", {"place": "top"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div hx-swap-oob="innerHTML:#announcements-status">Marked as read.</div>' in html
    assert "1 announcement to read" in html and "Second one" in html
    assert f"/announcements/posts/{post.pk}/read/" not in html
    row = Acknowledgement.objects.get(user=world.kari)
    assert row.announcement.post_id == post.pk
    first_time = row.acknowledged_at
    kari.post(f"/announcements/posts/{post.pk}/read/", {"place": "top"}, headers=HTMX)
    assert Acknowledgement.objects.get(user=world.kari).acknowledged_at == first_time
    assert "Read this" not in top_block(kari)
    assert "Second one" in top_block(kari)


def test_mark_as_read_without_javascript_redirects_back(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(actor=world.admin, post=post)
    response = client_for(world.ola).post(
        f"/announcements/posts/{post.pk}/read/", {"next": "/?order=top"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/?order=top"
    evil = client_for(world.per).post(
        f"/announcements/posts/{post.pk}/read/", {"next": "https://evil.example/"}
    )
    assert evil["Location"] == "/"
    assert sorted(Acknowledgement.objects.values_list("user__name", flat=True)) == [
        "Ada Admin",
        "Ola Hansen",
        "Per Berg",
    ]


def test_past_its_until_date_it_leaves_the_top(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(
        actor=world.admin, post=post, until=timezone.now() + timedelta(days=1)
    )
    kari = client_for(world.kari)
    assert "On top until" in top_block(kari)
    Announcement.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert top_block(kari) == ""


def test_a_member_who_leaves_no_longer_sees_it_on_top(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(actor=world.admin, post=post)
    ola = client_for(world.ola)
    assert "Read this" in top_block(ola)
    group_actions.do_leave_group(actor=world.ola, group=world.open)
    assert top_block(ola) == ""


def test_a_deleted_or_unmarked_post_leaves_the_top(world: World) -> None:
    from torg.posts import actions as post_actions

    deleted = world.post(world.open, body="Deleted one")
    unmarked = world.post(world.open, body="Unmarked one")
    for post in (deleted, unmarked):
        actions.do_mark_announcement(actor=world.admin, post=post)
    assert "Deleted one" in top_block(client_for(world.kari))
    post_actions.do_delete_post(actor=world.admin, post=deleted)
    actions.do_unmark_announcement(actor=world.admin, post=unmarked)
    assert top_block(client_for(world.kari)) == ""


def test_the_home_block_costs_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: object
) -> None:
    from torg.announcements.selectors import pending_for

    actions.do_mark_announcement(actor=world.admin, post=world.post(world.open))
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert len(pending_for(world.kari)) == 1
    for group in (world.open, world.closed, world.secret):
        for n in range(3):
            actions.do_mark_announcement(actor=world.admin, post=world.post(group, f"n{n}"))
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert len(pending_for(world.kari)) == 10


def test_the_mark_form_marks_and_edits(world: World) -> None:
    post = world.post(world.open)
    admin = client_for(world.admin)
    page = admin.get(f"/announcements/posts/{post.pk}/mark/").content.decode()
    assert '<label for="id_until">Keep on top until</label>' in page
    assert 'type="datetime-local"' in page
    assert '<option value="1w">After 1 week</option>' in page

    oslo = ZoneInfo("Europe/Oslo")
    until = (timezone.now().astimezone(oslo) + timedelta(days=30)).replace(second=0, microsecond=0)
    typed = until.strftime("%Y-%m-%dT%H:%M")
    response = admin.post(
        f"/announcements/posts/{post.pk}/mark/", {"until": typed, "reminder": "3d"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/"
    announcement = Announcement.objects.get(post=post)
    assert announcement.until == until
    assert announcement.remind_at == announcement.announced_at + timedelta(days=3)
    assert announcement.announced_by == world.admin

    page = admin.get(f"/announcements/posts/{post.pk}/mark/").content.decode()
    assert f'value="{typed}"' in page
    assert '<option value="3d" selected>After 3 days</option>' in page


def test_the_mark_form_explains_bad_input(world: World) -> None:
    post = world.post(world.open)
    admin = client_for(world.admin)
    response = admin.post(
        f"/announcements/posts/{post.pk}/mark/", {"until": "2001-01-01T09:30", "reminder": "1d"}
    )
    assert response.status_code == 200
    assert "The end date must be in the future." in response.content.decode()
    response = admin.post(
        f"/announcements/posts/{post.pk}/mark/", {"until": "soon", "reminder": "sometime"}
    )
    html = response.content.decode()
    assert "Enter a valid date/time." in html
    assert "Select a valid choice." in html
    assert not Announcement.objects.exists()


def test_post_card_shows_the_bar_and_the_menu_entries(world: World) -> None:
    post = world.post(world.open)
    admin, kari = client_for(world.admin), client_for(world.kari)
    detail = f"/posts/{post.pk}/"
    assert "Mark as announcement" in admin.get(detail).content.decode()
    assert "Mark as announcement" in client_for(world.comms).get(detail).content.decode()
    assert "Mark as announcement" not in kari.get(detail).content.decode()
    assert "Mark as announcement" not in client_for(world.moderator).get(detail).content.decode()

    actions.do_mark_announcement(actor=world.admin, post=post)
    admin_html = admin.get(detail).content.decode()
    assert "Edit announcement" in admin_html
    assert f'action="/announcements/posts/{post.pk}/unmark/"' in admin_html
    assert f'href="/announcements/posts/{post.pk}/receipts/"' in admin_html
    kari_html = kari.get(detail).content.decode()
    assert 'class="badge badge-announcement">Announcement<' in kari_html
    assert f'hx-post="/announcements/posts/{post.pk}/read/"' in kari_html
    assert "receipts" not in kari_html

    bar = kari.post(f"/announcements/posts/{post.pk}/read/", headers=HTMX).content.decode()
    assert bar.count('id="announcement-bar-') == 1
    assert '<span class="announcement-read" role="status">Read</span>' in bar
    assert "Mark as read" not in bar


def test_the_feed_cards_do_not_query_per_announcement(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kari = client_for(world.kari)
    actions.do_mark_announcement(actor=world.admin, post=world.post(world.open, "one"))
    kari.get("/")
    with CaptureQueriesContext(connection) as few:
        kari.get("/")
    for n in range(5):
        actions.do_mark_announcement(actor=world.admin, post=world.post(world.open, f"m{n}"))
    with CaptureQueriesContext(connection) as many:
        kari.get("/")
    # Only the announcement bits are compared: queries on the announcement tables.
    ours = [
        [q["sql"] for q in ctx.captured_queries if "announcements_" in q["sql"]]
        for ctx in (few, many)
    ]
    assert len(ours[0]) == len(ours[1])


def test_unmarking_from_the_page(world: World) -> None:
    post = world.post(world.open)
    actions.do_mark_announcement(actor=world.admin, post=post)
    assert client_for(world.kari).post(f"/announcements/posts/{post.pk}/unmark/").status_code == 302
    assert Announcement.objects.count() == 1  # refused, with a message
    response = client_for(world.admin).post(f"/announcements/posts/{post.pk}/unmark/")
    assert response["Location"] == f"/posts/{post.pk}/"
    assert not Announcement.objects.exists()


# --- receipts ------------------------------------------------------------------------------------


def _announced(world: World) -> Announcement:
    post = world.post(world.open, author=world.admin)
    announcement = actions.do_mark_announcement(actor=world.admin, post=post)
    actions.do_acknowledge(actor=world.ola, announcement=announcement)
    actions.do_acknowledge(actor=world.kari, announcement=announcement)
    stamps = {
        world.kari.pk: timezone.datetime(2026, 3, 2, 8, 5, 9, tzinfo=ZoneInfo("UTC")),
        world.ola.pk: timezone.datetime(2026, 3, 1, 12, 0, 0, tzinfo=ZoneInfo("UTC")),
    }
    for user_id, when in stamps.items():
        Acknowledgement.objects.filter(user_id=user_id).update(acknowledged_at=when)
    return announcement


def test_receipts_page_counts_n_of_m_and_lists_who(world: World) -> None:
    announcement = _announced(world)
    admin = client_for(world.admin)
    url = f"/announcements/posts/{announcement.post_id}/receipts/"
    # Audience: Mona, Kari, Ola, Per (the author, Ada, is not counted; her own mark neither).
    html = admin.get(url).content.decode()
    assert "2 of 4 acknowledged" in html
    assert "Not yet (2)" in html and "Read (2)" in html
    waiting = re.findall(r'class="row-title" href="[^"]+">([^<]+)<', html)
    assert waiting == ["Mona Moderator", "Per Berg"]
    read = admin.get(url + "?status=read").content.decode()
    assert re.findall(r'class="row-title" href="[^"]+">([^<]+)<', read) == [
        "Ola Hansen",
        "Kari Nordmann",
    ]
    assert "Sales" in read  # Kari's department


def test_receipts_are_paginated(world: World, make_user: object) -> None:
    announcement = _announced(world)
    for n in range(55):
        person = make_user(f"Zed {n:02d}")  # type: ignore[operator]
        group_actions.do_add_member(group=world.open, user=person, role=Membership.Role.MEMBER)
    admin = client_for(world.admin)
    url = f"/announcements/posts/{announcement.post_id}/receipts/"
    first = admin.get(url).content.decode()
    assert len(re.findall(r'class="row-title"', first)) == 50
    assert "Page 1 of 2" in first and 'href="?status=waiting&amp;page=2"' in first
    second = admin.get(url + "?status=waiting&page=2").content.decode()
    assert len(re.findall(r'class="row-title"', second)) == 7
    assert "2 of 59 acknowledged" in second


def test_csv_export_is_exact(world: World) -> None:
    announcement = _announced(world)
    world.per.name = "=HYPERLINK(evil)"
    world.per.save()
    response = client_for(world.network_admin).get(
        f"/announcements/posts/{announcement.post_id}/receipts.csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="announcement-{announcement.post_id}-receipts.csv"'
    )
    assert response.content.decode() == (
        "Name,E-mail,Department,Acknowledged at\r\n"
        "'=HYPERLINK(evil),per@example.com,,\r\n"
        "Kari Nordmann,kari@example.com,Sales,2026-03-02T09:05:09+01:00\r\n"
        f"Mona Moderator,{world.moderator.email},,\r\n"
        "Ola Hansen,ola@example.com,,2026-03-01T13:00:00+01:00\r\n"
    )


def test_csv_times_follow_the_viewers_time_zone(world: World) -> None:
    announcement = _announced(world)
    world.admin.time_zone = "America/New_York"
    world.admin.save()
    text = (
        client_for(world.admin)
        .get(f"/announcements/posts/{announcement.post_id}/receipts.csv")
        .content.decode()
    )
    assert "Kari Nordmann,kari@example.com,Sales,2026-03-02T03:05:09-05:00\r\n" in text


def test_the_block_speaks_norwegian(world: World) -> None:
    actions.do_mark_announcement(actor=world.admin, post=world.post(world.open))
    world.kari.language = "nb"
    world.kari.save()
    block = top_block(client_for(world.kari))
    assert "1 kunngjøring å lese" in block
    assert "Merk som lest" in block
