"""The desk's latest changes: who changed what, and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .. import source_queries
from ..source_forms import ActivityFilterForm

CHANGES_PER_PAGE = 50


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def activity(request: HttpRequest) -> HttpResponse:
    filters = ActivityFilterForm(request.GET)
    kind = filters.kind_or_all()
    page = Paginator(source_queries.activity(kind), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    changes = list(page.object_list)
    source_queries.describe_changes(changes)
    context = {"filters": filters, "kind": kind, "page": page, "changes": changes}
    template = "dashboard/activity.html"
    if request.htmx and request.htmx.target == "activity-list":
        template += "#activity-list"
    return TemplateResponse(request, template, context)
