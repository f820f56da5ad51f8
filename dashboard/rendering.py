"""How a dashboard view answers: the whole page, or the fragment htmx swaps."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.vary import vary_on_headers

# The response depends on these headers: without Vary, a browser could
# answer a full-page navigation from a cached fragment (the back button).
htmx_vary = vary_on_headers("HX-Request", "HX-Target")


def page_or_partial(request: HttpRequest, template: str, partials: set[str]) -> str:
    """
    The partial htmx targets (a partial's name is the id of its root), else
    the page. So one URL serves the page, its results and its pager alike; a
    history restore asks for the whole page again.
    """
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target in partials:
            return f"{template}#{request.htmx.target}"
    return template
