"""Knowledge pages and htmx endpoints. Thin: access looks up, actions write, selectors read.

Every button works without JavaScript (a normal POST that redirects back to ``next``); the
up-vote button answers htmx with its own new state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.groups.access import access_group_by_slug, as_person, is_group_admin
from torg.groups.models import Group
from torg.knowledge import actions
from torg.knowledge.access import access_answer, access_question
from torg.knowledge.selectors import experts as expert_selectors
from torg.knowledge.selectors import questions as question_selectors
from torg.knowledge.selectors import topics as topic_selectors
from torg.knowledge.selectors.questions import InvalidListParams
from torg.people.access import visible_people
from torg.posts.access import access_post, can_moderate_post
from torg.posts.selectors import prefetch_for_cards

if TYPE_CHECKING:
    from torg.accounts.models import User

MAX_SUBJECT_LENGTH = 200


def _person(request: HttpRequest) -> User:
    person = as_person(request.user)
    if person is None:
        raise PermissionDenied
    return person


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _refusal_text(refusal: ValidationError | PermissionDenied) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(str(m) for m in refusal.messages)
    return str(refusal) or _("You may not do that.")


def _question_url(post_id: int) -> str:
    return reverse("knowledge:question", args=[post_id])


# --- questions -----------------------------------------------------------------------------------


@require_GET
@login_required
def question(request: HttpRequest, post_id: int) -> HttpResponse:
    """A question with its answers: the best one first, then by votes, then oldest first."""
    person = _person(request)
    found = access_question(person, post_id)
    post = prefetch_for_cards([found.post], person)[0]
    thread = question_selectors.ordered_answers(person, found)
    return render(
        request,
        "knowledge/question.html",
        {
            "post": post,
            "thread": thread,
            "can_moderate": can_moderate_post(person, post),
            "on_question_page": True,
        },
    )


@require_POST
@login_required
def mark_question(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    try:
        actions.do_mark_question(actor=person, post=post)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_text(refusal))
        return _back(request, reverse("posts:detail", args=[post.pk]))
    messages.success(request, _("Your post is now a question."))
    return _back(request, _question_url(post.pk))


@require_POST
@login_required
def unmark_question(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    found = access_question(person, post_id)
    try:
        actions.do_unmark_question(actor=person, post=found.post)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_text(refusal))
        return _back(request, _question_url(found.post_id))
    messages.success(request, _("Your post is no longer a question."))
    return _back(request, reverse("posts:detail", args=[found.post_id]))


@require_POST
@login_required
def best_answer(request: HttpRequest, comment_id: int) -> HttpResponse:
    person = _person(request)
    answer = access_answer(person, comment_id)
    question_row = answer.question  # type: ignore[attr-defined]
    try:
        actions.do_mark_best_answer(actor=person, question=question_row, comment=answer)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_text(refusal))
    else:
        messages.success(request, _("Marked as the best answer."))
    return _back(request, _question_url(answer.post_id))


@require_POST
@login_required
def unmark_best(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    found = access_question(person, post_id)
    try:
        actions.do_unmark_best_answer(actor=person, question=found)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_text(refusal))
    else:
        messages.success(request, _("The question has no best answer now."))
    return _back(request, _question_url(found.post_id))


@require_POST
@login_required
def vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Toggle the viewer's up-vote. htmx gets the button back; others are sent back."""
    person = _person(request)
    answer = access_answer(person, comment_id)
    question_row = answer.question  # type: ignore[attr-defined]
    try:
        actions.do_toggle_vote_answer(actor=person, question=question_row, comment=answer)
    except (ValidationError, PermissionDenied) as refusal:
        if _is_htmx(request):
            return HttpResponseBadRequest(_refusal_text(refusal))
        messages.error(request, _refusal_text(refusal))
        return _back(request, _question_url(answer.post_id))
    if not _is_htmx(request):
        return _back(request, _question_url(answer.post_id))
    card = question_selectors.question_cards(person, [question_row.post])[question_row.post_id]
    return render(
        request,
        "knowledge/_vote.html",
        {"a": question_selectors.answer_card(card, answer, person)},
    )


