from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from torg.groups.access import access_group_by_slug


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


@login_required
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_by_slug(request.user, slug)
    return render(request, "core/home.html", {"group": group})
