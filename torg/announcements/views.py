"""Announcement pages and htmx endpoints. Thin: access looks up, actions write, selectors read.

"Mark as read" is a POST form: with htmx it swaps the home feed's announcement list (or the
post's announcement bar) in place; without JavaScript it redirects back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.announcements import actions, selectors
from torg.announcements.access import access_announcement, access_receipts, can_announce
from torg.announcements.export import receipts_csv
from torg.announcements.forms import MarkForm
from torg.announcements.models import Announcement
from torg.groups.access import as_person
from torg.posts.access import access_post
from torg.posts.selectors import post_detail

if TYPE_CHECKING:
    from torg.accounts.models import User


def _person(request: HttpRequest) -> User:
    person = as_person(request.user)
    if person is None:
        raise PermissionDenied
    return person


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@require_http_methods(["GET", "POST"])
@login_required
def mark(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    if not can_announce(person, post):
        raise PermissionDenied(_("Only group admins and communications staff can do that."))
    existing = Announcement.objects.filter(post=post).first()
    initial = {}
    if existing is not None:
        reminder = "none"
        if existing.remind_at is not None:
            delay = existing.remind_at - existing.announced_at
            reminder = next((k for k, v in actions.REMINDERS.items() if v == delay), "none")
        initial = {"until": existing.until, "reminder": reminder}
    form = MarkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_mark_announcement(
                actor=person,
                post=post,
                until=form.cleaned_data["until"],
                reminder=form.cleaned_data["reminder"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            if existing is None:
                messages.success(
                    request,
                    _("The post is now an announcement. Members see it on top of their home feed."),
                )
            else:
                messages.success(request, _("Announcement updated."))
            return redirect("posts:detail", post_id=post.pk)
    return render(
        request,
        "announcements/mark.html",
        {"post": post_detail(person, post.pk), "form": form, "announcement": existing},
    )


@require_POST
@login_required
def unmark(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    announcement = access_announcement(person, post_id)
    try:
        actions.do_unmark_announcement(actor=person, post=announcement.post)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The post is no longer an announcement."))
    return redirect("posts:detail", post_id=announcement.post_id)


@require_POST
@login_required
def read(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    announcement = access_announcement(person, post_id)
    actions.do_acknowledge(actor=person, announcement=announcement)
    if _is_htmx(request):
        if request.POST.get("place") == "top":
            return render(
                request,
                "announcements/_top_list.html",
                {"announcements": selectors.pending_for(person), "read_now": announcement},
            )
        return render(
            request, "announcements/_post_bar.html", {"post": post_detail(person, post_id)}
        )
    messages.success(request, _("Marked as read."))
    return _back(request, "/")


@require_GET
@login_required
def receipts(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    announcement = access_receipts(person, post_id)
    status = request.GET.get("status", "waiting")
    if status not in ("read", "waiting"):
        status = "waiting"
    paginator = Paginator(
        selectors.receipt_people(announcement, status), selectors.RECEIPTS_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "announcements/receipts.html",
        {
            "announcement": announcement,
            "post": announcement.post,
            "counts": selectors.receipt_counts(announcement),
            "status": status,
            "page": page,
            "people": list(page.object_list),
        },
    )


@require_GET
@login_required
def receipts_export(request: HttpRequest, post_id: int) -> HttpResponse:
    return receipts_csv(access_receipts(_person(request), post_id))
