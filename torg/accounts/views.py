from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from torg.accounts import actions
from torg.accounts.access import (
    InvitationInvalid,
    access_invitation_by_token,
    access_own_api_token,
    access_own_experience,
)
from torg.accounts.avatars import process_avatar
from torg.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    AvatarForm,
    ExperienceForm,
    InviteForm,
    LoginForm,
    PreferencesForm,
    ProfileForm,
    SignupForm,
    TorgPasswordResetForm,
)
from torg.accounts.models import ApiToken, User
from torg.groups.access import visible_groups
from torg.people.models import Experience

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _add_errors(form: Form, error: ValidationError, default_field: str | None = None) -> None:
    """Put an action's errors next to the fields that caused them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, error)


# --- Sign in and out ----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["signup_enabled"] = bool(settings.SIGNUP_DOMAINS)
        return context


login_view = LoginView.as_view()


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def login_locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Axes calls this when an account or IP address has too many failed sign-ins."""
    form = LoginForm(request, data=None, initial={"username": request.POST.get("username", "")})
    minutes = int(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "signup_enabled": bool(settings.SIGNUP_DOMAINS),
            "locked_out": _(
                "Too many failed sign-in attempts. For your security, signing in is paused "
                "for %(minutes)d minutes. You can reset your password meanwhile."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    from django.utils import translation

    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if len(next_url) > 2000 or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    # Not redirect(): it would try to resolve a bare word like "home" as a view name.
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            actions.do_update_profile(user=_me(request), update={"language": language})
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


# --- Password reset (Django's views, Torg's templates) ------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = TorgPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        from axes.utils import reset

        response = super().form_valid(form)
        # Whoever can read the mailbox may sign in again at once, not after the lock-out.
        reset(username=form.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Invitations and sign-up --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not me.is_network_admin:
        raise Http404
    groups = visible_groups(me).order_by("name")
    form = InviteForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            invitations = actions.do_invite_people(
                actor=me,
                emails_to_invite=form.cleaned_data["emails"],
                is_guest=form.cleaned_data["is_guest"],
                groups=list(form.cleaned_data["groups"]),
            )
        except ValidationError as error:
            _add_errors(form, error, "emails")
        else:
            messages.success(
                request,
                _("Invitations sent to %(emails)s.")
                % {"emails": ", ".join(i.email for i in invitations)},
            )
            return redirect("accounts:invite")
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "invitation_days": settings.INVITATION_DAYS},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_DOMAINS:
        raise Http404
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email = actions.do_sign_up(email=form.cleaned_data["email"])
        except ValidationError as error:
            _add_errors(form, error, "email")
        else:
            return render(request, "accounts/signup_sent.html", {"email": email})
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "domains": settings.SIGNUP_DOMAINS},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = access_invitation_by_token(token)
    except InvitationInvalid as invalid:
        return _invitation_invalid(request, invalid)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.do_accept_invitation(
                invitation=invitation,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except InvitationInvalid as invalid:
            return _invitation_invalid(request, invalid)
        except ValidationError as error:
            _add_errors(form, error, "name")
        else:
            if request.user.is_authenticated:
                from django.contrib.auth import logout

                logout(request)
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome to Torg! Your account is ready."))
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/accept_invitation.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def _invitation_invalid(request: HttpRequest, invalid: InvitationInvalid) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"signup_enabled": bool(settings.SIGNUP_DOMAINS)},
        status=410 if invalid.gone else 404,
    )


# --- Settings -----------------------------------------------------------------------------


def _profile_initial(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "job_title": user.job_title,
        "department": user.department_id,
        "location": user.location_id,
        "manager_email": user.manager.email if user.manager else "",
        "phone": user.phone,
        "bio": user.bio,
        "skills": ", ".join(skill.name for skill in user.skills.all()),
        "languages": ", ".join(user.languages or []),
    }


