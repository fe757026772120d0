"""The knowledge REST API: every operation, its permissions and its 404s for hidden things."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from torg.knowledge.models import AnswerVote, Question

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge"


@pytest.fixture
def asked(team, write, answer) -> dict[str, Any]:
    post = write(
        team["ase"], team["drift"], "Which kubernetes version do we run?", is_question=True
    )
    first = answer(team["bjorn"], post, "1.30 since May")
    second = answer(team["cecilie"], post, "Ask the platform team")
    secret = write(team["bjorn"], team["secret"], "Secret kubernetes question?", is_question=True)
    return {**team, "post": post, "first": first, "second": second, "secret_post": secret}


def test_question_detail_marking_and_the_best_answer(asked, client_for) -> None:
    ase: Client = client_for(asked["ase"])
    eva: Client = client_for(asked["eva"])
    pid, first, second = asked["post"].pk, asked["first"].pk, asked["second"].pk

    body = eva.get(f"{BASE}/questions/{pid}").json()
    assert [a["id"] for a in body["answers"]] == [first, second]
    assert body["answer_count"] == 2 and body["best_answer_id"] is None

    refused = eva.put(
        f"{BASE}/questions/{pid}/best-answer",
        {"comment_id": first},
        content_type="application/json",
    )
    assert refused.status_code == 403
    done = ase.put(
        f"{BASE}/questions/{pid}/best-answer",
        {"comment_id": second},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["best_answer_id"] == second
    assert [a["id"] for a in done.json()["answers"]] == [second, first]
    assert done.json()["answers"][0]["is_best"] is True
    assert ase.delete(f"{BASE}/questions/{pid}/best-answer").json()["best_answer_id"] is None

    hidden = asked["secret_post"].pk
    assert eva.get(f"{BASE}/questions/{hidden}").status_code == 404
    assert (
        eva.get(f"{BASE}/questions/{hidden}").json()
        == eva.get(f"{BASE}/questions/999999999").json()
    )


def test_marking_and_unmarking_a_post(team, write, client_for) -> None:
    post = write(team["ase"], team["drift"], "A plain post")
    assert client_for(team["eva"]).put(f"{BASE}/questions/{post.pk}").status_code == 403
    response = client_for(team["ase"]).put(f"{BASE}/questions/{post.pk}")
    assert response.status_code == 200 and response.json()["post_id"] == post.pk
    assert client_for(team["eva"]).delete(f"{BASE}/questions/{post.pk}").status_code == 403
    assert client_for(team["ase"]).delete(f"{BASE}/questions/{post.pk}").status_code == 204
    assert not Question.objects.exists()


def test_votes_one_per_person(asked, client_for) -> None:
    eva = client_for(asked["eva"])
    url = f"{BASE}/answers/{asked['first'].pk}/vote"

    assert eva.put(url).json() == {"voted": True, "votes": 1}
    assert eva.put(url).json() == {"voted": True, "votes": 1}
    assert client_for(asked["dag"]).put(url).json() == {"voted": True, "votes": 2}
    assert eva.delete(url).json() == {"voted": False, "votes": 1}
    assert client_for(asked["bjorn"]).put(url).status_code == 403  # his own answer
    assert AnswerVote.objects.count() == 1


def test_unanswered_list_and_similar_questions(asked, client_for, write) -> None:
    write(asked["ase"], asked["drift"], "Where is the kubernetes dashboard?", is_question=True)
    eva = client_for(asked["eva"])

    listed = eva.get(f"{BASE}/questions").json()
    assert [q["title"] for q in listed["questions"]] == ["Where is the kubernetes dashboard?"]
    listed = eva.get(f"{BASE}/questions?state=open&group=drift&limit=1").json()
    assert len(listed["questions"]) == 1 and listed["next_before"] is not None
    assert eva.get(f"{BASE}/questions?state=bad").status_code == 422
    assert eva.get(f"{BASE}/questions?group=hemmelig").status_code == 404

    similar = eva.get(f"{BASE}/questions/similar?q=kubernetes").json()
    assert {q["title"] for q in similar} == {
        "Which kubernetes version do we run?",
        "Where is the kubernetes dashboard?",
    }
    inside = client_for(asked["bjorn"]).get(f"{BASE}/questions/similar?q=kubernetes").json()
    assert "Secret kubernetes question?" in {q["title"] for q in inside}


def test_topics_endpoints(team, write, client_for) -> None:
    for n in range(2):
        write(team["ase"], team["drift"], f"#Kaffe #Maskin {n}")
    write(team["bjorn"], team["secret"], "#Kaffe #Hemmelig")
    eva, dag = client_for(team["eva"]), client_for(team["dag"])

    trending = eva.get(f"{BASE}/topics/trending").json()
    assert [(t["name"], t["recent"], t["previous"]) for t in trending] == [
        ("kaffe", 2, 0),
        ("maskin", 2, 0),
    ]
    assert eva.get(f"{BASE}/topics/kaffe/related").json() == [
        {"name": "maskin", "display_name": "Maskin", "count": 2}
    ]
    assert eva.get(f"{BASE}/topics/hemmelig/related").status_code == 404
    contributors = eva.get(f"{BASE}/topics/kaffe/contributors").json()
    assert [(c["person"]["name"], c["count"]) for c in contributors] == [("Åse Asker", 2)]

    put = dag.put(
        f"{BASE}/groups/drift/suggested-topics",
        {"names": ["#maskin", "kaffe"]},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert [t["name"] for t in eva.get(f"{BASE}/groups/drift/suggested-topics").json()] == [
        "maskin",
        "kaffe",
    ]
    refused = eva.put(
        f"{BASE}/groups/drift/suggested-topics", {"names": []}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert eva.get(f"{BASE}/groups/hemmelig/suggested-topics").status_code == 404
    bad = dag.put(
        f"{BASE}/groups/drift/suggested-topics",
        {"names": ["nope-nope"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "not a topic" in bad.json()["detail"]


def test_experts_endpoint(team, make_user, client_for) -> None:
    make_user("Kari Kube", skills=("Kubernetes",))
    found = client_for(team["eva"]).get(f"{BASE}/experts?q=kubernetes").json()
    assert found == [
        {
            "person": {"id": found[0]["person"]["id"], "name": "Kari Kube", "job_title": ""},
            "score": 6,
            "evidence": [
                {
                    "kind": "skill",
                    "label": "Kubernetes",
                    "url": "/people/?skill=Kubernetes",
                    "points": 6,
                }
            ],
        }
    ]
    assert client_for(team["eva"]).get(f"{BASE}/experts?q=").status_code == 422
