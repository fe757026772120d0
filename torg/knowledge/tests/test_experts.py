"""The expertise finder on a seeded scenario: exact order and points, evidence only from what
the viewer may open, and suggestions that notify nobody."""

from __future__ import annotations

from typing import Any

import pytest

from torg.groups.actions import do_add_member
from torg.knowledge import actions
from torg.knowledge.models import Question
from torg.knowledge.selectors.experts import find_experts
from torg.knowledge.selectors.matching import keywords
from torg.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(team, make_user, make_group, write, answer) -> dict[str, Any]:
    kari = make_user("Kari Kube", skills=("Kubernetes",))
    do_add_member(group=team["drift"], user=kari)
    cecilie = team["cecilie"]
    cecilie.skills.create(name="Kubernetes-admin", key="kubernetes-admin")
    guild = make_group(
        "Kubernetes guild", by=team["owner"], members=(team["bjorn"],), admins=(cecilie,)
    )
    posts = {
        "kari": write(kari, team["drift"], "Upgrading kubernetes to 1.30 went fine"),
        "eva": [
            write(team["eva"], team["drift"], f"My kubernetes notes, part {n}") for n in (1, 2, 3)
        ],
        "secret": [
            write(team["dag"], team["secret"], f"Our kubernetes cluster plan {n}") for n in (1, 2)
        ],
    }
    question_post = write(
        team["ase"], team["drift"], "How do I drain a kubernetes node?", is_question=True
    )
    best = answer(team["bjorn"], question_post, "Use kubectl drain; kubernetes does the rest")
    question = Question.objects.get(post=question_post)
    actions.do_mark_best_answer(actor=team["ase"], question=question, comment=best)
    return {
        **team,
        "kari": kari,
        "guild": guild,
        "posts": posts,
        "question": question,
        "best": best,
    }


def ranking(viewer: Any, text: str = "kubernetes") -> list[tuple[str, int]]:
    return [(e.person.name, e.score) for e in find_experts(viewer, text)]


def test_people_are_ranked_by_skills_writing_best_answers_and_groups(scene) -> None:
    # Kari: exact skill 6 + a post 2. Bjørn: best answer 4 + a comment 1 + guild member 2.
    # Cecilie: partial skill 3 + guild admin 3. Eva: three posts 3×2. Olav: created (admins)
    # the guild 3. Åse: the question itself is a post on the subject 2.
    assert ranking(scene["eva"]) == [
        ("Kari Kube", 8),
        ("Bjørn Berg", 7),
        ("Cecilie Cox", 6),
        ("Eva Outsider", 6),
        ("Olav Owner", 3),
        ("Åse Asker", 2),
    ]


def test_evidence_links_to_what_earned_the_points(scene) -> None:
    experts = {e.person.name: e for e in find_experts(scene["eva"], "kubernetes")}
    bjorn = experts["Bjørn Berg"]
    question_id, best_id = scene["question"].post_id, scene["best"].pk

    assert sorted((i.kind, i.url, i.points) for i in bjorn.evidence) == sorted(
        [
            ("best_answer", f"/knowledge/questions/{question_id}/#comment-{best_id}", 4),
            ("comment", f"/posts/{question_id}/comments/#comment-{best_id}", 1),
            ("group", f"/groups/{scene['guild'].slug}/", 2),
        ]
    )
    assert [(i.kind, i.label, i.points) for i in experts["Kari Kube"].evidence] == [
        ("skill", "Kubernetes", 6),
        ("post", "Upgrading kubernetes to 1.30 went fine", 2),
    ]


def test_a_secret_groups_posts_count_only_for_its_members(scene) -> None:
    outsider = find_experts(scene["eva"], "kubernetes")
    secret_urls = {f"/posts/{p.pk}/" for p in scene["posts"]["secret"]}

    assert "Dag Admin" not in {e.person.name for e in outsider}
    assert not secret_urls & {i.url for e in outsider for i in e.evidence}
    # Bjørn is in the secret group: Dag's two posts there count for him (2×2).
    assert ("Dag Admin", 4) in ranking(scene["bjorn"])
    assert ranking(scene["bjorn"])[:2] == [("Kari Kube", 8), ("Bjørn Berg", 7)]


def test_questions_are_read_for_their_keywords() -> None:
    assert keywords("How do I drain a Kubernetes node, please?") == ["kubernetes", "drain", "node"]
    assert keywords("Hvem vet noe om fakturering?") == ["fakturering"]
    assert keywords("") == []


def test_suggesting_experts_notifies_nobody_only_a_mention_does(scene, client_for, write) -> None:
    kari = scene["kari"]
    client = client_for(scene["ase"])
    before = Notification.objects.count()

    response = client.get(
        "/knowledge/compose-help/", {"body": "Any kubernetes tips?", "group": "drift"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-mention-id="{kari.pk}"' in html
    assert "How do I drain a kubernetes node?" in html  # a similar question
    assert Notification.objects.count() == before

    write(scene["ase"], scene["drift"], "Any kubernetes tips?", is_question=True)
    assert not Notification.objects.filter(recipient=kari).exists()

    write(
        scene["ase"],
        scene["drift"],
        f"@[Kari Kube](user:{kari.pk}) any kubernetes tips?",
        is_question=True,
    )
    assert list(Notification.objects.filter(recipient=kari).values_list("kind", flat=True)) == [
        "mention"
    ]


def test_suggestions_for_a_secret_group_question_are_its_members_only(scene, client_for) -> None:
    client = client_for(scene["ase"])
    html = client.get(
        "/knowledge/compose-help/", {"body": "kubernetes cluster", "group": "hemmelig"}
    ).content.decode()

    assert f'data-mention-id="{scene["bjorn"].pk}"' in html
    assert f'data-mention-id="{scene["kari"].pk}"' not in html
    assert f'data-mention-id="{scene["ase"].pk}"' not in html  # never oneself
    # Already mentioned people are not offered again.
    mention = f"@[Bjørn Berg](user:{scene['bjorn'].pk}) kubernetes cluster"
    html = client.get(
        "/knowledge/compose-help/", {"body": mention, "group": "hemmelig"}
    ).content.decode()
    assert f'data-mention-id="{scene["bjorn"].pk}"' not in html
