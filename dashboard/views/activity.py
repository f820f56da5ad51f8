"""The desk's latest changes: who changed what, and when."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from ..forms import ActivityFilterForm
from ..http import AuthedRequest, login_required, page_or_partial
from ..selectors.activity import changes_page, describe_changes


@login_required
@require_GET
def activity(request: AuthedRequest) -> HttpResponse:
    filters = ActivityFilterForm(request.GET)
    kind = filters.kind_or_all()
    page = changes_page(kind, **filters.cursor())
    context = {
        "filters": filters,
        "kind": kind,
        "page": page,
        "entries": describe_changes(page.changes),
    }
    template = page_or_partial(request, "dashboard/activity.html", {"activity-list"})
    return TemplateResponse(request, template, context)
