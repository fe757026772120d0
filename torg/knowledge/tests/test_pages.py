"""Knowledge pages and htmx endpoints: what people see, click and are refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.knowledge import actions
from torg.knowledge.models import AnswerVote, Question, SuggestedTopic
from torg.posts.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(team, write, answer) -> dict[str, Any]:
    post = write(team["ase"], team["drift"], "Which VPN client should I use?", is_question=True)
    first = answer(team["bjorn"], post, "WireGuard is the one")
    second = answer(team["cecilie"], post, "OpenVPN works too")
    return {
        **team,
        "post": post,
        "question": Question.objects.get(post=post),
        "first": first,
        "second": second,
    }


def positions(html: str, *needles: str) -> list[int]:
    return [html.index(n) for n in needles]


def test_question_page_shows_best_answer_first_with_a_badge(asked, client_for) -> None:
    actions.do_mark_best_answer(
        actor=asked["ase"], question=asked["question"], comment=asked["second"]
    )
    html = (
        client_for(asked["eva"]).get(f"/knowledge/questions/{asked['post'].pk}/").content.decode()
    )

    first, second = positions(html, "WireGuard is the one", "OpenVPN works too")
    assert second < first
    badge = html.index("✓ Best answer", html.index(f'id="comment-{asked["second"].pk}"'))
    assert badge < second
    # Eva may vote but not choose the best answer.
    assert f'action="/knowledge/answers/{asked["first"].pk}/vote/"' in html
    assert "Mark as best answer" not in html


def test_the_asker_marks_the_best_answer_through_the_page(asked, client_for) -> None:
    client = client_for(asked["ase"])
    url = f"/knowledge/questions/{asked['post'].pk}/"
    assert "Mark as best answer" in client.get(url).content.decode()

    response = client.post(f"/knowledge/answers/{asked['first'].pk}/best/", {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert Question.objects.get(pk=asked["question"].pk).best_answer_id == asked["first"].pk

    # The feed card shows the best answer under the question.
    home = client_for(asked["eva"]).get(f"/groups/{asked['drift'].slug}/").content.decode()
    assert "best-answer" in home and "WireGuard is the one" in home


def test_others_cannot_mark_and_hidden_questions_are_not_found(asked, client_for, write) -> None:
    response = client_for(asked["cecilie"]).post(f"/knowledge/answers/{asked['first'].pk}/best/")
    assert response.status_code == 302
    assert Question.objects.get(pk=asked["question"].pk).best_answer_id is None

    secret = write(asked["bjorn"], asked["secret"], "Secret question?", is_question=True)
    eva = client_for(asked["eva"])
    for url in (
        f"/knowledge/questions/{secret.pk}/",
        "/knowledge/questions/999999999/",
        f"/knowledge/questions/{asked['post'].pk + 10**6}/",
    ):
        assert eva.get(url).status_code == 404
    assert eva.post(f"/knowledge/questions/{secret.pk}/unmark-best/").status_code == 404


def test_voting_with_htmx_answers_with_the_button(asked, client_for) -> None:
    client = client_for(asked["eva"])
    url = f"/knowledge/answers/{asked['first'].pk}/vote/"

    html = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'aria-pressed="true"' in html and 'class="answer-vote-count">1<' in html
    html = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'aria-pressed="false"' in html and 'class="answer-vote-count">0<' in html
    assert not AnswerVote.objects.exists()

    own = client_for(asked["bjorn"]).post(url, headers={"HX-Request": "true"})
    assert own.status_code == 400 and "own answer" in own.content.decode()


def test_the_composer_offers_the_option_and_ask_creates_a_question(team, client_for) -> None:
    client = client_for(team["ase"])
    page = client.get(f"/groups/{team['drift'].slug}/").content.decode()
    assert 'name="is_question"' in page and 'data-ask-url="/knowledge/ask/"' in page

    response = client.post(
        "/knowledge/ask/",
        {"body": "Who fixes the coffee machine?", "group": "drift", "is_question": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    post = Post.objects.get(body="Who fixes the coffee machine?")
    assert Question.objects.filter(post=post).exists()
    assert "badge-question" in response.content.decode()

    refused = client.post("/knowledge/ask/", {"body": "", "group": "drift", "is_question": "on"})
    assert refused.status_code == 400
    assert Question.objects.count() == 1


def test_an_author_marks_a_post_as_a_question_later(team, client_for, write) -> None:
    post = write(team["ase"], team["drift"], "Does anyone have a charger?")
    html = client_for(team["ase"]).get(f"/posts/{post.pk}/").content.decode()
    assert "Mark as a question" in html
    assert (
        "Mark as a question"
        not in client_for(team["eva"]).get(f"/posts/{post.pk}/").content.decode()
    )

    assert client_for(team["eva"]).post(f"/knowledge/questions/{post.pk}/mark/").status_code == 302
    assert not Question.objects.exists()
    response = client_for(team["ase"]).post(f"/knowledge/questions/{post.pk}/mark/")
    assert response["Location"] == f"/knowledge/questions/{post.pk}/"
    assert Question.objects.filter(post=post).exists()
    client_for(team["ase"]).post(f"/knowledge/questions/{post.pk}/unmark/")
    assert not Question.objects.exists()


def test_unanswered_page_company_wide_and_per_group(asked, client_for, write) -> None:
    open_q = write(asked["ase"], asked["drift"], "Nobody knows this yet?", is_question=True)
    secret = write(asked["bjorn"], asked["secret"], "Hidden unanswered?", is_question=True)
    eva = client_for(asked["eva"])

    html = eva.get("/knowledge/questions/").content.decode()
    assert "Nobody knows this yet?" in html
    assert "Which VPN client" not in html  # it has answers
    assert "Hidden unanswered?" not in html
    html = eva.get("/knowledge/questions/?state=open").content.decode()
    assert "Which VPN client" in html
    assert eva.get("/knowledge/questions/?group=hemmelig").status_code == 404
    assert eva.get("/knowledge/questions/?state=nope").status_code == 400
    html = client_for(asked["ase"]).get("/knowledge/questions/?group=hemmelig").content.decode()
    assert "Hidden unanswered?" in html and "Nobody knows this yet?" not in html
    assert open_q.pk and secret.pk


def test_expertise_page_shows_people_with_evidence(team, make_user, client_for) -> None:
    make_user("Kari Kube", skills=("Kubernetes",))
    client = client_for(team["eva"])

    html = client.get("/knowledge/", {"q": "kubernetes"}).content.decode()
    assert "Kari Kube" in html and 'href="/people/?skill=Kubernetes"' in html
    assert "Nobody found" in client.get("/knowledge/", {"q": "zzzz"}).content.decode()
    assert client.get("/knowledge/", {"q": "x" * 201}).status_code == 400


def test_trending_fragment_and_topic_rail(team, write, client_for) -> None:
    for n in range(3):
        write(team["ase"], team["drift"], f"#Kaffe and #Maskin {n}")
    for n in range(3):
        write(team["bjorn"], team["secret"], f"#Hemmelig and #Kaffe {n}")
    eva = client_for(team["eva"])

    html = eva.get("/knowledge/trending/").content.decode()
    assert "#Kaffe" in html and "#Hemmelig" not in html
    topic = eva.get("/topics/kaffe/").content.decode()
    assert "Related topics" in topic and "#Maskin" in topic and "#Hemmelig" not in topic
    assert "Top contributors" in topic and "Bjørn Berg" not in topic
    member = client_for(team["bjorn"]).get("/topics/kaffe/").content.decode()
    assert "#Hemmelig" in member and "Bjørn Berg" in member
    # Every signed-in page loads the trending topics into its rail.
    assert 'hx-get="/knowledge/trending/"' in eva.get("/").content.decode()


def test_group_admin_edits_suggested_topics(team, write, client_for) -> None:
    write(team["ase"], team["drift"], "#vpn and #wifi")
    dag, eva = client_for(team["dag"]), client_for(team["eva"])
    url = f"/knowledge/groups/{team['drift'].slug}/topics/"

    assert eva.get(url).status_code == 403
    assert client_for(team["eva"]).get("/knowledge/groups/hemmelig/topics/").status_code == 404
    bad = dag.post(url, {"topic": ["#vpn", "#nothing"]})
    assert bad.status_code == 400 and "#nothing" in bad.content.decode()
    assert dag.post(url, {"topic": ["#wifi", "vpn", ""]}).status_code == 302
    assert list(SuggestedTopic.objects.values_list("hashtag__name", flat=True)) == ["wifi", "vpn"]
    page = eva.get(f"/groups/{team['drift'].slug}/").content.decode()
    assert re.search(r'href="/topics/wifi/">#wifi<.*href="/topics/vpn/">#vpn<', page, re.S)
    assert "Unanswered questions in this group" in page


def test_group_page_query_count_does_not_grow_with_questions(
    team, write, answer, client_for
) -> None:
    client = client_for(team["eva"])
    url = f"/groups/{team['drift'].slug}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    post = write(team["ase"], team["drift"], "Q0?", is_question=True)
    answer(team["bjorn"], post, "A0")
    client.get(url)
    before = queries()
    for n in range(5):
        more = write(team["ase"], team["drift"], f"Q{n + 1}?", is_question=True)
        answer(team["bjorn"], more, f"A{n + 1}")
    client.get(url)  # records the new posts as seen (the feed's own writes)
    assert queries() == before


def test_pages_speak_norwegian(asked, client_for) -> None:
    actions.do_mark_best_answer(
        actor=asked["ase"], question=asked["question"], comment=asked["first"]
    )
    client = client_for(asked["ase"])
    client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    html = client.get(f"/knowledge/questions/{asked['post'].pk}/").content.decode()
    assert "Beste svar" in html and "Fjern som beste svar" in html and "2 svar" in html
    assert "Hvem vet?" in client.get("/knowledge/").content.decode()


def test_the_composer_without_javascript_asks_a_question(team, client_for) -> None:
    """The plain form (no JS to redirect it to the ask view) still records the question."""
    client = client_for(team["ase"])
    response = client.post(
        "/posts/new/",
        {
            "group": team["drift"].slug,
            "body": "Who can renew our TLS certificates?",
            "is_question": "on",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get(body="Who can renew our TLS certificates?")
    assert Question.objects.filter(post=post).exists()
    client.post("/posts/new/", {"group": team["drift"].slug, "body": "Just a statement."})
    assert not Question.objects.filter(post__body="Just a statement.").exists()
