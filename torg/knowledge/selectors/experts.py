"""The expertise finder: "Who knows about X?".

Each person gets points from four kinds of evidence (docs/knowledge.md has the table):

- declared skills: ``SKILL_EXACT`` (6) for a skill named exactly like a keyword of X (or a
  multi-word skill found in X), ``SKILL_PARTIAL`` (3) for a skill containing a keyword; at most
  ``MAX_SKILLS`` (2) skills count;
- what they wrote: ``POST_POINTS`` (2) per matching post and ``COMMENT_POINTS`` (1) per matching
  comment, at most ``MAX_WRITTEN`` (5) of each (the search app finds them, among what the
  viewer may read);
- best answers: ``BEST_ANSWER_POINTS`` (4) per best answer to a matching question (or a best
  answer that matches itself), at most ``MAX_BEST`` (3);
- groups: membership of a group whose name matches a keyword: ``GROUP_ADMIN_POINTS`` (3) for an
  admin, ``GROUP_MEMBER_POINTS`` (2) for a member; a group whose description (only) matches
  counts for its admins (2); at most ``MAX_GROUPS`` (2) groups. Only groups whose members the
  viewer may see count, never company-wide groups (everyone is in them).

Ties: more points first, then by name. Every point comes with its evidence, and evidence is only
ever something the viewer may open: a secret group's posts, answers and membership never count
for someone outside it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.urls import reverse

from torg.groups.access import as_person, content_visible_groups
from torg.groups.models import Membership
from torg.knowledge.models import Question
from torg.knowledge.selectors.matching import fused_search, keywords
from torg.knowledge.selectors.questions import question_title
from torg.people.access import visible_people
from torg.people.models import Skill
from torg.people.selectors import SkillLink, UnicodeLower
from torg.posts.access import visible_posts
from torg.posts.models import Comment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

SKILL_EXACT = 6
SKILL_PARTIAL = 3
MAX_SKILLS = 2
POST_POINTS = 2
COMMENT_POINTS = 1
MAX_WRITTEN = 5
BEST_ANSWER_POINTS = 4
MAX_BEST = 3
GROUP_ADMIN_POINTS = 3
GROUP_MEMBER_POINTS = 2
MAX_GROUPS = 2
MAX_GROUP_ROWS = 5000
DEFAULT_LIMIT = 10
SUGGEST_LIMIT = 5
EVIDENCE_LINKS = 3  # links shown per kind of evidence
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Evidence:
    kind: str  # "skill", "post", "comment", "best_answer", "group"
    label: str
    url: str
    points: int


@dataclass
class Expert:
    person: User
    score: int = 0
    evidence: list[Evidence] = field(default_factory=list)

    def kinds(self) -> dict[str, list[Evidence]]:
        grouped: dict[str, list[Evidence]] = defaultdict(list)
        for item in self.evidence:
            grouped[item.kind].append(item)
        return dict(grouped)


def _short(text: str, length: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


class _Board:
    """Points and evidence per person, with the caps applied."""

    def __init__(self) -> None:
        self.experts: dict[int, Expert] = {}
        self.used: dict[tuple[int, str], int] = defaultdict(int)

    def add(self, user_id: int, kind: str, cap: int, evidence: Evidence) -> None:
        if self.used[(user_id, kind)] >= cap:
            return
        self.used[(user_id, kind)] += 1
        expert = self.experts.setdefault(user_id, Expert(person=None))  # type: ignore[arg-type]
        expert.score += evidence.points
        expert.evidence.append(evidence)


def _skills(board: _Board, terms: list[str], text: str) -> None:
    phrase = " " + " ".join(_WORD.findall(text.casefold())) + " "
    condition = Q()
    for term in terms:
        condition |= Q(key__contains=term)
    skills = list(Skill.objects.filter(condition)) if terms else []
    # Multi-word skills ("machine learning") are found as phrases in the text.
    points = {}
    for skill in skills:
        if skill.key in terms or (" " in skill.key and f" {skill.key} " in phrase):
            points[skill.pk] = SKILL_EXACT
        else:
            points[skill.pk] = SKILL_PARTIAL
    if not points:
        return
    by_id = {s.pk: s for s in skills}
    links = (
        SkillLink.objects.filter(skill_id__in=list(points))
        .values_list("user_id", "skill_id")
        .order_by("user_id", "skill_id")
    )
    rows = sorted(links, key=lambda row: (row[0], -points[row[1]], by_id[row[1]].key))
    directory = reverse("people:directory")
    for user_id, skill_id in rows:
        skill = by_id[skill_id]
        board.add(
            user_id,
            "skill",
            MAX_SKILLS,
            Evidence("skill", skill.name, f"{directory}?skill={skill.name}", points[skill_id]),
        )


def _written(board: _Board, person: User, text: str) -> tuple[list[int], list[int]]:
    from torg.search.query import search_comment_ids, search_post_ids

    post_ids = fused_search(search_post_ids, person, text, limit=50)
    comment_ids = fused_search(search_comment_ids, person, text, limit=50)
    # The search app already keeps what the viewer may read; check again, cheaply, in the query.
    posts = visible_posts(person).filter(pk__in=post_ids).only("pk", "author_id", "body")
    by_post = {p.pk: p for p in posts}
    for pk in post_ids:
        post = by_post.get(pk)
        if post is not None:
            board.add(
                post.author_id,
                "post",
                MAX_WRITTEN,
                Evidence(
                    "post",
                    _short(question_title(post)),
                    reverse("posts:detail", args=[post.pk]),
                    POST_POINTS,
                ),
            )
    comments = Comment.objects.filter(
        pk__in=comment_ids,
        deleted_at__isnull=True,
        post__in=visible_posts(person).values("pk"),
    ).only("pk", "author_id", "post_id", "body")
    by_comment = {c.pk: c for c in comments}
    for pk in comment_ids:
        comment = by_comment.get(pk)
        if comment is not None:
            board.add(
                comment.author_id,
                "comment",
                MAX_WRITTEN,
                Evidence(
                    "comment",
                    _short(comment.body),
                    reverse("comments:list", args=[comment.post_id]) + f"#comment-{comment.pk}",
                    COMMENT_POINTS,
                ),
            )
    return [pk for pk in post_ids if pk in by_post], [pk for pk in comment_ids if pk in by_comment]


def _best_answers(board: _Board, person: User, post_ids: list[int], comment_ids: list[int]) -> None:
    if not post_ids and not comment_ids:
        return
    questions = list(
        Question.objects.filter(
            Q(post_id__in=post_ids) | Q(best_answer_id__in=comment_ids),
            best_answer__isnull=False,
            best_answer__deleted_at__isnull=True,
            post__in=visible_posts(person).values("pk"),
        )
        .select_related("post", "best_answer")
        .order_by("-answered_at", "-pk")
    )
    for question in questions:
        answer = question.best_answer
        assert answer is not None
        board.add(
            answer.author_id,
            "best_answer",
            MAX_BEST,
            Evidence(
                "best_answer",
                _short(question_title(question.post)),
                reverse("knowledge:question", args=[question.post_id]) + f"#comment-{answer.pk}",
                BEST_ANSWER_POINTS,
            ),
        )


def _groups(board: _Board, person: User, terms: list[str]) -> None:
    if not terms:
        return
    named = Q()
    described = Q()
    for term in terms:
        named |= Q(name_lc__contains=term)
        described |= Q(description_lc__contains=term)
    groups = {
        g.pk: g
        for g in content_visible_groups(person)
        .filter(is_company_wide=False)
        .annotate(name_lc=UnicodeLower("name"), description_lc=UnicodeLower("description"))
        .filter(named | described)
        .only("pk", "name", "slug", "description")[:50]
    }
    if not groups:
        return
    name_match = {
        pk for pk, g in groups.items() if any(term in g.name.casefold() for term in terms)
    }
    memberships = (
        Membership.objects.filter(group_id__in=list(groups))
        .filter(Q(group_id__in=list(name_match)) | Q(role=Membership.Role.ADMIN))
        .values_list("user_id", "group_id", "role")
        .order_by("user_id", "group_id")[:MAX_GROUP_ROWS]
    )
    for user_id, group_id, role in sorted(
        memberships, key=lambda row: (row[0], row[2] != Membership.Role.ADMIN, row[1])
    ):
        group = groups[group_id]
        is_admin = role == Membership.Role.ADMIN
        if group_id in name_match:
            points = GROUP_ADMIN_POINTS if is_admin else GROUP_MEMBER_POINTS
        else:
            points = GROUP_MEMBER_POINTS  # description match: admins only
        board.add(
            user_id,
            "group",
            MAX_GROUPS,
            Evidence("group", group.name, reverse("groups:detail", args=[group.slug]), points),
        )


def find_experts(
    viewer: User | AnonymousUser,
    text: str,
    *,
    limit: int = DEFAULT_LIMIT,
    exclude: Iterable[int] = (),
    candidates: QuerySet[User] | None = None,
) -> list[Expert]:
    """People who know about ``text``, best first, each with their evidence.

    ``candidates`` narrows who may be suggested (e.g. those who could read a new question)."""
    person = as_person(viewer)
    text = (text or "").strip()[:1000]
    terms = keywords(text)
    if person is None or not terms:
        return []
    board = _Board()
    _skills(board, terms, text)
    post_ids, comment_ids = _written(board, person, text)
    _best_answers(board, person, post_ids, comment_ids)
    _groups(board, person, terms)
    excluded = set(exclude)
    ids = [pk for pk in board.experts if pk not in excluded]
    pool = visible_people(person) if candidates is None else candidates
    people = pool.distinct().in_bulk(ids)
    ranked = []
    for pk, expert in board.experts.items():
        if pk in people:
            expert.person = people[pk]
            ranked.append(expert)
    ranked.sort(key=lambda e: (-e.score, e.person.name.casefold(), e.person.pk))
    return ranked[: max(1, min(limit, 50))]
