"""
How the dashboard answers a browser and htmx: the request its views receive,
sign-in that htmx can follow, the Vary policy, the page or the one partial
htmx targets, and the flash messages swapped in out of band.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class AuthedRequest(HttpRequest):
    """
    A request as a dashboard view receives it: behind login_required, so
    its user is signed in, and read by django-htmx's middleware.
    """

    user: User
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def login_required(view: View) -> View:
    """
    Django's login_required, except for htmx. A poll or a search as you type
    whose session has expired would follow the redirect itself and swap the
    login page into the fragment it asked for; instead it is told to load
    the login page as the whole page (HX-Redirect), which then returns to
    the page the user was on rather than to the fragment's URL.
    """
    checked = django_login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Not yet an AuthedRequest (its user is what this checks), so the
        # htmx headers are read here rather than through request.htmx.
        htmx = HtmxDetails(request)
        if request.user.is_authenticated or not htmx:
            return checked(request, *args, **kwargs)
        page = htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(redirect_to_login(page).url)

    return wrapper


# The headers by which a dashboard view picks the page or a partial.
HTMX_HEADERS = ("HX-Request", "HX-Target")


class VaryOnHtmxMiddleware:
    """
    Says on every dashboard response that it depends on the htmx headers:
    without Vary, a browser could answer a full-page navigation from a
    cached fragment (the back button). The API and the admin never read
    them, so their responses are left as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Set once the URL resolves; "dashboard" is the app_name of dashboard/urls.py.
        match = request.resolver_match
        if match is not None and match.app_name == "dashboard":
            patch_vary_headers(response, HTMX_HEADERS)
        return response


class RefuseNulInQueryMiddleware:
    """
    A query parameter with a NUL character is a 400 on the pages (the
    dashboard, the admin, sign-in): PostgreSQL cannot even compare such
    text, so a search or a picker that passed it on answered 500. Form
    fields refuse NUL themselves; this covers what views read from the query
    string directly. The API names the offending parameter itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith("/api/") and "\x00" in "".join(
            key + "".join(values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "A search or filter in this address contains a NUL character, "
                "which no text can hold. Remove it and try again.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def page_or_partial(request: AuthedRequest, template: str, partials: set[str]) -> str:
    """
    The partial htmx targets (a partial's name is the id of its root), else
    the page. So one URL serves the page, its results and its pager alike; a
    history restore asks for the whole page again.
    """
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target in partials:
            return f"{template}#{request.htmx.target}"
    return template


def with_oob_messages(request: AuthedRequest, response: TemplateResponse) -> HttpResponse:
    """
    The fragment followed by the flash messages, swapped out of band into
    #messages: the news of a save, or nothing, which clears the news of the
    one before.
    """
    response.render()
    response.content += render_to_string(
        "dashboard/base.html#messages", {"swap_oob": True}, request=request
    ).encode()
    return response


# Live pages (static/dashboard/live.js): each page that shows scores holds a
# hidden poller that asks for the page's live parts with the newest change
# it has seen (?since=), targeting itself, so its id names the partial.


def is_poll(request: AuthedRequest, poller: str) -> bool:
    return bool(request.htmx) and request.htmx.target == poller


def unchanged_since(request: AuthedRequest, poller: str, latest: int) -> bool:
    """
    Whether a poll has already seen the newest change: then the change log's
    newest id, one indexed query, is all it costs, and it is answered 204.
    """
    return is_poll(request, poller) and request.GET.get("since") == str(latest)


# htmx stops a poll answered with this status.
STOP_POLLING = 286


def gone(request: AuthedRequest, what: str) -> HttpResponse:
    """
    A poll finding its page's object deleted by someone else: it stops, and
    the page says so in place of the messages, left as it was for reading.
    """
    message = f"{what} was deleted by someone else while you were reading it."
    html = render_to_string(
        "dashboard/base.html#messages", {"gone": message, "live": True}, request=request
    )
    return HttpResponse(html, status=STOP_POLLING)
