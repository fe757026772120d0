"""Post insights and "what engages / what frustrates": exact figures from a seeded scenario,
and who may open what (hidden = the same "not found" as nonexistent)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from torg.accounts.models import User
from torg.announcements.actions import do_acknowledge, do_mark_announcement
from torg.feed.actions import do_record_seen
from torg.groups.actions import do_add_member, do_create_group
from torg.groups.models import Group
from torg.insights import posts as post_insights
from torg.insights.access import access_post_insights
from torg.insights.models import PostDay
from torg.insights.rollup import do_roll_up_recent_days
from torg.insights.tests.conftest import World
from torg.media.models import Video, VideoView
from torg.posts.actions import do_create_post, do_delete_post, do_share_post
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Attachment, Post
from torg.posts.reaction_actions import do_react_to_post

pytestmark = pytest.mark.django_db
CSRF_MASK = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Scene:
    world: World
    dan: User
    ed: User
    flo: User
    gil: User
    lunch: Post  # Bo's post in Sales: seen by 5, one like
    inner: Group  # closed group run by Ada
    salary: Post  # Ada's post in Inner: the most frustrating, and engaging


@pytest.fixture
def scene(world: World, make_user: Callable[..., User]) -> Scene:
    """Sales (open) has 7 members: Ada (admin), Bo, Cy, Dan, Ed, Flo, Gil.

    Ada's "Quarterly numbers" post: seen by Eve, Bo, Cy, Dan, Ed (5); reactions sad (Cy),
    like (Bo, Ed), love (Dan); comments "Great work", "The VPN is broken again" (negative),
    "This is not good" (negative); shared once (Flo, to her profile); an announcement that Bo
    and Cy acknowledged (2 of 6 recipients); a video with 3 counted views.
    """
    w = world
    dan, ed, flo, gil = (make_user(name) for name in ("Dan", "Ed", "Flo", "Gil"))
    for person in (dan, ed, flo, gil):
        do_add_member(group=w.sales, user=person)
    post = w.sales_post
    do_react_to_post(actor=w.bo, post=post, kind="like")
    do_react_to_post(actor=ed, post=post, kind="like")
    do_react_to_post(actor=dan, post=post, kind="love")
    do_create_comment(actor=dan, post=post, body="This is not good")
    for person in (w.bo, w.cy, dan, ed):
        do_record_seen(viewer=person, post_ids=[post.pk])
    do_share_post(actor=flo, post=post, group=None)
    announcement = do_mark_announcement(actor=w.ada, post=post)
    do_acknowledge(actor=w.bo, announcement=announcement)
    do_acknowledge(actor=w.cy, announcement=announcement)
    attachment = Attachment.objects.create(
        uploader=w.ada,
        post=post,
        kind=Attachment.Kind.FILE,
        file=ContentFile(b"\x00" * 16, name="numbers.mp4"),
        name="numbers.mp4",
        content_type="video/mp4",
        size=16,
    )
    video = Video.objects.create(attachment=attachment, state=Video.State.READY, duration=20)
    VideoView.objects.bulk_create(
        VideoView(video=video, viewer=viewer, key=key, watched_seconds=watched, buckets=buckets)
        for viewer, key, watched, buckets in (
            (w.bo, "k1", 10.0, (1 << 20) - 1),  # all of it
            (w.bo, "k2", 4.0, (1 << 10) - 1),  # the first half
            (w.cy, "k3", 6.0, 0x1F | (0x1F << 15)),  # the start, then skipped to the end
            (dan, "k4", 2.0, 0x3),  # under 3 seconds: not a view
        )
    )
    lunch = do_create_post(author=w.bo, group=w.sales, body="Lunch is served")
    for person in (w.ada, w.cy, dan, ed, flo):
        do_record_seen(viewer=person, post_ids=[lunch.pk])
    do_react_to_post(actor=w.ada, post=lunch, kind="like")
    inner = do_create_group(actor=w.ada, name="Inner Circle", privacy="closed")
    for person in (w.bo, w.cy, dan, ed, flo):
        do_add_member(group=inner, user=person)
    salary = do_create_post(author=w.ada, group=inner, body="Salary bands for next year")
    for person in (w.bo, w.cy, dan, ed, flo):
        do_record_seen(viewer=person, post_ids=[salary.pk])
        do_react_to_post(actor=person, post=salary, kind="sad")
    do_create_comment(actor=w.bo, post=salary, body="I hate this change")
    return Scene(w, dan, ed, flo, gil, lunch, inner, salary)


# --- one post's page --------------------------------------------------------------------------


def test_post_page_shows_exact_figures_to_the_author(scene: Scene) -> None:
    w = scene.world
    response = _client(w.ada).get(reverse("insights:post", args=[w.sales_post.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="stat-seen">5</dd>' in html
    assert '<dd id="stat-reach">71 %</dd>' in html  # 5 of 7 members
    assert '<dd id="stat-reactions">4</dd>' in html
    assert '<dd id="stat-comments">3</dd>' in html
    assert '<dd id="stat-shares">1</dd>' in html
    assert '<dd id="stat-negative">43 %</dd>' in html  # (1 sad + 2 negative) / (4 + 3)
    assert '<dd id="stat-acknowledged">33 %</dd>' in html  # 2 of 6 recipients
    assert "2 of 6 recipients acknowledged it." in html
    # Reactions by type, as a table (and bars).
    assert '<tr data-kind="like"><td>Like</td><td>2</td><td>50 %</td></tr>' in html
    assert '<tr data-kind="sad"><td>Sad</td><td>1</td><td>25 %</td></tr>' in html
    bar = '<progress max="100" value="50"></progress><span class="insights-bar-count">2 · 50 %'
    assert bar in html
    # The names behind "seen by" (the feed's seen-by rows), for the author.
    names = re.search(r'<ul class="insights-names" id="seen-names">(.*?)</ul>', html, re.S)
    assert names is not None
    assert re.findall(r">(Eve|Bo|Cy|Dan|Ed)</a>", names.group(1)) == [
        "Ed",
        "Dan",
        "Cy",
        "Bo",
        "Eve",
    ]
    # The video, from the media app's statistics.
    assert '<dd data-stat="views">3</dd>' in html
    assert '<dd data-stat="viewers">2</dd>' in html
    assert '<dd data-stat="average">6.7 s</dd>' in html
    assert '<dd data-stat="completion">67 %</dd>' in html
    assert "Quarterly numbers are in" in html


def test_post_figures_and_csv_downloads(scene: Scene) -> None:
    w = scene.world
    figures = post_insights.post_insights(access_post_insights(w.ada, w.sales_post.pk))
    assert (figures.seen, figures.members, figures.reach) == (5, 7, 0.714)
    assert (figures.comments, figures.reactions, figures.shares) == (3, 4, 1)
    assert (figures.sad_reactions, figures.negative_comments, figures.negative_share) == (
        1,
        2,
        0.429,
    )
    client = _client(w.ada)

    def csv(table: str) -> list[str]:
        response = client.get(reverse("insights:post_csv", args=[w.sales_post.pk, table]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        return response.content.decode().splitlines()

    assert csv("summary") == [
        "figure,value",
        "seen,5",
        "members,7",
        "reach,0.714",
        "comments,3",
        "reactions,4",
        "shares,1",
        "sad_reactions,1",
        "negative_comments,2",
        "negative_share,0.429",
        "acknowledged,2",
        "recipients,6",
        "acknowledgement_rate,0.333",
    ]
    assert csv("reactions") == [
        "kind,reactions,share",
        "like,2,0.5",
        "love,1,0.25",
        "haha,0,0.0",
        "wow,0,0.0",
        "sad,1,0.25",
        "celebrate,0,0.0",
    ]
    assert [line.split(",")[0] for line in csv("seen_by")] == [
        "name",
        "Ed",
        "Dan",
        "Cy",
        "Bo",
        "Eve",
    ]
    assert csv("video") == [
        "video,views,unique_viewers,average_seconds,completion_rate,playbacks",
        "numbers.mp4,3,2,6.7,0.667,4",
    ]
    retention = csv("retention")
    assert retention[0] == "video,from_percent,to_percent,share_of_views"
    assert retention[1] == "numbers.mp4,0,5,1.0"
    assert retention[-1] == "numbers.mp4,95,100,0.667"
    missing = client.get(reverse("insights:post_csv", args=[w.sales_post.pk, "nope"]))
    assert missing.status_code == 404


def test_post_api_gives_the_same_figures(scene: Scene) -> None:
    w = scene.world
    data = _client(w.ada).get(f"/api/v1/insights/posts/{w.sales_post.pk}").json()
    assert (data["seen"], data["members"], data["reach"]) == (5, 7, 0.714)
    assert (data["comments"], data["reactions"], data["shares"]) == (3, 4, 1)
    assert data["reactions_by_kind"] == {
        "like": 2,
        "love": 1,
        "haha": 0,
        "wow": 0,
        "sad": 1,
        "celebrate": 0,
    }
    assert (data["sad_reactions"], data["negative_comments"], data["negative_share"]) == (
        1,
        2,
        0.429,
    )
    assert [s["name"] for s in data["seen_by"]] == ["Ed", "Dan", "Cy", "Bo", "Eve"]
    assert data["announcement"] == {
        "acknowledged": 2,
        "recipients": 6,
        "acknowledgement_rate": 0.333,
    }
    video = data["videos"][0]
    assert (video["views"], video["unique_viewers"], video["average_seconds"]) == (3, 2, 6.7)
    assert video["completion_rate"] == 0.667
    assert len(video["retention"]) == 20
    # Communications: the same figures, no names.
    comms = _client(w.cora).get(f"/api/v1/insights/posts/{w.sales_post.pk}").json()
    assert comms["seen"] == 5
    assert comms["seen_by"] is None
    assert "seen_by" not in [t["key"] for t in comms["tables"]]


def test_a_plain_post_has_no_video_or_announcement_sections(scene: Scene) -> None:
    w = scene.world
    html = _client(w.bo).get(reverse("insights:post", args=[scene.lunch.pk])).content.decode()
    assert '<dd id="stat-seen">5</dd>' in html
    assert '<dd id="stat-negative">0 %</dd>' in html
    assert "stat-acknowledged" not in html
    assert "Audience retention" not in html
    data = _client(w.bo).get(f"/api/v1/insights/posts/{scene.lunch.pk}").json()
    assert (data["videos"], data["announcement"]) == ([], None)


def test_post_page_reads_a_fixed_number_of_queries(
    scene: Scene, django_assert_num_queries: Any
) -> None:
    w = scene.world
    client = _client(w.bo)
    url = reverse("insights:post", args=[scene.lunch.pk])
    client.get(url)
    # Session, user, post, role, reactions by kind, comments, seen-by names, videos,
    # announcement.
    with django_assert_num_queries(9):
        client.get(url)
    # More seen-by rows, reactions and comments: the same number of queries.
    for person in (scene.gil, w.eve):
        do_record_seen(viewer=person, post_ids=[scene.lunch.pk])
        do_react_to_post(actor=person, post=scene.lunch, kind="wow")
        do_create_comment(actor=person, post=scene.lunch, body="Thanks, well done")
    with django_assert_num_queries(9):
        response = client.get(url)
    assert '<dd id="stat-seen">7</dd>' in response.content.decode()


# --- who may open it --------------------------------------------------------------------------


def test_post_insights_permission_matrix(scene: Scene) -> None:
    w = scene.world
    sales_post = reverse("insights:post", args=[w.sales_post.pk])
    lunch = reverse("insights:post", args=[scene.lunch.pk])

    def status(person: User, url: str) -> int:
        return _client(person).get(url).status_code

    assert status(w.ada, sales_post) == 200  # author and group admin
    assert status(w.bo, lunch) == 200  # author
    assert status(w.ada, lunch) == 200  # group admin
    assert status(w.cy, lunch) == 404  # member
    assert status(w.bo, sales_post) == 404  # member
    assert status(w.eve, sales_post) == 404  # outsider who saw it
    assert status(w.cora, sales_post) == 200  # communications, open group
    assert status(w.sam, sales_post) == 200  # network admin
    signed_out = Client().get(sales_post)
    assert signed_out.status_code == 302
    # Names only for the author and the group's admins.
    assert 'id="seen-names"' in _client(w.ada).get(lunch).content.decode()
    comms = _client(w.cora).get(lunch).content.decode()
    assert 'id="seen-names"' not in comms
    assert "Only the author and the group's admins see the names." in comms
    assert (
        _client(w.cora)
        .get(reverse("insights:post_csv", args=[scene.lunch.pk, "seen_by"]))
        .status_code
        == 404
    )


def test_closed_group_post_figures_for_communications_without_its_text(scene: Scene) -> None:
    w = scene.world
    url = reverse("insights:post", args=[scene.salary.pk])
    comms = _client(w.cora).get(url)
    assert comms.status_code == 200
    html = comms.content.decode()
    assert '<dd id="stat-seen">5</dd>' in html
    assert "Salary bands" not in html
    assert f'href="{reverse("posts:detail", args=[scene.salary.pk])}"' not in html
    assert "Salary bands" in _client(w.ada).get(url).content.decode()
    assert _client(w.eve).get(url).status_code == 404


def test_secret_group_post_is_not_found_for_communications_like_a_missing_post(
    scene: Scene,
) -> None:
    w = scene.world
    secret = reverse("insights:post", args=[w.board_post.pk])
    missing_id = Post.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    missing = reverse("insights:post", args=[missing_id])
    assert _client(w.dee).get(secret).status_code == 200  # its author
    for person in (w.cora, w.sam, w.eve):
        hidden = _client(person).get(secret)
        absent = _client(person).get(missing)
        assert hidden.status_code == absent.status_code == 404
        assert CSRF_MASK.sub(b"", hidden.content) == CSRF_MASK.sub(b"", absent.content)
    hidden_csv = _client(w.cora).get(
        reverse("insights:post_csv", args=[w.board_post.pk, "summary"])
    )
    assert hidden_csv.status_code == 404
    api_hidden = _client(w.cora).get(f"/api/v1/insights/posts/{w.board_post.pk}")
    api_missing = _client(w.cora).get(f"/api/v1/insights/posts/{missing_id}")
    api_junk = _client(w.cora).get("/api/v1/insights/posts/abc")
    assert api_hidden.status_code == api_missing.status_code == api_junk.status_code == 404
    assert api_hidden.json() == api_missing.json()


def test_a_deleted_post_has_no_insights(scene: Scene) -> None:
    w = scene.world
    do_delete_post(actor=w.bo, post=scene.lunch)
    assert _client(w.bo).get(reverse("insights:post", args=[scene.lunch.pk])).status_code == 404


def test_insights_link_on_the_post_for_the_entitled_only(scene: Scene) -> None:
    w = scene.world
    link = reverse("insights:post", args=[scene.lunch.pk])
    detail = reverse("posts:detail", args=[scene.lunch.pk])
    assert link in _client(w.bo).get(detail).content.decode()  # author
    assert link in _client(w.ada).get(detail).content.decode()  # group admin
    assert link in _client(w.sam).get(detail).content.decode()  # network admin
    assert link not in _client(w.cy).get(detail).content.decode()  # member
    assert link not in _client(w.eve).get(detail).content.decode()  # outsider


# --- what engages / what frustrates -----------------------------------------------------------


def test_rollup_stores_reactions_by_kind_and_negative_comments(scene: Scene) -> None:
    w = scene.world
    do_roll_up_recent_days(days=1)
    row = PostDay.objects.get(post=w.sales_post)
    assert (row.seen, row.comments, row.reactions, row.shares, row.engagement) == (5, 3, 4, 1, 8)
    assert (
        row.like_reactions,
        row.love_reactions,
        row.haha_reactions,
        row.wow_reactions,
        row.sad_reactions,
        row.celebrate_reactions,
    ) == (2, 1, 0, 0, 1, 0)
    assert row.negative_comments == 2
    assert (row.engagement_rate, row.negative_share) == (1.6, 0.4286)
    lunch = PostDay.objects.get(post=scene.lunch)
    assert (lunch.engagement_rate, lunch.negative_share) == (0.2, None)  # 1 signal: too few
    salary = PostDay.objects.get(post=scene.salary)
    assert (salary.sad_reactions, salary.negative_comments) == (5, 1)
    assert (salary.engagement_rate, salary.negative_share) == (1.2, 1.0)
    secret = PostDay.objects.get(post=w.board_post)
    assert (secret.engagement_rate, secret.negative_share) == (None, None)  # seen by no one
    do_roll_up_recent_days(days=1)  # safe to run twice
    assert PostDay.objects.filter(post=w.sales_post).count() == 1


def test_network_rankings_show_open_groups_only(scene: Scene) -> None:
    w = scene.world
    do_roll_up_recent_days(days=1)
    today = timezone.localdate().isoformat()
    response = _client(w.cora).get(reverse("insights:network"), {"period": "7"})
    html = response.content.decode()
    assert "What engages" in html
    assert "Salary bands" not in html  # closed group: not on the network dashboard
    assert "Inner Circle" not in html
    assert "Merger" not in html
    client = _client(w.cora)
    engaging = client.get(reverse("insights:network_csv", args=["engaging_posts"]), {"period": "7"})
    assert engaging.content.decode().splitlines() == [
        "post_id,posted,group,excerpt,seen,comments,reactions,shares,engagement_rate",
        f"{w.sales_post.pk},{today},Sales,Quarterly numbers are in,5,3,4,1,1.6",
        f"{scene.lunch.pk},{today},Sales,Lunch is served,5,0,1,0,0.2",
    ]
    frustrating = client.get(reverse("insights:network_csv", args=["frustrating_posts"]))
    assert frustrating.content.decode().splitlines() == [
        "post_id,posted,group,excerpt,comments,reactions,sad_reactions,negative_comments,"
        "negative_share",
        f"{w.sales_post.pk},{today},Sales,Quarterly numbers are in,3,4,1,2,0.4286",
    ]
    # Each row links to the post's insights page.
    assert f'href="{reverse("insights:post", args=[w.sales_post.pk])}"' in html
    api = client.get("/api/v1/insights/network", {"period": 7}).json()
    keys = [t["key"] for t in api["tables"]]
    assert keys[-2:] == ["engaging_posts", "frustrating_posts"]
    assert [r[0] for r in api["tables"][-2]["rows"]] == [w.sales_post.pk, scene.lunch.pk]


def test_group_rankings_for_the_groups_admins_text_only_for_readers(scene: Scene) -> None:
    w = scene.world
    do_roll_up_recent_days(days=1)
    today = timezone.localdate().isoformat()
    url = reverse("insights:group_csv", args=[scene.inner.slug, "frustrating_posts"])
    assert _client(w.ada).get(url).content.decode().splitlines() == [
        "post_id,posted,excerpt,comments,reactions,sad_reactions,negative_comments,negative_share",
        f"{scene.salary.pk},{today},Salary bands for next year,1,5,5,1,1.0",
    ]
    # Communications see a closed group's figures without its posts' text.
    assert _client(w.cora).get(url).content.decode().splitlines()[1] == (
        f"{scene.salary.pk},{today},,1,5,5,1,1.0"
    )
    page = _client(w.ada).get(reverse("insights:group", args=[scene.inner.slug]))
    assert "Posts with the most negative signals" in page.content.decode()
    engaging = _client(w.ada).get(
        reverse("insights:group_csv", args=[w.sales.slug, "engaging_posts"])
    )
    assert [line.split(",")[0] for line in engaging.content.decode().splitlines()[1:]] == [
        str(w.sales_post.pk),
        str(scene.lunch.pk),
    ]
    data = _client(w.ada).get(f"/api/v1/insights/groups/{scene.inner.slug}").json()
    assert data["tables"][-1]["rows"] == [
        [scene.salary.pk, today, "Salary bands for next year", 1, 5, 5, 1, 1.0]
    ]


def test_post_insights_in_norwegian(scene: Scene) -> None:
    w = scene.world
    w.ada.language = "nb"
    w.ada.save(update_fields=["language"])
    html = (
        _client(w.ada)
        .get(reverse("insights:post", args=[w.sales_post.pk]), HTTP_ACCEPT_LANGUAGE="nb")
        .content.decode()
    )
    assert "Innsikt for innlegget" in html
    assert "Reaksjoner etter type" in html
    assert "2 av 6 mottakere har bekreftet at de har lest den." in html
    assert "Last ned «Reaksjoner etter type» som CSV" in html
