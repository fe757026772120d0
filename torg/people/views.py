from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    raise Http404


@login_required
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    raise Http404


@login_required
def avatar(request: HttpRequest, user_id: int) -> HttpResponse:
    raise Http404
