"""Topics and questions: a seeded scenario with exact figures (rollup, pages, CSV, API),
permissions and pinned query counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from torg.accounts.models import User
from torg.groups.actions import do_create_group
from torg.groups.models import Group
from torg.insights.models import QuestionStat, TopicDay
from torg.insights.rollup import do_roll_up_day, do_roll_up_recent_days
from torg.insights.tests.conftest import World
from torg.insights.topics import percentile, topics_board
from torg.knowledge.actions import do_mark_best_answer, do_vote_answer
from torg.knowledge.models import Question
from torg.posts.actions import do_create_post
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Comment, Post, PostHashtag
from torg.posts.reaction_actions import do_react_to_post

pytestmark = pytest.mark.django_db


def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A local time ``days_ago`` days before today."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def move_post(post: Post, when: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=when)
    PostHashtag.objects.filter(post=post).update(created_at=when)
    Question.objects.filter(post=post).update(created_at=when)


def move_comment(comment: Comment, when: datetime) -> None:
    Comment.objects.filter(pk=comment.pk).update(created_at=when)


@dataclass
class Scene:
    world: World
    legal: Group  # closed, run by Fay
    launch1: Post
    q1: Post  # answered, best answer marked
    q2: Post  # no answers
    q3: Post  # secret group
    q4: Post  # profile question, answered after 30 minutes
    q2_later: Callable[[], Comment]


@pytest.fixture
def scene(world: World, make_user: Callable[..., User]) -> Scene:
    """Today: #launch on 2 Sales posts and 1 profile post (and 1 secret post), #coffee twice on
    a profile, #budget once; 10 days ago #budget and #coffee once each. The first #launch post
    gets 2 comments (1 negative) and 3 reactions (1 sad).

    Yesterday, 4 questions: Bo's in Sales (answers after 2 h and 3 h, the asker's own comment
    does not count, best answer marked after 6 h), Cy's in Sales (none), Dee's in the secret
    Board (none), Eve's on her profile (answered after 30 minutes)."""
    w = world
    legal = do_create_group(actor=w.fay, name="Legal Closed", privacy="closed")
    launch1 = do_create_post(author=w.ada, group=w.sales, body="Launch plan #launch")
    do_create_post(author=w.bo, group=w.sales, body="More on #launch and #budget")
    do_create_post(author=w.bo, group=None, body="#launch from my desk")
    do_create_post(author=w.dee, group=w.board, body="#mergers and #launch")
    do_create_post(author=w.eve, group=None, body="#coffee time")
    do_create_post(author=w.eve, group=None, body="More #coffee")
    old_budget = do_create_post(author=w.cy, group=w.sales, body="Old #budget")
    move_post(old_budget, at(10, 12))
    old_coffee = do_create_post(author=w.eve, group=None, body="Old #coffee")
    move_post(old_coffee, at(10, 12))
    do_create_comment(actor=w.bo, post=launch1, body="Great work")
    do_create_comment(actor=w.cy, post=launch1, body="The VPN is broken again")
    do_react_to_post(actor=w.bo, post=launch1, kind="like")
    do_react_to_post(actor=w.cy, post=launch1, kind="sad")
    do_react_to_post(actor=w.eve, post=launch1, kind="like")

    q1 = do_create_post(author=w.bo, group=w.sales, body="How do I book a room?", is_question=True)
    move_post(q1, at(1, 9))
    move_comment(do_create_comment(actor=w.bo, post=q1, body="Anyone?"), at(1, 10))
    cy_answer = do_create_comment(actor=w.cy, post=q1, body="Use the booking page")
    move_comment(cy_answer, at(1, 11))
    ada_answer = do_create_comment(actor=w.ada, post=q1, body="Ask reception")
    move_comment(ada_answer, at(1, 12))
    question = Question.objects.get(post=q1)
    do_mark_best_answer(actor=w.bo, question=question, comment=ada_answer)
    Question.objects.filter(pk=question.pk).update(answered_at=at(1, 15))
    do_vote_answer(actor=w.bo, question=question, comment=ada_answer)
    do_vote_answer(actor=w.eve, question=question, comment=cy_answer)
    q2 = do_create_post(author=w.cy, group=w.sales, body="Where is the printer?", is_question=True)
    move_post(q2, at(1, 10))
    q3 = do_create_post(author=w.dee, group=w.board, body="Secret question?", is_question=True)
    move_post(q3, at(1, 9, 30))
    q4 = do_create_post(author=w.eve, group=None, body="Who knows Django?", is_question=True)
    move_post(q4, at(1, 8))
    move_comment(do_create_comment(actor=w.bo, post=q4, body="I do"), at(1, 8, 30))

    def q2_later() -> Comment:
        return do_create_comment(actor=w.ada, post=q2, body="Next to the kitchen")

    for days_ago in (10, 1, 0):
        do_roll_up_day(day=timezone.localdate() - timedelta(days=days_ago))
    return Scene(w, legal, launch1, q1, q2, q3, q4, q2_later)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


