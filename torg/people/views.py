"""People pages: directory, profile, org chart and avatars. Thin: access + selectors."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from torg.people.access import PersonNotFound, access_person
from torg.people.forms import DirectoryFilterForm
from torg.people.selectors import org_chart, profile_context, search_people

PAGE_SIZE = 25
AVATAR_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@login_required
@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filtered = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        department, location = data["department"], data["location"]
        people = search_people(
            request.user,
            q=data["q"],
            department_id=department.pk if department else None,
            location_id=location.pk if location else None,
            skill=data["skill"],
        )
        filtered = any(data.values())
    else:
        people = search_people(request.user)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filtered": filtered,
        "query": query.urlencode(),
        "skill": form.cleaned_data.get("skill") if form.is_bound and form.is_valid() else "",
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "people-results":
        return render(request, "people/_results.html", context, status=status)
    return render(request, "people/directory.html", context, status=status)


@login_required
@require_safe
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = access_person(request.user, user_id)
    return render(
        request, "people/profile.html", {"profile": profile_context(request.user, person)}
    )


@login_required
@require_safe
def orgchart(request: HttpRequest, user_id: int) -> HttpResponse:
    person = access_person(request.user, user_id)
    return render(request, "people/orgchart.html", {"chart": org_chart(request.user, person)})


@login_required
@require_safe
def avatar(request: HttpRequest, user_id: int) -> FileResponse:
    person = access_person(request.user, user_id)
    if not person.avatar:
        raise PersonNotFound
    name = person.avatar.name or ""
    content_type, _encoding = mimetypes.guess_type(name)
    if content_type not in AVATAR_TYPES:
        raise PersonNotFound
    try:
        handle = person.avatar.storage.open(name, "rb")
    except OSError as exc:
        raise PersonNotFound from exc
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response
