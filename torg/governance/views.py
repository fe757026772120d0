"""Governance pages. Thin: permission checks, then actions and selectors.

Pages a person is not entitled to answer 404, like a page that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from torg.governance import (
    audit,
    lifecycle,
    moderation,
    personal,
    roles,
    selectors,
)
from torg.governance import (
    guidelines as guidelines_module,
)
from torg.governance import retention as retention_module
from torg.governance.models import (
    KeywordAlert,
    LegalHold,
    Report,
    RetentionPolicy,
    Role,
)
from torg.groups.access import access_group_by_slug, visible_groups

if TYPE_CHECKING:
    from torg.accounts.models import User

MAX_ID = 2**63 - 1


def _person(request: HttpRequest) -> User:
    user = request.user
    assert user.is_authenticated
    return user


def _require(request: HttpRequest, role: str) -> User:
    person = _person(request)
    if not roles.has_role(person, role):
        raise Http404("Not found")
    return person


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
    messages.success(request, success)
    return True


def _user_by_id(value: Any) -> User | None:
    from torg.posts.access import parse_id

    pk = parse_id(value)
    if pk is None:
        return None
    return get_user_model().objects.filter(pk=pk).first()


# --- overview and roles ----------------------------------------------------------------------


@require_GET
@login_required
def nav(request: HttpRequest) -> HttpResponse:
    """The "Moderation" link for people who moderate something; empty for everyone else."""
    person = _person(request)
    if roles.has_role(person, Role.NETWORK_ADMIN) or moderation.can_moderate(person):
        return render(request, "governance/_nav_link.html")
    return HttpResponse("")


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    is_admin = roles.has_role(person, Role.NETWORK_ADMIN)
    if not is_admin and not moderation.can_moderate(person):
        raise Http404("Not found")
    context: dict[str, Any] = {
        "is_admin": is_admin,
        "can_moderate": moderation.can_moderate(person),
        "open_reports": selectors.open_reports(moderation.reports_for(person)).count(),
    }
    if is_admin:
        context["holders"] = selectors.role_holders()
        context["role_choices"] = Role.choices
    return render(request, "governance/index.html", context)


@require_POST
@login_required
def change_role(request: HttpRequest) -> HttpResponse:
    actor = _require(request, Role.NETWORK_ADMIN)
    target = (
        get_user_model()
        .objects.filter(email__iexact=(request.POST.get("email") or "").strip()[:254])
        .first()
    )
    if target is None:
        target = _user_by_id(request.POST.get("user_id"))
    role = request.POST.get("role", "")
    grant = request.POST.get("change") != "revoke"
    if target is None:
        messages.error(request, _("No person has that e-mail address."))
        return redirect("governance:index")

    def change() -> None:
        changed = (roles.grant if grant else roles.revoke)(actor, target, role)
        if not changed:
            raise ValidationError(_("Nothing changed."))

    _run(request, change, _("The role was changed."))
    return redirect("governance:index")


# --- reports and moderation ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def report(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    person = _person(request)
    if kind not in Report.Kind.values:
        raise Http404("Not found")
    target = moderation.resolve_target(person, kind, target_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            moderation.do_report(
                actor=person,
                kind=kind,
                target_id=target_id,
                reason=request.POST.get("reason", ""),
                details=request.POST.get("details", ""),
            )
        except (ValidationError, PermissionDenied) as refusal:
            errors = [_error_text(refusal)]
        else:
            messages.success(
                request, _("Thank you. A moderator will look at it and let you know the outcome.")
            )
            return redirect(_next(request))
    reasons = [(v, label) for v, label in Report.Reason.choices if v != Report.Reason.KEYWORD]
    return render(
        request,
        "governance/report.html",
        {
            "target": target,
            "kind": kind,
            "reasons": reasons,
            "errors": errors,
            "chosen": request.POST.get("reason", ""),
            "details": request.POST.get("details", ""),
            "next": _next(request),
        },
        status=400 if errors else 200,
    )


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not moderation.can_moderate(person):
        raise Http404("Not found")
    reports = moderation.reports_for(person)
    show = request.GET.get("show", "open")
    items = (
        selectors.open_reports(reports) if show != "done" else selectors.decided_reports(reports)
    )
    return render(
        request,
        "governance/queue.html",
        {
            "page": selectors.paginate(items, request.GET.get("page")),
            "show": "done" if show == "done" else "open",
            "is_network_moderator": roles.has_role(person, Role.MODERATOR),
        },
    )


@require_GET
@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report_row = moderation.access_report(request.user, report_id)
    others = (
        Report.objects.filter(target_kind=report_row.target_kind, target_id=report_row.target_id)
        .exclude(pk=report_row.pk)
        .select_related("reporter")
    )
    return render(
        request,
        "governance/report_detail.html",
        {"report": report_row, "others": list(others)},
    )


@require_POST
@login_required
def decide(request: HttpRequest, report_id: int) -> HttpResponse:
    person = _person(request)
    report_row = moderation.access_report(person, report_id)
    outcome = request.POST.get("outcome", "")
    labels = {
        "hide": _("The content is hidden and the reporter was told."),
        "remove": _("The content is removed and the reporter was told."),
        "warn": _("The author was warned and the reporter was told."),
        "dismiss": _("The report was dismissed and the reporter was told."),
    }
    ok = _run(
        request,
        lambda: moderation.do_decide(
            actor=person, report=report_row, outcome=outcome, note=request.POST.get("note", "")
        ),
        labels.get(outcome, ""),
    )
    if ok:
        return redirect("governance:queue")
    return redirect("governance:report_detail", report_id=report_row.pk)


@require_http_methods(["GET", "POST"])
@login_required
def keywords(request: HttpRequest) -> HttpResponse:
    person = _require(request, Role.MODERATOR)
    if request.method == "POST":
        keyword = request.POST.get("keyword", "")
        if _run(
            request,
            lambda: moderation.do_add_keyword(actor=person, keyword=keyword),
            _("The keyword was added."),
        ):
            return redirect("governance:keywords")
    return render(request, "governance/keywords.html", {"alerts": list(KeywordAlert.objects.all())})


@require_POST
@login_required
def remove_keyword(request: HttpRequest, alert_id: int) -> HttpResponse:
    person = _require(request, Role.MODERATOR)
    _run(
        request,
        lambda: moderation.do_remove_keyword(actor=person, alert_id=alert_id),
        _("The keyword was removed."),
    )
    return redirect("governance:keywords")


# --- audit log -------------------------------------------------------------------------------


def _audit_filters(request: HttpRequest) -> dict[str, str]:
    return {
        "q": request.GET.get("q", "")[:100],
        "action": request.GET.get("action", "")[:64],
        "since": request.GET.get("since", "")[:10],
        "until": request.GET.get("until", "")[:10],
    }


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(request, Role.NETWORK_ADMIN)
    filters = _audit_filters(request)
    events = selectors.audit_events(**filters)
    return render(
        request,
        "governance/audit.html",
        {
            "page": selectors.paginate(events, request.GET.get("page")),
            "filters": filters,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    person = _require(request, Role.NETWORK_ADMIN)
    filters = _audit_filters(request)
    audit.record(person, "audit.export", filters={k: v for k, v in filters.items() if v})
    response = StreamingHttpResponse(
        selectors.audit_csv_rows(selectors.audit_events(**filters)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="torg-audit-{stamp}.csv"'
    return response


# --- group lifecycle -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def groups_overview(request: HttpRequest) -> HttpResponse:
    person = _require(request, Role.NETWORK_ADMIN)
    if request.method == "POST":
        from torg.groups.models import Group

        group = Group.objects.filter(slug=request.POST.get("slug", "")[:120]).first()
        verb = request.POST.get("verb", "")
        if group is None or verb not in ("approve", "reject"):
            raise Http404("Not found")
        do = lifecycle.do_approve_group if verb == "approve" else lifecycle.do_reject_group
        _run(
            request,
            lambda: do(actor=person, group=group),
            _("The group was approved.") if verb == "approve" else _("The group was rejected."),
        )
        return redirect("governance:groups")
    latest = {}
    flagged = list(lifecycle.flagged_groups()[:200])
    if flagged:
        latest = lifecycle.last_activity([g.pk for g in flagged])
    return render(
        request,
        "governance/groups.html",
        {
            "flagged": [(g, latest.get(g.pk)) for g in flagged],
            "archived": list(lifecycle.archived_groups()[:200]),
            "without_admins": list(lifecycle.groups_without_admins()[:200]),
            "pending": list(lifecycle.pending_groups()[:200]),
            "days": lifecycle.inactive_days(),
        },
    )


@require_GET
@login_required
def group_lifecycle(request: HttpRequest, slug: str) -> HttpResponse:
    person = _person(request)
    group = access_group_by_slug(person, slug)
    if not lifecycle.can_manage_lifecycle(person, group):
        raise Http404("Not found")
    state = getattr(group, "lifecycle", None)
    latest = lifecycle.last_activity([group.pk])[group.pk]
    return render(
        request,
        "governance/group_lifecycle.html",
        {"group": group, "state": state, "latest": latest, "days": lifecycle.inactive_days()},
    )


@require_POST
@login_required
def group_lifecycle_action(request: HttpRequest, slug: str, verb: str) -> HttpResponse:
    person = _person(request)
    group = access_group_by_slug(person, slug)
    verbs: dict[str, tuple[Callable[..., Any], str]] = {
        "keep": (lifecycle.do_keep_group, _("The group is kept.")),
        "archive": (lifecycle.do_archive_group, _("The group is archived. It is now read-only.")),
        "unarchive": (lifecycle.do_unarchive_group, _("The group is active again.")),
    }
    if verb not in verbs:
        raise Http404("Not found")
    if not lifecycle.can_manage_lifecycle(person, group):
        raise Http404("Not found")
    do, success = verbs[verb]
    _run(request, lambda: do(actor=person, group=group), success)
    return redirect("governance:group_lifecycle", slug=group.slug)


@require_GET
@login_required
def similar_groups(request: HttpRequest) -> HttpResponse:
    """An htmx hint on the group form: groups with names like the one being typed."""
    person = _person(request)
    name = request.GET.get("name", "")[:100]
    matches = lifecycle.similar_group_names(name, visible=visible_groups(person))
    return render(request, "governance/_similar_groups.html", {"matches": matches, "name": name})


# --- retention and legal holds ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def retention(request: HttpRequest) -> HttpResponse:
    person = _require(request, Role.NETWORK_ADMIN)
    if request.method == "POST":
        form = request.POST.get("form", "")
        group = None
        slug = request.POST.get("group", "").strip()[:120]
        if slug:
            from torg.groups.models import Group

            group = Group.objects.filter(slug=slug).first()
            if group is None:
                messages.error(request, _("No group has that address."))
                return redirect("governance:retention")
        if form == "policy":
            days = request.POST.get("days", "")
            _run(
                request,
                lambda: retention_module.do_set_policy(actor=person, group=group, days=days),
                _("The retention policy was saved."),
            )
        elif form == "hold":
            user = None
            email = request.POST.get("email", "").strip()[:254]
            if email:
                user = get_user_model().objects.filter(email__iexact=email).first()
                if user is None:
                    messages.error(request, _("No person has that e-mail address."))
                    return redirect("governance:retention")
            reason = request.POST.get("reason", "")
            _run(
                request,
                lambda: retention_module.do_add_hold(
                    actor=person, user=user, group=group, reason=reason
                ),
                _("The legal hold was added."),
            )
        return redirect("governance:retention")
    return render(
        request,
        "governance/retention.html",
        {
            "policies": list(
                RetentionPolicy.objects.select_related("group").order_by("group__name")
            ),
            "holds": list(LegalHold.objects.select_related("user", "group").order_by("-id")),
            "preview": retention_module.preview(),
        },
    )


@require_POST
@login_required
def remove_policy(request: HttpRequest, policy_id: int) -> HttpResponse:
    person = _require(request, Role.NETWORK_ADMIN)
    policy = RetentionPolicy.objects.filter(pk=min(policy_id, MAX_ID)).first()
    if policy is None:
        raise Http404("Not found")
    _run(
        request,
        lambda: retention_module.do_remove_policy(actor=person, policy=policy),
        _("The retention policy was removed."),
    )
    return redirect("governance:retention")


@require_POST
@login_required
def remove_hold(request: HttpRequest, hold_id: int) -> HttpResponse:
    person = _require(request, Role.NETWORK_ADMIN)
    hold = LegalHold.objects.filter(pk=min(hold_id, MAX_ID)).first()
    if hold is None:
        raise Http404("Not found")
    _run(
        request,
        lambda: retention_module.do_remove_hold(actor=person, hold=hold),
        _("The legal hold was removed."),
    )
    return redirect("governance:retention")


# --- personal data ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def erase_person(request: HttpRequest) -> HttpResponse:
    """Find a person by e-mail address, then erase them after typing the address again."""
    actor = _require(request, Role.NETWORK_ADMIN)
    email = (request.POST.get("email") or request.GET.get("email") or "").strip()[:254]
    target = get_user_model().objects.filter(email__iexact=email).first() if email else None
    errors: list[str] = []
    if email and target is None:
        errors = [_("No person has that e-mail address.")]
    if request.method == "POST" and target is not None:
        if request.POST.get("confirm", "").strip().lower() != target.email.lower():
            errors = [_("Type the person's e-mail address to confirm.")]
        else:
            try:
                personal.do_erase_person(
                    actor=actor, user=target, policy=request.POST.get("policy", "")
                )
            except (ValidationError, PermissionDenied) as refusal:
                errors = [_error_text(refusal)]
            else:
                messages.success(request, _("The person was erased."))
                return redirect("governance:index")
    return render(
        request,
        "governance/erase.html",
        {
            "target": target,
            "email": email,
            "errors": errors,
            "held": retention_module.is_user_held(target) if target else False,
        },
        status=400 if errors else 200,
    )


@require_GET
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "governance/my_data.html", {})


@require_POST
@login_required
def download_my_data(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    data = personal.do_export_personal_data(actor=person)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="torg-my-data-{stamp}.zip"'
    return response


# --- community guidelines --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def guidelines(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    version = getattr(settings, "TORG_GUIDELINES", "")
    if request.method == "POST":
        if not version:
            return redirect("/")
        guidelines_module.do_accept(actor=person, version=version)
        return redirect(_next(request))
    return render(
        request,
        "governance/guidelines.html",
        {
            "version": version,
            "accepted": guidelines_module.has_accepted(person),
            "next": _next(request),
        },
    )
