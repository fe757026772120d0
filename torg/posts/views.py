"""Post pages and htmx endpoints. Thin: access.py looks up, actions.py writes, selectors read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.core.downloads import private_file_response
from torg.groups.access import access_group_by_slug
from torg.posts import actions, selectors
from torg.posts.access import access_attachment, access_deleted_post, access_post, parse_id
from torg.posts.attachments import do_upload_attachment
from torg.posts.forms import EditForm, PostForm, ShareForm
from torg.posts.models import Attachment, Post

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.groups.models import Group

PROFILE = "profile"


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(refusal: ValidationError | PermissionDenied) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(str(message) for message in refusal.messages)
    return str(refusal) or _("You may not do that.")


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    try:
        action()
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _error_text(refusal))
        return False
    except DatabaseError:
        messages.error(request, _("The server is busy. Please try again in a moment."))
        return False
    messages.success(request, success)
    return True


def _group_from(request: HttpRequest, slug: str) -> Group | None:
    return None if not slug else access_group_by_slug(request.user, slug[:120])


# --- composer ----------------------------------------------------------------------------------


@require_POST
@login_required
def create(request: HttpRequest) -> HttpResponse:
    """The composer's target. htmx: answers with a fresh composer plus the new card (out of band)
    or with the same composer, the error and the text kept."""
    return publish_from_composer(
        request,
        busy=_(
            "The server is busy and your post was not saved. Your text is kept: "
            "please try again in a moment."
        ),
        published=_("Your post was published."),
        detail_url_name="posts:detail",
    )


def publish_from_composer(
    request: HttpRequest, *, busy: str, published: str, detail_url_name: str
) -> HttpResponse:
    """Create a post from the composer's form and answer like the composer expects; also the
    knowledge app's "ask" view, which differs only in its messages and where it leads."""
    person = _person(request)
    group = _group_from(request, request.POST.get("group", ""))
    form = PostForm(request.POST)
    error = ""
    post = None
    if form.is_valid():
        try:
            post = actions.do_create_post(
                author=person,
                group=group,
                body=form.cleaned_data["body"],
                attachment_ids=form.attachment_ids,
                poll=form.poll(),
                alt_texts=form.alt_texts,
                is_question=bool(form.cleaned_data.get("is_question")),
            )
        except (ValidationError, PermissionDenied) as refusal:
            error = _error_text(refusal)
        except DatabaseError:
            error = busy
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if post is None:
        context = {"group": group, "form": form, "composer_error": error}
        if _is_htmx(request):
            return render(request, "posts/_composer.html", context)
        return render(request, "posts/compose.html", context, status=400)
    if not _is_htmx(request):
        messages.success(request, published)
        return redirect(detail_url_name, post_id=post.pk)
    card = selectors.prefetch_for_cards([post], person)[0]
    return render(
        request,
        "posts/_created.html",
        {"group": group, "form": PostForm(), "post": card, "posted": True},
    )


@require_GET
@login_required
def compose(request: HttpRequest) -> HttpResponse:
    """A page with just the composer (the phone's full-screen sheet and no-JS fallback)."""
    group = _group_from(request, request.GET.get("group", ""))
    return render(request, "posts/compose.html", {"group": group, "form": PostForm()})


@require_GET
@login_required
def mention_suggestions(request: HttpRequest) -> JsonResponse:
    people = selectors.mention_suggestions(request.user, request.GET.get("q", ""))
    return JsonResponse(
        {"results": [{"id": p.pk, "name": p.name, "title": p.job_title} for p in people]}
    )


# --- attachments -------------------------------------------------------------------------------


@require_POST
@login_required
def upload(request: HttpRequest) -> JsonResponse:
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"error": _("Choose a file to upload.")}, status=400)
    try:
        attachment = do_upload_attachment(
            uploader=_person(request),
            upload=upload_file,
            alt_text=request.POST.get("alt_text", ""),
        )
    except (ValidationError, PermissionDenied) as refusal:
        return JsonResponse({"error": _error_text(refusal)}, status=400)
    return JsonResponse(attachment_json(attachment), status=201)


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "alt_text": attachment.alt_text,
        "url": reverse("posts:attachment", args=[attachment.pk]),
        "thumbnail_url": (
            reverse("posts:thumbnail", args=[attachment.pk]) if attachment.thumbnail else None
        ),
    }