def _render_settings(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user = User.objects.select_related("manager").get(pk=_me(request).pk)
    context: dict[str, Any] = {
        "profile_form": ProfileForm(initial=_profile_initial(user), prefix="profile"),
        "avatar_form": AvatarForm(prefix="avatar"),
        "experience_form": ExperienceForm(prefix="experience"),
        "preferences_form": PreferencesForm(
            initial={"time_zone": user.time_zone, "language": user.language},
            prefix="preferences",
        ),
        "password_form": PasswordChangeForm(user, prefix="password"),
        "token_form": ApiTokenForm(prefix="token"),
        "experiences": Experience.objects.filter(user=user),
        "api_tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True),
        "person": user,
        "new_token": None,
    }
    context.update(forms)
    return render(request, "accounts/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_settings(request)
    me = _me(request)
    form = ProfileForm(request.POST, prefix="profile")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_profile(
                user=me,
                update={
                    "name": data["name"],
                    "job_title": data["job_title"],
                    "department": data["department"],
                    "location": data["location"],
                    "manager": data["manager_email"],
                    "phone": data["phone"],
                    "bio": data["bio"],
                    "skills": actions.parse_tags(data["skills"]),
                    "languages": actions.parse_tags(data["languages"]),
                },
            )
        except ValidationError as error:
            _add_errors(form, error.__class__(_rename_manager(error)))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:settings")
    return _render_settings(request, status=400, profile_form=form)


def _rename_manager(error: ValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {
            ("manager_email" if field == "manager" else field): errors
            for field, errors in error.error_dict.items()
        }
    return error.error_list


@login_required
@require_POST
def avatar_upload(request: HttpRequest) -> HttpResponse:
    form = AvatarForm(request.POST, request.FILES, prefix="avatar")
    if form.is_valid():
        upload = form.cleaned_data["avatar"]
        try:
            processed = process_avatar(upload, upload.size)
        except ValidationError as error:
            form.add_error("avatar", error)
        else:
            actions.do_set_avatar(user=_me(request), avatar=processed)
            messages.success(request, _("Your picture is updated."))
            return redirect(reverse("accounts:settings") + "#picture")
    return _render_settings(request, status=400, avatar_form=form)


@login_required
@require_POST
def avatar_remove(request: HttpRequest) -> HttpResponse:
    actions.do_remove_avatar(user=_me(request))
    messages.success(request, _("Your picture is removed."))
    return redirect(reverse("accounts:settings") + "#picture")


@login_required
@require_POST
def experience_add(request: HttpRequest) -> HttpResponse:
    form = ExperienceForm(request.POST, prefix="experience")
    if form.is_valid():
        try:
            actions.do_add_experience(user=_me(request), **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error, "title")
        else:
            messages.success(request, _("Experience added."))
            return redirect(reverse("accounts:settings") + "#experience")
    return _render_settings(request, status=400, experience_form=form)


@login_required
@require_POST
def experience_delete(request: HttpRequest, experience_id: int) -> HttpResponse:
    me = _me(request)
    experience = access_own_experience(me, experience_id)
    actions.do_delete_experience(user=me, experience=experience)
    messages.success(request, _("Experience removed."))
    return redirect(reverse("accounts:settings") + "#experience")


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST, prefix="preferences")
    if form.is_valid():
        try:
            actions.do_update_profile(
                user=_me(request),
                update={
                    "time_zone": form.cleaned_data["time_zone"],
                    "language": form.cleaned_data["language"],
                },
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            response = redirect(reverse("accounts:settings") + "#preferences")
            if form.cleaned_data["language"]:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
                )
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            messages.success(request, _("Your language and time zone are saved."))
            return response
    return _render_settings(request, status=400, preferences_form=form)


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = PasswordChangeForm(me, request.POST, prefix="password")
    if form.is_valid():
        actions.do_change_password(user=me, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, me)
        messages.success(request, _("Your password is changed."))
        return redirect(reverse("accounts:settings") + "#password")
    return _render_settings(request, status=400, password_form=form)


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    actions.do_sign_out_everywhere(user=me)
    # This session stays signed in; every other one now fails its auth-hash check.
    update_session_auth_hash(request, me)
    messages.success(request, _("You are signed out on every other device and browser."))
    return redirect(reverse("accounts:settings") + "#sessions")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST, prefix="token")
    if form.is_valid():
        try:
            token, secret = actions.do_create_api_token(
                user=_me(request), name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            _add_errors(form, error, "name")
        else:
            # Rendered, not redirected: the secret is shown this once and never stored.
            response = _render_settings(request, new_token={"token": token, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return _render_settings(request, status=400, token_form=form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    me = _me(request)
    token = access_own_api_token(me, token_id)
    actions.do_revoke_api_token(user=me, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect(reverse("accounts:settings") + "#tokens")
