"""
The API's two middlewares: a partner's conditional read answered 304 before
the rest of the stack, and the one JSON error shape for errors that happen
outside DRF.

A partner's 304

Partners poll: most of their requests are a GET with If-None-Match that
nothing has changed since. Through the whole middleware chain and DRF
(authentication classes, permission, throttle) such a 304 cost three times a
trivial view. Here it costs one query, the key's, which reads the change
log's head along.

Answering before DRF is sound because a partner may read every GET endpoint
under /api/v1/ (ModelPermissionsOrPartnerReadOnly), and because a matching
tag cannot be stale nor made up: it carries the head of the log that moves
whenever what the partner reads there changes (the partners' feed, or for
the parties the change log: api.conditional.head_for), and an HMAC of the
URL, Accept and caller that only a 200 of that URL ever handed out
(api/conditional.py). Whatever this
middleware is not sure of (no If-None-Match, a key that is not valid, revoked
or expired, a tag that does not match, a staff token or a session, another
method) goes on untouched, and the views answer it as they would have.

It sits just inside CORS and the JSON error shape, so that the request id,
the security headers and a partner origin's CORS headers are on the 304 too.
Such a 304 is not counted against the partner's rate (docs/api.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import is_valid_path
from rest_framework.exceptions import AuthenticationFailed

from .auth import HeadedKey, PartnerKeyAuthentication
from .conditional import (
    API_PREFIX,
    PARTNER,
    SAFE_READS,
    if_none_match_hits,
    representation_tag,
    set_validators,
    versioned_by_the_feed,
)
from .errors import PayloadTooLarge, json_error_response


class PartnerNotModifiedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = partner_not_modified(request)
        return response if response is not None else self.get_response(request)


def partner_not_modified(request: HttpRequest) -> HttpResponse | None:
    """A 304 for a partner whose If-None-Match names the current representation, else None."""
    if (
        request.method not in SAFE_READS
        or "HTTP_IF_NONE_MATCH" not in request.META
        or not request.path_info.startswith(API_PREFIX)
    ):
        return None
    # What CommonMiddleware would check first: a Host not in ALLOWED_HOSTS is a 400.
    request.get_host()
    try:
        credentials = PartnerKeyAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None  # the views answer 401, saying why
    if credentials is None:
        return None  # not a partner key
    _, key = credentials
    headed = cast(HeadedKey, key)
    head = headed.change_log_head
    if versioned_by_the_feed(request.path_info) and headed.feed_head is not None:
        head = headed.feed_head
    tag = representation_tag(request, caller=PARTNER, head=head)
    if not if_none_match_hits(request, tag):
        return None
    response = HttpResponseNotModified()
    set_validators(response, etag=tag, head=head)
    return response


class APIErrorsAsJSONMiddleware:
    """
    Errors that happen outside DRF's views (no route matched, a crash, a
    request Django refused before routing) come back as Django's HTML pages,
    and with DEBUG on as the technical pages. Under /api/ a partner's client
    expects the one JSON error shape whatever went wrong, so swap them here.
    The traceback of a 500 still goes to the log (django.request).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and self.too_large(request):
            # Refused before anything reads the body: Django would stop at
            # the limit too, but with a 400 that says nothing of the size.
            return json_error_response(413, request=request, message=str(PayloadTooLarge().detail))
        if self.lacks_its_slash(request):
            # CommonMiddleware would redirect, and a client following the
            # redirect turns its write into a GET (with DEBUG on, it crashes).
            return json_error_response(
                404, request=request, message=f"API paths end with a slash: {request.path}/"
            )
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not _is_json(response)
        ):
            return json_error_response(response.status_code, request=request, original=response)
        return response

    @staticmethod
    def too_large(request: HttpRequest) -> bool:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or ""
        return limit is not None and length.isdigit() and int(length) > limit

    @staticmethod
    def lacks_its_slash(request: HttpRequest) -> bool:
        return (
            request.path.startswith("/api/")
            and not request.path.endswith("/")
            and request.method not in ("GET", "HEAD")
            and bool(is_valid_path(f"{request.path_info}/", getattr(request, "urlconf", None)))
        )


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return "json" in content_type.split(";")[0]