def _serve(request: HttpRequest, attachment: Attachment, *, thumbnail: bool) -> HttpResponseBase:
    return private_file_response(
        attachment.thumbnail if thumbnail else attachment.file,
        name=attachment.name,
        content_type=attachment.content_type,
        inline=attachment.kind == Attachment.Kind.IMAGE,
        request=request,
    )


@require_GET
@login_required
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    # Access is checked on every request: no public URL, no long-lived cache.
    return _serve(request, access_attachment(request.user, attachment_id), thumbnail=False)


@require_GET
@login_required
def thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    return _serve(request, access_attachment(request.user, attachment_id), thumbnail=True)


# --- post pages --------------------------------------------------------------------------------


@require_GET
@login_required
def detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_detail(request.user, post_id)
    return render(request, "posts/detail.html", {"post": post})


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    if post.author_id != person.pk:
        raise PermissionDenied(_("Only the author can edit a post."))
    form = EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_post(actor=person, post=post, body=form.cleaned_data["body"])
        except (ValidationError, PermissionDenied) as refusal:
            form.add_error("body", _error_text(refusal))
        except DatabaseError:
            form.add_error(None, _("The server is busy. Your text is kept: try again."))
        else:
            messages.success(request, _("Your post was updated."))
            return redirect("posts:detail", post_id=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "posts/edit.html", {"post": post, "form": form}, status=status)


@require_GET
@login_required
def history(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access_post(request.user, post_id)
    return render(
        request,
        "posts/history.html",
        {"post": post, "revisions": list(selectors.post_revisions(post))},
    )


@require_POST
@login_required
def delete(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    if _run(request, lambda: actions.do_delete_post(actor=person, post=post), _("Post deleted.")):
        if post.group is not None:
            return redirect("groups:detail", slug=post.group.slug)
        return redirect("people:profile", post.author_id)
    return redirect("posts:detail", post_id=post.pk)


@require_POST
@login_required
def restore(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_deleted_post(person, post_id)
    _run(request, lambda: actions.do_restore_post(actor=person, post=post), _("Post restored."))
    return redirect("posts:detail", post_id=post.pk)


@require_POST
@login_required
def pin(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    _run(request, lambda: actions.do_pin_post(actor=person, post=post), _("Post pinned."))
    return redirect("posts:detail", post_id=post.pk)


@require_POST
@login_required
def unpin(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    _run(request, lambda: actions.do_unpin_post(actor=person, post=post), _("Post unpinned."))
    return redirect("posts:detail", post_id=post.pk)


@require_http_methods(["GET", "POST"])
@login_required
def share(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    groups = selectors.shareable_groups(person, post)
    original = post.shared_post if post.shared_post_id is not None else post
    choices: list[tuple[str, str]] = []
    shareable_anywhere = original is not None and (
        original.group is None or original.group.privacy == "open"
    )
    if shareable_anywhere and not person.is_guest:
        choices.append((PROFILE, _("My profile")))
    choices += [(g.slug, g.name) for g in groups]
    form = ShareForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        group = None if target == PROFILE else next(g for g in groups if g.slug == target)
        try:
            shared = actions.do_share_post(
                actor=person, post=post, group=group, body=form.cleaned_data["body"]
            )
        except (ValidationError, PermissionDenied) as refusal:
            form.add_error(None, _error_text(refusal))
        else:
            messages.success(request, _("The post was shared."))
            return redirect("posts:detail", post_id=shared.pk)
    status = 400 if request.method == "POST" else 200
    card = selectors.prefetch_for_cards([post], person)[0]
    return render(request, "posts/share.html", {"post": card, "form": form}, status=status)


@require_POST
@login_required
def vote(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    option_ids = [pk for pk in (parse_id(v) for v in request.POST.getlist("option")[:20]) if pk]
    error = ""
    try:
        actions.do_vote_poll(actor=person, post=post, option_ids=option_ids)
    except (ValidationError, PermissionDenied) as refusal:
        error = _error_text(refusal)
    if _is_htmx(request):
        card = selectors.prefetch_for_cards([post], person)[0]
        return render(request, "posts/_poll.html", {"post": card, "poll_error": error})
    if error:
        messages.error(request, error)
    return redirect("posts:detail", post_id=post.pk)


def post_url(post: Post) -> str:
    return reverse("posts:detail", args=[post.pk])