LAUNCH_NETWORK = ["#launch", 3, 0, 3.0, 2, 3, 1.667, 2, 0.4]
COFFEE_NETWORK = ["#coffee", 2, 1, 0.71, 0, 0, 0.0, 0, 0.0]
LAUNCH_SALES = ["#launch", 2, 0, 2.0, 2, 3, 2.5, 2, 0.4]
BUDGET = ["#budget", 1, 1, 0.0, 0, 0, 0.0, 0, 0.0]


def test_topic_rollup_rows_are_exact(scene: Scene) -> None:
    today = timezone.localdate()
    w = scene.world
    launch = TopicDay.objects.get(day=today, group=w.sales, hashtag__name="launch")
    assert (launch.posts, launch.comments, launch.reactions) == (2, 2, 3)
    assert (launch.sad_reactions, launch.negative_comments) == (1, 1)
    profile = TopicDay.objects.get(day=today, group=None, hashtag__name="launch")
    assert (profile.posts, profile.comments, profile.reactions) == (1, 0, 0)
    assert TopicDay.objects.get(day=today, group=w.board, hashtag__name="mergers").posts == 1
    old = today - timedelta(days=10)
    assert sorted(TopicDay.objects.filter(day=old).values_list("hashtag__name", "posts")) == [
        ("budget", 1),
        ("coffee", 1),
    ]


def test_question_rollup_is_exact_and_safe_to_run_twice(scene: Scene) -> None:
    do_roll_up_recent_days(days=2)
    do_roll_up_recent_days(days=2)
    stats = {s.question.post_id: s for s in QuestionStat.objects.select_related("question")}
    assert len(stats) == 4
    q1 = stats[scene.q1.pk]
    # Bo's own "Anyone?" is not an answer; Cy answered after 2 h; best answer marked after 6 h.
    assert (q1.answers, q1.first_answer_seconds, q1.best_answer_seconds) == (2, 7200, 21600)
    assert (stats[scene.q2.pk].answers, stats[scene.q2.pk].first_answer_seconds) == (0, None)
    assert stats[scene.q4.pk].first_answer_seconds == 1800
    assert {s.day for s in stats.values()} == {timezone.localdate() - timedelta(days=1)}
    # #launch in Sales, the Board and on a profile; #budget, #mergers, #coffee: one place each.
    assert TopicDay.objects.filter(day=timezone.localdate()).count() == 6


def test_a_late_answer_updates_the_question_asked_yesterday(scene: Scene) -> None:
    answer = scene.q2_later()
    do_roll_up_recent_days(days=1)  # today only: the answer touched the question today
    stat = QuestionStat.objects.get(question__post=scene.q2)
    assert stat.answers == 1
    expected = int((answer.created_at - at(1, 10)).total_seconds())
    assert stat.first_answer_seconds == expected
    # Deleting a question's post drops its figures the next time the job runs.
    Post.objects.filter(pk=scene.q2.pk).update(deleted_at=timezone.now())
    do_roll_up_recent_days(days=1)
    assert not QuestionStat.objects.filter(question__post=scene.q2).exists()


def test_network_topics_board_is_exact_and_leaves_out_closed_and_secret(scene: Scene) -> None:
    board = topics_board(period=7)
    assert board.trending.rows == [LAUNCH_NETWORK, COFFEE_NETWORK]
    # Most engaging: comments + reactions, then posts (topics used in the period).
    assert board.engaging.rows == [LAUNCH_NETWORK, COFFEE_NETWORK, BUDGET]
    assert board.frustrating.rows == [LAUNCH_NETWORK]
    q = board.questions
    # Every question counts in the network's figures (numbers only): 4 asked, 2 answered.
    assert (q.asked, q.answered, q.unanswered, q.best_answered, q.answered_share) == (
        4,
        2,
        2,
        1,
        0.5,
    )
    assert (q.median_first_hours, q.p90_first_hours) == (0.5, 2.0)
    assert (q.median_best_hours, q.p90_best_hours) == (6.0, 6.0)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert board.questions_daily.rows == [[yesterday, 4, 2, 2, 1]]


