from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from torg.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login_view = LoginView.as_view()


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def login_locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any):
    """Axes calls this when an account or IP address has too many failed sign-ins."""
    form = LoginForm(request, data=request.POST or None)
    form.errors.clear()
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "locked_out": _(
                "Too many failed sign-in attempts. For your security, signing in is paused "
                "for 30 minutes. You can reset your password meanwhile."
            ),
        },
        status=429,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    from django.conf import settings
    from django.utils import translation

    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    raise Http404


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    raise Http404
