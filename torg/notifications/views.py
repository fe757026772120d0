"""Notification pages. Thin: selectors read, actions write (the same ones the API calls)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.groups.access import access_group_by_id
from torg.notifications import actions, email_settings, quiet, selectors
from torg.notifications.forms import EmailPreferenceForm, GroupLevelForm, MuteForm
from torg.notifications.models import GroupNotificationLevel
from torg.people.access import access_person
from torg.posts.access import access_post, parse_id

if TYPE_CHECKING:
    from torg.accounts.models import User


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    try:
        action()
    except (ValidationError, PermissionDenied) as refusal:
        if isinstance(refusal, ValidationError):
            messages.error(request, " ".join(str(m) for m in refusal.messages))
        else:
            messages.error(request, str(refusal) or _("You may not do that."))
        return False
    messages.success(request, success)
    return True


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    try:
        page = selectors.notification_page(person, before=request.GET.get("before"))
    except selectors.InvalidCursor as error:
        raise Http404 from error
    return render(
        request,
        "notifications/list.html",
        {
            "days": selectors.grouped_by_day(page.items),
            "next_before": page.next_before,
            "unread": selectors.unread_count(person),
        },
    )


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell alone, for live refreshes of its count."""
    return render(request, "notifications/_bell.html")


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read, then go to what it is about."""
    person = _person(request)
    notification = actions.access_notification(person, notification_id)
    actions.do_mark_read(actor=person, notification=notification)
    return redirect(selectors.target_url(notification))


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    person = _person(request)
    notification = actions.access_notification(person, notification_id)
    actions.do_mark_read(actor=person, notification=notification)
    return _back(request, "notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    _run(request, lambda: actions.do_mark_all_read(actor=person), _("All marked as read."))
    return redirect("notifications:list")


def _prefill(person: User, request: HttpRequest) -> dict[str, Any] | None:
    """A "mute this" suggestion from ?group=, ?post= or ?person= (ignored when not visible)."""
    for kind in ("group", "post", "person"):
        pk = parse_id(request.GET.get(kind))
        if pk is None:
            continue
        try:
            if kind == "group":
                label = access_group_by_id(person, pk).name
            elif kind == "post":
                post = access_post(person, pk)
                label = _("A post by %(name)s") % {"name": post.author.name}
                return {
                    "target_kind": kind,
                    "target_id": pk,
                    "label": label,
                    "post": post,
                    "following": selectors.is_following(person, pk),
                }
            else:
                label = access_person(person, pk).name
        except Http404:
            return None
        return {"target_kind": kind, "target_id": pk, "label": label}
    return None


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    prefill = _prefill(person, request)
    return render(
        request,
        "notifications/settings.html",
        {
            "levels": selectors.group_levels(person),
            "level_choices": GroupNotificationLevel.Level.choices,
            "mutes": selectors.active_mutes(person),
            "followed": selectors.followed_posts(person),
            "prefill": prefill,
            "mute_form": MuteForm(initial=prefill or {}),
            **_email_context(person),
        },
    )


@login_required
@require_POST
def set_group_level(request: HttpRequest, group_id: int) -> HttpResponse:
    person = _person(request)
    group = access_group_by_id(person, group_id)
    form = GroupLevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the levels."))
    else:
        level = form.cleaned_data["level"]
        _run(
            request,
            lambda: actions.do_set_group_level(actor=person, group=group, level=level),
            _("Saved for %(group)s.") % {"group": group.name},
        )
    return redirect("notifications:settings")


@login_required
@require_POST
def apply_preset(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    _run(
        request,
        lambda: actions.do_apply_mentions_preset(actor=person),
        _("You now get only replies to your posts and mentions."),
    )
    return redirect("notifications:settings")


@login_required
@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.values()))
        return redirect("notifications:settings")
    data = form.cleaned_data
    _run(
        request,
        lambda: actions.do_mute(
            actor=person,
            target_kind=data["target_kind"],
            target_id=data["target_id"],
            duration=data["duration"],
        ),
        _("Muted."),
    )
    return _back(request, "notifications:settings")


@login_required
@require_POST
def unmute(request: HttpRequest, mute_id: int) -> HttpResponse:
    person = _person(request)
    found = actions.access_mute(person, mute_id)
    _run(request, lambda: actions.do_unmute(actor=person, mute=found), _("Unmuted."))
    return redirect("notifications:settings")


@login_required
@require_POST
def follow_post(request: HttpRequest, post_id: int) -> HttpResponse:
    person = _person(request)
    post = access_post(person, post_id)
    following = request.POST.get("following", "1") != "0"
    actions.do_set_post_follow(actor=person, post=post, following=following)
    if request.headers.get("HX-Request"):
        return render(
            request, "notifications/_follow_button.html", {"post": post, "following": following}
        )
    messages.success(
        request,
        _("You follow this post.") if following else _("You no longer follow this post."),
    )
    return _back(request, "notifications:settings")


# --- e-mail --------------------------------------------------------------------------------------


def _email_context(person: User) -> dict[str, Any]:
    preference = email_settings.preference_for(person)
    form = EmailPreferenceForm(
        initial={
            "immediate_kinds": list(preference.immediate_kinds),
            "digest": preference.digest,
            "quiet_start": preference.quiet_start,
            "quiet_end": preference.quiet_end,
            "unsubscribed": preference.unsubscribed,
        }
    )
    return {
        "email_form": form,
        "email_preference": preference,
        "email_time_zone": str(quiet.zone_of(person)),
    }


@login_required
@require_POST
def set_email_preferences(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = EmailPreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(reverse("notifications:settings") + "#email")
    data = form.cleaned_data
    choices = email_settings.EmailChoices(
        immediate_kinds=list(data["immediate_kinds"]),
        digest=data["digest"],
        quiet_start=data["quiet_start"],
        quiet_end=data["quiet_end"],
        unsubscribed=data["unsubscribed"],
    )
    _run(
        request,
        lambda: email_settings.do_set_email_preferences(actor=person, choices=choices),
        _("E-mail settings saved."),
    )
    return redirect(reverse("notifications:settings") + "#email")


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400)


@csrf_exempt  # RFC 8058: the mail client POSTs the link itself, with no form and no cookies.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a button; POST (one click, no sign-in): unsubscribe and say so."""
    try:
        person, category = email_settings.read_unsubscribe_token(token, viewer=request.user)
    except email_settings.InvalidUnsubscribeLink:
        return _invalid_link(request)
    with translation.override(person.language or translation.get_language()):
        what = email_settings.describe_category(category)
        if request.method == "POST":
            email_settings.do_unsubscribe(user=person, category=category)
            return render(
                request,
                "notifications/unsubscribe.html",
                {"state": "done", "what": what, "person": person},
            )
        all_url = None
        if category != "all":
            all_url = reverse(
                "notifications:unsubscribe",
                args=[email_settings.unsubscribe_token(person, "all")],
            )
        return render(
            request,
            "notifications/unsubscribe.html",
            {"state": "confirm", "what": what, "person": person, "all_url": all_url},
        )
