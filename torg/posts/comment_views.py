"""Comment and reaction pages and htmx partials. Thin: access, then an action or a selector.

Every view works without JavaScript (normal GET/POST, redirect back) and answers htmx requests
with the partial that replaces or extends what is on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.posts import comment_actions, reaction_actions
from torg.posts.access import access_post, can_moderate_post, parse_id
from torg.posts.attachments import do_update_alt_text
from torg.posts.comment_actions import CommentNotFound, access_comment
from torg.posts.models import Attachment, Comment, Post, Reaction

if TYPE_CHECKING:
    from torg.accounts.models import User


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the ``next`` the form carried (same site only), else to ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"body": [str(m) for m in error.messages]}


def _refusal_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You may not do that.")


def _thread_url(post: Post) -> str:
    return reverse("comments:list", args=[post.pk])


def _context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    return {"post": post, "can_moderate": can_moderate_post(request.user, post), **extra}


def _thread_page(
    request: HttpRequest, post: Post, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The full thread page (the no-JavaScript fallback for every partial)."""
    if "thread" not in context:
        context["thread"] = comment_actions.comments_page(request.user, post)
        _with_reactions(request, context["thread"].comments, context["can_moderate"])
    context["post_summary"] = reaction_actions.reaction_summary_for([post], request.user)[post.pk]
    return render(request, "posts/comment_thread.html", context, status=status)


def _with_reactions(
    request: HttpRequest, comments: list[Comment], can_moderate: bool = False
) -> list[Comment]:
    """Reactions and media (images, files, video players) of these comments and their replies.

    ``can_moderate`` (the viewer may delete any comment of the post): they manage every
    comment's video too (torg.media.access.can_manage_video), so they get its links."""
    tree = comment_actions.comment_tree(comments)
    reaction_actions.attach_comment_reactions(tree, request.user)
    comment_actions.attach_comment_media(tree, request.user)
    if can_moderate:
        for comment in tree:
            comment.card_can_manage_videos = True  # type: ignore[attr-defined]
    return comments


# --- comments ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def comments(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access_post(request.user, post_id)
    if request.method == "POST":
        return _create(request, post)
    page = comment_actions.comments_page(request.user, post, before=request.GET.get("before"))
    context = _context(request, post, thread=page)
    _with_reactions(request, page.comments, context["can_moderate"])
    if _is_htmx(request):
        return render(request, "posts/_comments.html#earlier", context)
    return _thread_page(request, post, context)


def _own_uploads(person: User, attachment_ids: list[str]) -> list[Attachment]:
    """``person``'s uploads among ``attachment_ids`` that no post or comment took yet, in the
    order given (what a comment box may carry, and put back after a refused submit)."""
    ids = [pk for pk in (parse_id(raw) for raw in attachment_ids) if pk is not None]
    if not ids:
        return []
    found = Attachment.objects.filter(
        pk__in=ids, uploader=person, post__isnull=True, comment__isnull=True
    ).in_bulk()
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def _save_alt_texts(request: HttpRequest, uploads: list[Attachment]) -> None:
    """The descriptions typed next to pictures in the comment box (``alt_<id>``)."""
    for attachment in uploads:
        alt_text = request.POST.get(f"alt_{attachment.pk}")
        if alt_text is not None and attachment.kind == Attachment.Kind.IMAGE:
            do_update_alt_text(actor=_person(request), attachment=attachment, alt_text=alt_text)


def _create(request: HttpRequest, post: Post) -> HttpResponse:
    body = request.POST.get("body", "")
    parent_id = request.POST.get("parent") or None
    attachment_ids = request.POST.getlist("attachments")
    uploads = _own_uploads(_person(request), attachment_ids)
    _save_alt_texts(request, uploads)
    try:
        comment = comment_actions.do_create_comment(
            actor=_person(request),
            post=post,
            body=body,
            parent_id=parent_id,  # type: ignore[arg-type]
            attachment_ids=attachment_ids,
        )
    except ValidationError as error:
        context = _context(
            request,
            post,
            body=body,
            errors=_field_errors(error),
            parent_id=parent_id,
            kept_attachments=uploads,
        )
        if _is_htmx(request):
            return render(request, "posts/_comments.html#comment_form", context)
        return _thread_page(request, post, context, status=400)
    if _is_htmx(request):
        comment_actions.attach_comment_media(
            [comment], request.user, attachments=None if attachment_ids else []
        )
        context = _context(request, post, comment=comment, created=True, parent_id=parent_id)
        return render(request, "posts/_comments.html#created", context)
    return _back(request, _thread_url(post) + f"#comment-{comment.pk}")