@require_GET
@login_required
def questions(request: HttpRequest) -> HttpResponse:
    """Unanswered (or open) questions, company-wide or in one group (``?group=slug``)."""
    person = _person(request)
    slug = request.GET.get("group", "")
    group: Group | None = access_group_by_slug(person, slug) if slug else None
    state = request.GET.get("state", "unanswered") or "unanswered"
    try:
        page = question_selectors.question_list(
            person, state=state, group=group, before=request.GET.get("before")
        )
    except InvalidListParams:
        return HttpResponseBadRequest(_("This page link is not valid."))
    return render(
        request,
        "knowledge/questions.html",
        {"page": page, "state": state, "group": group},
    )


# --- the composer --------------------------------------------------------------------------------


@require_POST
@login_required
def ask(request: HttpRequest) -> HttpResponse:
    """The composer's target when "This is a question" is ticked: the posts app's composer
    view, plus the question. Answers exactly like it (the same partials)."""
    from torg.posts.views import publish_from_composer

    return publish_from_composer(
        request,
        busy=_("The server is busy and your question was not saved. Please try again."),
        published=_("Your question was published."),
        detail_url_name="knowledge:question",
    )


def _readers(person: User, group: Group | None) -> QuerySet[User]:
    """People who could read a post by ``person`` in ``group`` (mentions only reach them)."""
    people = visible_people(person)
    if group is None:
        return people.filter(is_guest=False)
    member = Q(memberships__group=group)
    if group.privacy == Group.Privacy.OPEN:
        return people.filter(Q(is_guest=False) | member)
    return people.filter(member)


@require_GET
@login_required
def compose_help(request: HttpRequest) -> HttpResponse:
    """While a question is typed: similar questions and up to five people to mention.

    Suggesting notifies nobody; only a mention in the published question does."""
    from torg.core.markdown import extract_mentions

    person = _person(request)
    raw = request.GET.get("body", "")[:2000]
    slug = request.GET.get("group", "")
    group = access_group_by_slug(person, slug[:120]) if slug else None
    # People already mentioned are not suggested again, and mentions are not search words.
    mentioned = extract_mentions(raw)
    text = question_selectors.MENTION.sub(" ", raw)
    similar = question_selectors.similar_questions(person, text)
    experts = expert_selectors.find_experts(
        person,
        text,
        limit=expert_selectors.SUGGEST_LIMIT,
        exclude=[person.pk, *mentioned],
        candidates=_readers(person, group),
    )
    return render(
        request,
        "knowledge/_compose_help.html",
        {"similar": similar, "experts": experts, "searched": len(text.strip()) >= 3},
    )


# --- experts and topics --------------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """ "Who knows about X?" (``?q=``)."""
    person = _person(request)
    q = request.GET.get("q", "").strip()
    error = ""
    experts: list[expert_selectors.Expert] = []
    if len(q) > MAX_SUBJECT_LENGTH:
        error = _("Use at most %(limit)d characters.") % {"limit": MAX_SUBJECT_LENGTH}
    elif q:
        experts = expert_selectors.find_experts(person, q)
    return render(
        request,
        "knowledge/index.html",
        {"q": q[:MAX_SUBJECT_LENGTH], "experts": experts, "error": error},
        status=400 if error else 200,
    )


@require_GET
@login_required
def trending(request: HttpRequest) -> HttpResponse:
    """The right rail's trending topics (loaded by htmx after the page)."""
    person = _person(request)
    return render(
        request, "knowledge/_trending.html", {"topics": topic_selectors.trending_topics(person)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def group_topics(request: HttpRequest, slug: str) -> HttpResponse:
    """A group admin's form for the group's suggested topics."""
    person = _person(request)
    group = access_group_by_slug(person, slug)
    if not is_group_admin(person, group):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        names = request.POST.getlist("topic")[:20]
        try:
            actions.do_set_suggested_topics(actor=person, group=group, names=names)
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal_text(refusal)
        else:
            messages.success(request, _("The suggested topics are saved."))
            return redirect("groups:detail", slug=group.slug)
        current = [str(n)[:65] for n in names]
    else:
        current = ["#" + n for n in topic_selectors.suggested_topic_names(group)]
    limit = actions.MAX_SUGGESTED_TOPICS
    current = (current + [""] * limit)[:limit]
    return render(
        request,
        "knowledge/group_topics.html",
        {"group": group, "names": current, "error": error, "limit": limit},
        status=400 if error else 200,
    )