def test_group_topics_board_is_exact(scene: Scene) -> None:
    board = topics_board(period=7, group=scene.world.sales)
    assert board.trending.rows == [LAUNCH_SALES]
    assert board.engaging.rows == [LAUNCH_SALES, BUDGET]
    assert board.frustrating.rows == [LAUNCH_SALES]
    q = board.questions
    assert (q.asked, q.answered, q.unanswered, q.best_answered) == (2, 1, 1, 1)
    assert (q.median_first_hours, q.p90_first_hours, q.median_best_hours) == (2.0, 2.0, 6.0)
    # 30 days: #budget's old post is in this period, so nothing is "before" it.
    month = topics_board(period=30, group=scene.world.sales)
    budget = next(r for r in month.engaging.rows + month.trending.rows if r[0] == "#budget")
    assert budget[1:3] == [2, 0]


def test_network_topics_page_and_csv(scene: Scene) -> None:
    client = _client(scene.world.cora)
    response = client.get(reverse("insights:topics"), {"period": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="stat-asked">4</dd>' in html
    assert '<dd id="stat-unanswered">2</dd>' in html
    assert '<dd id="stat-answered-share">50 %</dd>' in html
    assert '<dd id="stat-first-median">0.5 h</dd>' in html
    assert '<dd id="stat-first-p90">2.0 h</dd>' in html
    assert '<dd id="stat-best-median">6.0 h</dd>' in html
    assert "<td>#launch</td>" in html
    assert "#mergers" not in html
    # The chart has every day of the period; only yesterday had questions.
    chart = response.context["questions_chart"]
    assert len(chart["x"]) == 7
    assert [serie["values"] for serie in chart["series"]] == [
        [0, 0, 0, 0, 0, 4, 0],
        [0, 0, 0, 0, 0, 2, 0],
    ]
    assert "Secret question" not in html
    csv = client.get(reverse("insights:topics_csv", args=["trending"]), {"period": "7"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines() == [
        "topic,posts,previous_posts,trend_score,comments,reactions,engagement_per_post,"
        "negative_signals,negative_share",
        "#launch,3,0,3.0,2,3,1.667,2,0.4",
        "#coffee,2,1,0.71,0,0,0.0,0,0.0",
    ]
    questions = client.get(reverse("insights:topics_csv", args=["questions"]), {"period": "7"})
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert questions.content.decode().splitlines() == [
        "day,asked,answered,unanswered,best_answered",
        f"{yesterday},4,2,2,1",
    ]
    assert client.get(reverse("insights:topics_csv", args=["nope"])).status_code == 404


def test_topics_api(scene: Scene) -> None:
    client = _client(scene.world.cora)
    data = client.get("/api/v1/insights/topics", {"period": 7}).json()
    assert data["questions"]["asked"] == 4
    assert data["questions"]["median_first_hours"] == 0.5
    tables = {t["key"]: t for t in data["tables"]}
    assert tables["trending"]["rows"] == [LAUNCH_NETWORK, COFFEE_NETWORK]
    assert "#mergers" not in json.dumps(data)
    group = client.get(
        f"/api/v1/insights/groups/{scene.world.sales.slug}/topics", {"period": 7}
    ).json()
    assert {t["key"]: t for t in group["tables"]}["trending"]["rows"] == [LAUNCH_SALES]
    assert client.get("/api/v1/insights/topics", {"period": 12}).status_code == 422


def test_topics_permissions(scene: Scene) -> None:
    w = scene.world
    # Not communications: the network page does not exist for them.
    for person in (w.bo, w.ada, w.dee):
        assert _client(person).get(reverse("insights:topics")).status_code == 404
        assert _client(person).get("/api/v1/insights/topics").status_code == 404
    # A secret group's topics: its admin sees them; communications and network admins get the
    # "not found" of a group that does not exist (page, CSV, API).
    board_url = reverse("insights:group_topics", args=[w.board.slug])
    dee = _client(w.dee).get(board_url)
    assert dee.status_code == 200
    assert "<td>#mergers</td>" in dee.content.decode()
    missing = reverse("insights:group_topics", args=["no-such-group"])
    for outsider in (w.cora, w.sam, w.bo):
        client = _client(outsider)
        hidden = client.get(board_url)
        absent = client.get(missing)
        assert hidden.status_code == absent.status_code == 404
        assert "Board" not in hidden.content.decode()
        csv_url = reverse("insights:group_topics_csv", args=[w.board.slug, "trending"])
        assert client.get(csv_url).status_code == 404
        api = client.get(f"/api/v1/insights/groups/{w.board.slug}/topics")
        assert api.status_code == client.get("/api/v1/insights/groups/nope/topics").status_code
        assert api.status_code == 404
    # Group admins see their group; members who do not run it do not.
    assert _client(w.ada).get(reverse("insights:group_topics", args=[w.sales.slug])).status_code
    assert (
        _client(w.bo).get(reverse("insights:group_topics", args=[w.sales.slug])).status_code == 404
    )


def test_secret_group_admin_sees_its_topics(scene: Scene) -> None:
    board = topics_board(period=7, group=scene.world.board)
    assert board.trending.rows == []  # one post each: nothing trends
    assert board.engaging.rows == [
        ["#launch", 1, 0, 1.0, 0, 0, 0.0, 0, 0.0],
        ["#mergers", 1, 0, 1.0, 0, 0, 0.0, 0, 0.0],
    ]
    assert board.questions.asked == 1
    html = (
        _client(scene.world.dee)
        .get(reverse("insights:group_topics", args=[scene.world.board.slug]))
        .content.decode()
    )
    assert '<dd id="stat-asked">1</dd>' in html


def test_topics_pages_read_a_fixed_number_of_queries(
    scene: Scene, django_assert_num_queries: Any
) -> None:
    client = _client(scene.world.sam)
    client.get(reverse("insights:topics"))  # warm the session
    # Session, user, topics, questions.
    with django_assert_num_queries(4):
        client.get(reverse("insights:topics"))
    admin = _client(scene.world.ada)
    sales = reverse("insights:group_topics", args=[scene.world.sales.slug])
    admin.get(sales)
    # Session, user, group lookup, admin check, topics, questions, may read the posts.
    with django_assert_num_queries(7):
        admin.get(sales)
    # More days and topics: the same number of queries.
    for n in range(5):
        post = do_create_post(author=scene.world.ada, group=scene.world.sales, body=f"#extra{n}")
        move_post(post, at(n + 2, 12))
    do_roll_up_recent_days(days=8)
    with django_assert_num_queries(4):
        client.get(reverse("insights:topics"), {"period": "30"})
    with django_assert_num_queries(7):
        admin.get(sales, {"period": "30"})


def test_closed_group_topic_names_only_for_those_who_read_it(scene: Scene) -> None:
    w = scene.world
    do_create_post(
        author=w.fay, group=scene.legal, body="Is the #contract signed?", is_question=True
    )
    do_create_post(author=w.fay, group=scene.legal, body="#contract draft")
    do_roll_up_recent_days(days=1)
    url = reverse("insights:group_topics", args=[scene.legal.slug])
    # Communications may open a closed group's dashboard, but its hashtags are its content.
    cora = _client(w.cora)
    html = cora.get(url).content.decode()
    assert 'id="names-hidden"' in html
    assert "#contract" not in html
    assert '<dd id="stat-asked">1</dd>' in html
    csv = reverse("insights:group_topics_csv", args=[scene.legal.slug, "trending"])
    assert cora.get(csv).status_code == 404
    questions_csv = reverse("insights:group_topics_csv", args=[scene.legal.slug, "questions"])
    assert cora.get(questions_csv).status_code == 200
    data = cora.get(f"/api/v1/insights/groups/{scene.legal.slug}/topics").json()
    assert data["names_hidden"] is True
    assert [t["key"] for t in data["tables"]] == ["questions"]
    assert "#contract" not in json.dumps(data)
    # Its admin (a member) sees them.
    fay = _client(w.fay).get(url).content.decode()
    assert "<td>#contract</td>" in fay


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10], 0.9) == 10
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 12)), 0.9) == 10


def test_topics_page_in_norwegian(scene: Scene) -> None:
    client = _client(scene.world.cora)
    html = client.get(reverse("insights:topics"), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "Emner og spørsmål" in html
    assert "Last ned «Emner i vekst» som CSV" in html
