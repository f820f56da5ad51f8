"""The desk's latest changes: who changed what, and when."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from changelog.models import Change

from .. import source_queries
from ..decorators import login_required
from ..rendering import htmx_vary, page_or_partial
from ..source_forms import ActivityFilterForm

CHANGES_PER_PAGE = 50


@dataclass(frozen=True)
class ChangesPage:
    """
    A page of the log, newest first, with the cursors of the pages beside
    it: `newer` for ?after=, `older` for ?before= (None at either end).
    """

    changes: list[Change]
    newer: int | None
    older: int | None


def changes_page(kind: str, *, before: int | None, after: int | None) -> ChangesPage:
    # One row more than a page says whether there is more in that direction.
    changes = source_queries.activity(kind, limit=CHANGES_PER_PAGE + 1, before=before, after=after)
    if after is not None:
        if len(changes) <= CHANGES_PER_PAGE:
            # Back at the newest end: the latest page, full, not a short one.
            return changes_page(kind, before=None, after=None)
        # A page after a cursor has older changes below it (the log is
        # append-only, and the cursor came from them).
        changes = changes[1:]
        return ChangesPage(changes, newer=changes[0].pk, older=changes[-1].pk)
    more = len(changes) > CHANGES_PER_PAGE
    changes = changes[:CHANGES_PER_PAGE]
    return ChangesPage(
        changes,
        newer=changes[0].pk if before is not None and changes else None,
        older=changes[-1].pk if more else None,
    )


@login_required
@require_GET
@htmx_vary
def activity(request: HttpRequest) -> HttpResponse:
    filters = ActivityFilterForm(request.GET)
    kind = filters.kind_or_all()
    page = changes_page(kind, **filters.cursor())
    source_queries.describe_changes(page.changes)
    context = {"filters": filters, "kind": kind, "page": page, "changes": page.changes}
    template = page_or_partial(request, "dashboard/activity.html", {"activity-list"})
    return TemplateResponse(request, template, context)
