"""Signing out of the dashboard (signing in is django.contrib.auth's LoginView)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


# Not an AuthedRequest: signing out asks for no session, so the user may be anonymous.
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    # Django's LogoutView redirects without a word; say that it worked. The
    # message outlives the flushed session because the default message
    # storage tries a cookie first.
    auth.logout(request)
    messages.info(request, "You have been logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
