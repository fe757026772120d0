"""Group pages. Thin: look up through access.py, read through selectors, write through actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.groups import actions, selectors
from torg.groups.access import GroupNotFound, access_group_by_slug
from torg.groups.forms import GroupForm, InviteForm, JoinForm, RoleForm, RuleForm
from torg.groups.models import AutoMembershipRule, Group, JoinRequest, Membership

if TYPE_CHECKING:
    from torg.accounts.models import User

MAX_ID = 2**63 - 1


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run an action; report a refusal as an error message instead of raising."""
    try:
        action()
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _error_text(refusal))
        return False
    messages.success(request, success)
    return True


def _error_text(refusal: ValidationError | PermissionDenied) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(str(message) for message in refusal.messages)
    return str(refusal) or _("You may not do that.")


def _back(group: Group, name: str = "groups:detail") -> HttpResponseRedirect:
    return redirect(name, slug=group.slug)


def _member_user(user_id: int) -> User:
    """A person by id for a membership change; unknown ids answer like an unknown group."""
    if not 0 < user_id <= MAX_ID:
        raise GroupNotFound
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise GroupNotFound
    return user


# --- pages -------------------------------------------------------------------------------------


@require_GET
@login_required
def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    mine = request.GET.get("mine") == "1"
    groups = selectors.directory_groups(request.user, q=q, kind=kind, mine=mine)
    page = selectors.paginate(groups, request.GET.get("page"))
    return render(
        request,
        "groups/directory.html",
        {
            "page": page,
            "groups": page.object_list,
            "q": q,
            "kind": kind if kind in Group.Kind.values else "",
            "mine": mine,
            "kinds": Group.Kind.choices,
            "may_create": not _person(request).is_guest,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person.is_guest:
        raise PermissionDenied(_("Guests cannot create groups."))
    form = GroupForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.do_create_group(
                actor=person,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                privacy=form.cleaned_data["privacy"],
                kind=form.cleaned_data["kind"],
                parent=form.cleaned_data["parent"],
                is_company_wide=form.cleaned_data.get("is_company_wide") or False,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The group %(name)s was created.") % {"name": group.name})
            return _back(group)
    return render(request, "groups/form.html", {"form": form, "group": None})


@require_GET
@login_required
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    page = selectors.group_page(request.user, group)
    return render(
        request,
        "groups/detail.html",
        {"group": group, "page": page, "viewer": page.viewer, "join_form": JoinForm()},
    )


@require_GET
@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    viewer = selectors.viewer_of(request.user, group)
    if not viewer.may_see_content:
        raise PermissionDenied(_("Only members can see who is in this group."))
    q = request.GET.get("q", "")[:100]
    page = selectors.paginate(
        selectors.members_of(group, q=q), request.GET.get("page"), selectors.MEMBERS_PAGE_SIZE
    )
    may_invite = viewer.may_invite and (
        group.privacy != Group.Privacy.SECRET or viewer.is_moderator
    )
    invite_q = request.GET.get("invite_q", "")[:100]
    candidates = selectors.invite_candidates(group, q=invite_q) if may_invite else []
    context = {
        "group": group,
        "viewer": viewer,
        "page": page,
        "memberships": page.object_list,
        "q": q,
        "may_invite": may_invite,
        "invite_q": invite_q,
        "candidates": candidates,
        "roles": Membership.Role.choices,
    }
    if request.headers.get("HX-Request") and request.GET.get("partial") == "candidates":
        return render(request, "groups/_invite_candidates.html", context)
    return render(request, "groups/members.html", context)


@require_GET
@login_required
def requests(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    viewer = selectors.viewer_of(request.user, group)
    if not viewer.is_moderator:
        raise PermissionDenied(_("Only group admins and moderators can see join requests."))
    return render(
        request,
        "groups/requests.html",
        {
            "group": group,
            "viewer": viewer,
            "join_requests": list(selectors.pending_requests(group)),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def settings(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    person = _person(request)
    viewer = selectors.viewer_of(person, group)
    if not viewer.is_admin:
        raise PermissionDenied(_("Only group admins can change the settings."))
    initial = {
        "name": group.name,
        "description": group.description,
        "privacy": group.privacy,
        "kind": group.kind,
        "parent": group.parent_id,
        "is_company_wide": group.is_company_wide,
    }
    form = GroupForm(request.POST or None, user=person, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_group(
                actor=person,
                group=group,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                privacy=form.cleaned_data["privacy"],
                kind=form.cleaned_data["kind"],
                parent=form.cleaned_data["parent"],
                is_company_wide=form.cleaned_data.get("is_company_wide"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The settings were saved."))
            return _back(group, "groups:settings")
    return render(
        request,
        "groups/settings.html",
        {
            "group": group,
            "viewer": viewer,
            "form": form,
            "rule_form": RuleForm(),
            "rules": selectors.rules_of(group),
        },
    )


# --- POST endpoints ----------------------------------------------------------------------------


@require_POST
@login_required
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    form = JoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    success = (
        _("You asked to join. A group admin will answer.")
        if group.privacy == Group.Privacy.CLOSED
        else _("Welcome to %(name)s!") % {"name": group.name}
    )
    _run(
        request,
        lambda: actions.do_join_group(actor=_person(request), group=group, message=message),
        success,
    )
    return _back(group)


@require_POST
@login_required
def cancel_request(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    _run(
        request,
        lambda: actions.do_cancel_join_request(actor=_person(request), group=group),
        _("Your request was withdrawn."),
    )
    return _back(group)


@require_POST
@login_required
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    ok = _run(
        request,
        lambda: actions.do_leave_group(actor=_person(request), group=group),
        _("You left %(name)s.") % {"name": group.name},
    )
    if ok and group.privacy == Group.Privacy.SECRET:
        # The group is hidden from the person now.
        return redirect("groups:directory")
    return _back(group)


def _join_request(group: Group, request_id: int) -> JoinRequest:
    if not 0 < request_id <= MAX_ID:
        raise GroupNotFound
    join_request = (
        JoinRequest.objects.select_related("group", "user")
        .filter(group=group, pk=request_id)
        .first()
    )
    if join_request is None:
        raise GroupNotFound
    return join_request


@require_POST
@login_required
def approve(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    join_request = _join_request(group, request_id)
    _run(
        request,
        lambda: actions.do_approve_join_request(actor=_person(request), join_request=join_request),
        _("%(name)s is now a member.") % {"name": join_request.user},
    )
    return _back(group, "groups:requests")


@require_POST
@login_required
def deny(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    join_request = _join_request(group, request_id)
    _run(
        request,
        lambda: actions.do_deny_join_request(actor=_person(request), join_request=join_request),
        _("The request from %(name)s was denied.") % {"name": join_request.user},
    )
    return _back(group, "groups:requests")


@require_POST
@login_required
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person to invite."))
        return _back(group, "groups:members")
    invitee = get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
    if invitee is None:
        messages.error(request, _("This person does not exist or is no longer active."))
        return _back(group, "groups:members")
    _run(
        request,
        lambda: actions.do_invite_to_group(actor=_person(request), group=group, invitee=invitee),
        _("%(name)s was invited.") % {"name": invitee},
    )
    return _back(group, "groups:members")


@require_POST
@login_required
def accept_invitation(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    _run(
        request,
        lambda: actions.do_accept_invitation(actor=_person(request), group=group),
        _("Welcome to %(name)s!") % {"name": group.name},
    )
    return _back(group)


@require_POST
@login_required
def decline_invitation(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    ok = _run(
        request,
        lambda: actions.do_decline_invitation(actor=_person(request), group=group),
        _("You declined the invitation."),
    )
    if ok and group.privacy != Group.Privacy.OPEN:
        return redirect("groups:directory")
    return _back(group)


@require_POST
@login_required
def remove_member(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    member = _member_user(user_id)
    _run(
        request,
        lambda: actions.do_remove_member(actor=_person(request), group=group, user=member),
        _("%(name)s was removed from the group.") % {"name": member},
    )
    return _back(group, "groups:members")


@require_POST
@login_required
def change_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    member = _member_user(user_id)
    form = RoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else request.POST.get("role", "")[:20]
    _run(
        request,
        lambda: actions.do_change_role(actor=_person(request), group=group, user=member, role=role),
        _("The role of %(name)s was changed.") % {"name": member},
    )
    return _back(group, "groups:members")


@require_POST
@login_required
def add_rule(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    person = _person(request)
    form = RuleForm(request.POST)
    if not form.is_valid():
        if not selectors.viewer_of(person, group).is_admin:
            raise PermissionDenied(_("Only group admins can do that."))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(group, "groups:settings")
    _run(
        request,
        lambda: actions.do_add_rule(
            actor=person,
            group=group,
            department=form.cleaned_data["department"],
            location=form.cleaned_data["location"],
        ),
        _("The rule was added; everyone who matches it is now a member."),
    )
    return _back(group, "groups:settings")


@require_POST
@login_required
def remove_rule(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    if not 0 < rule_id <= MAX_ID:
        raise GroupNotFound
    rule = (
        AutoMembershipRule.objects.select_related("group").filter(group=group, pk=rule_id).first()
    )
    if rule is None:
        raise GroupNotFound
    _run(
        request,
        lambda: actions.do_remove_rule(actor=_person(request), rule=rule),
        _("The rule was removed."),
    )
    return _back(group, "groups:settings")
