"""Access to the dashboard's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

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
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated or not request.htmx:
            return checked(request, *args, **kwargs)
        page = request.htmx.current_url_abs_path or request.get_full_path()
        response = HttpResponseClientRedirect(redirect_to_login(page).url)
        patch_vary_headers(response, ["HX-Request"])
        return response

    return wrapper
