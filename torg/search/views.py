"""The search page. Thin: the form parses, ``results.search`` does the work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from torg.search import results
from torg.search.forms import SearchForm
from torg.search.models import SearchDocument
from torg.search.selectors import parse


@login_required
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, actor=request.user)
    context: dict[str, object] = {"form": form, "results": None, "kinds": SearchDocument.Kind}
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            query = parse(data["q"])
            found = results.search(
                request.user,
                query,
                kind=data["type"] or None,
                filters=form.filters(),
                order=data["order"],
                page=data["page"] or 1,
            )
            params = request.GET.copy()
            params.pop("page", None)
            without_type = params.copy()
            without_type.pop("type", None)
            context.update(
                results=found,
                q=data["q"],
                group=form.group_obj,
                author=form.author_obj,
                params=params.urlencode(),
                params_without_type=without_type.urlencode(),
            )
        else:
            status = 400
    template = "search/search.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "search-results":
        template = "search/_results.html"
    return render(request, template, context, status=status)