@require_GET
@login_required
def replies(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    if comment.parent_id is not None:
        raise CommentNotFound
    found = comment_actions.replies_of(request.user, comment)
    context = _context(request, comment.post, replies=found)
    _with_reactions(request, found, context["can_moderate"])
    if _is_htmx(request):
        return render(request, "posts/_comments.html#replies", context)
    return redirect(_thread_url(comment.post) + f"#comment-{comment.pk}")


@require_GET
@login_required
def reply_form(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    top_id = comment.parent_id or comment.pk
    context = _context(request, comment.post, parent_id=top_id, reply_to=comment)
    if _is_htmx(request):
        return render(request, "posts/_comments.html#comment_form", context)
    return _thread_page(request, comment.post, context)


@require_GET
@login_required
def comment_detail(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    if _is_htmx(request):
        context = _context(request, comment.post, comment=comment)
        _with_reactions(request, [comment], context["can_moderate"])
        return render(request, "posts/_comment.html", context)
    return redirect(_thread_url(comment.post) + f"#comment-{comment.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    if not comment_actions.can_edit_comment(request.user, comment):
        raise PermissionDenied(_("Only the author can edit a comment."))
    context = _context(request, comment.post, comment=comment, body=comment.body)
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            comment = comment_actions.do_edit_comment(
                actor=_person(request), comment=comment, body=body
            )
        except ValidationError as error:
            context.update(body=body, errors=_field_errors(error))
            if _is_htmx(request):
                return render(request, "posts/_comments.html#edit_form", context)
            context["editing"] = True
            return _thread_page(request, comment.post, context, status=400)
        if _is_htmx(request):
            _with_reactions(request, [comment], context["can_moderate"])
            context["comment"] = comment
            return render(request, "posts/_comment.html", context)
        return _back(request, _thread_url(comment.post) + f"#comment-{comment.pk}")
    if _is_htmx(request):
        return render(request, "posts/_comments.html#edit_form", context)
    context["editing"] = True
    return _thread_page(request, comment.post, context)


@require_POST
@login_required
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    post = comment.post
    deleted = comment_actions.do_delete_comment(actor=_person(request), comment=comment)
    if _is_htmx(request):
        if deleted.parent_id is None and deleted.reply_count > 0:
            # Keep the thread: show the placeholder with its replies.
            deleted.visible_replies = comment_actions.replies_of(  # type: ignore[attr-defined]
                request.user, deleted
            )
            context = _context(request, post, comment=deleted)
            _with_reactions(request, [deleted], context["can_moderate"])
            return render(request, "posts/_comment.html", context)
        return HttpResponse("")
    return _back(request, _thread_url(post))


# --- reactions ---------------------------------------------------------------------------------


def _react(request: HttpRequest, target: Post | Comment) -> HttpResponse:
    kind = request.POST.get("kind", "")
    actor = _person(request)
    try:
        if request.POST.get("remove"):
            reaction_actions.do_unreact(actor=actor, target=target)
        else:
            reaction_actions.do_toggle_reaction(actor=actor, target=target, kind=kind)
    except ValidationError as error:
        return HttpResponse(_refusal_text(error), status=400, content_type="text/plain")
    post = target.post if isinstance(target, Comment) else target
    if _is_htmx(request):
        target.refresh_from_db(fields=["reaction_count"])
        if isinstance(target, Comment):
            summary = reaction_actions.reaction_summary_for_comments([target], actor)[target.pk]
        else:
            summary = reaction_actions.reaction_summary_for([target], actor)[target.pk]
        context = {"target": target, "summary": summary, "is_comment": isinstance(target, Comment)}
        return render(request, "posts/_reactions.html", context)
    return _back(request, _thread_url(post))


@require_POST
@login_required
def react_post(request: HttpRequest, post_id: int) -> HttpResponse:
    return _react(request, access_post(request.user, post_id))


@require_POST
@login_required
def react_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    return _react(request, access_comment(request.user, comment_id))


def _who(request: HttpRequest, target: Post | Comment, post: Post) -> HttpResponse:
    kind = request.GET.get("kind") or None
    try:
        page = reaction_actions.who_reacted(
            request.user, target, kind, after=request.GET.get("after")
        )
    except ValidationError as error:
        return HttpResponse(_refusal_text(error), status=400, content_type="text/plain")
    if isinstance(target, Comment):
        summary = reaction_actions.reaction_summary_for_comments([target], request.user)
    else:
        summary = reaction_actions.reaction_summary_for([target], request.user)
    labels = dict(Reaction.Kind.choices)
    counts = summary[target.pk]["counts"]
    context = {
        "post": post,
        "target": target,
        "is_comment": isinstance(target, Comment),
        "page": page,
        "people": [(person, labels[reaction]) for person, reaction in page.items],
        "kind": kind,
        "kinds": [
            (value, label, counts[value]) for value, label in labels.items() if value in counts
        ],
    }
    if _is_htmx(request):
        return render(request, "posts/who_reacted.html#who_list", context)
    return render(request, "posts/who_reacted.html", context)


@require_GET
@login_required
def post_reactions(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access_post(request.user, post_id)
    return _who(request, post, post)


@require_GET
@login_required
def comment_reactions(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access_comment(request.user, comment_id)
    return _who(request, comment, comment.post)
