"""
Shared API plumbing that DRF's settings name: the one error shape (the
exception handler, and a middleware for errors outside DRF), pagination and
strict ordering. The view-side plumbing is in config/api_views.py: DRF loads
this module while rest_framework.generics is still importing, so nothing
here may import generics, viewsets or drf_spectacular.openapi.

Every error the API returns, whoever raises it (a serializer, a service, a
permission check, Django's own 404 or 500), has one JSON shape:

    {"error": {"status": 400, "code": "invalid", "message": "page_size: ...",
               "fields": {"page_size": ["..."]}}}

`fields` is always there, empty when the error is not about a field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import is_valid_path
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from sources.services import StaleObjectError

# The error shape


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, "
        "not_acceptable, unsupported_media_type, conflict, precondition_failed, throttled, "
        "server_error."
    )
    message = serializers.CharField(help_text="What went wrong, for a person to read.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For invalid input: each offending field (body field or query parameter) "
        "with its messages. Empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object changed since you loaded it. Reload and try again."
    default_code = "conflict"


def error_body(
    status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    }


def _messages(detail: Any, prefix: str = "") -> list[str]:
    """Flatten a nested DRF error detail into plain strings."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _messages(value, f"{prefix}{key}: ")
        ]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item, prefix)]
    return [f"{prefix}{detail}"]


def _field_errors(detail: Any) -> tuple[str, dict[str, list[str]]]:
    """(message, fields) for a ValidationError's detail."""
    if not isinstance(detail, dict):
        messages = _messages(detail)
        return " ".join(messages) or "Invalid input.", {}
    fields: dict[str, list[str]] = {}
    for key, value in detail.items():
        name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)
        fields[name] = _messages(value)
    message = " ".join(
        f"{name}: {messages[0]}" if name != api_settings.NON_FIELD_ERRORS_KEY else messages[0]
        for name, messages in fields.items()
        if messages
    )
    return message or "Invalid input.", fields


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    if isinstance(exc, StaleObjectError):
        # Viewsets answer it 412 (ConditionalRequestsMixin); a view without
        # the mixin still refuses the stale write, as a conflict.
        return Conflict(str(exc))
    if isinstance(exc, IntegrityError):
        # The services validate before they write, so this is a race lost to
        # a concurrent write (two creates of the same slug): retrying answers.
        return Conflict("A concurrent change conflicts with this one. Reload and try again.")
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, fed Django's and the services' exceptions, answering in the one shape."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, turned into JSON by APIErrorsAsJSONMiddleware
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _field_errors(exc.detail)
        code = "invalid"
    else:
        message, fields = " ".join(_messages(exc.detail)), {}
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = getattr(exc, "default_code", "error")
    response.data = error_body(response.status_code, code, message, fields)
    return response


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


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
    def lacks_its_slash(request: HttpRequest) -> bool:
        return (
            request.path.startswith("/api/")
            and not request.path.endswith("/")
            and request.method not in ("GET", "HEAD")
            and is_valid_path(f"{request.path_info}/", getattr(request, "urlconf", None))
        )


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return "json" in content_type.split(";")[0]


def json_error_response(
    status_code: int,
    *,
    request: HttpRequest,
    original: HttpResponse | None = None,
    message: str | None = None,
) -> JsonResponse:
    if status_code >= 500:
        code, default = "server_error", "The server failed to answer this request; it has been logged."
    elif status_code == 404:
        code, default = "not_found", f"Nothing at {request.path}. See /api/v1/docs/ for the API's paths."
    else:
        code, default = _CODES.get(status_code, "error"), "The request was refused."
    message = message or default
    response = JsonResponse(error_body(status_code, code, message), status=status_code)
    if original is not None:
        for header in ("Allow", "WWW-Authenticate", "Retry-After", "Vary"):
            if original.has_header(header):
                response[header] = original[header]
    return response


# Pagination

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def positive_int_param(request: Request, name: str, *, maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
        bound = f" between 1 and {maximum}" if maximum else ""
        raise exceptions.ValidationError({name: [f"Must be a whole number{bound}."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise exceptions.ValidationError({name: [f"Must be a whole number between 1 and {maximum}."]})
    return value


class Pagination(PageNumberPagination):
    """
    Page-number pagination with `count`, `next`, `previous`, `results`.

    A page size outside 1–100 is refused with a 400 naming `page_size`
    rather than silently clamped: a partner asking for 500 rows and
    receiving 100 would think it had everything.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "A page number within the paginated result set (1, 2, …)."
    page_size_query_description = "Results per page, 1 to 100 (default 20)."

    def get_page_size(self, request: Request) -> int:
        size = positive_int_param(request, self.page_size_query_param, maximum=self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request: Request, paginator: Any) -> int:
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return positive_int_param(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"] = {"type": "integer", "minimum": 1}
        page_size["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return [page, page_size]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["required"] = ["count", "next", "previous", "results"]
        return response_schema


# Filtering


def refuse_empty_parameters(request: Request, names: Any) -> None:
    """
    A parameter sent with no value is an error, not "no filter": a client
    that sent `verdict=` meant something, and silently listing everything
    would hide its bug. A NUL character is refused too: PostgreSQL cannot
    even compare one.
    """
    errors = {}
    for name in names:
        values = request.query_params.getlist(name)
        if "" in values:
            errors[name] = ["May not be empty: leave the parameter out instead."]
        elif any("\x00" in value for value in values):
            errors[name] = ["May not contain a NUL character."]
    if errors:
        raise exceptions.ValidationError(errors)


class FilterBackend(DjangoFilterBackend):
    """
    django-filter's backend, refusing empty parameters, and skipped when the
    request names none of the filters: building and validating the form
    (with a queryset per model choice) is a tenth of an unfiltered list's
    time, for nothing.
    """

    def filter_queryset(self, request: Request, queryset: models.QuerySet, view: Any) -> models.QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = set(filterset_class.base_filters) & set(request.query_params)
        if not named:
            return queryset
        refuse_empty_parameters(request, sorted(named))
        return super().filter_queryset(request, queryset, view)


# Ordering


class OrderingFilter(filters.OrderingFilter):
    """
    DRF's ordering, but an unknown field is a 400 naming `ordering` instead
    of being silently ignored, and the id breaks ties so that pages never
    repeat or skip a row.
    """

    def get_ordering(self, request: Request, queryset: models.QuerySet, view: Any) -> list[str]:
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            refuse_empty_parameters(request, [self.ordering_param])
            allowed = self.allowed_terms(view)
            terms = [term.strip() for term in params.split(",")]
            unknown = [term for term in terms if term not in allowed]
            if unknown:
                raise exceptions.ValidationError(
                    {self.ordering_param: [
                        f"Unknown ordering {', '.join(repr(t) for t in unknown)}; "
                        f"choose from {', '.join(sorted(allowed))} (comma-separated)."
                    ]}
                )
            ordering = terms
        else:
            ordering = list(self.get_default_ordering(view) or queryset.query.order_by
                            or queryset.model._meta.ordering)
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("id")
        return ordering

    def allowed_terms(self, view: Any) -> set[str]:
        fields = getattr(view, "ordering_fields", None) or ()
        return {prefix + field for field in fields for prefix in ("", "-")}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if not getattr(view, "ordering_fields", None):
            return []
        return [{
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": "Sort by these fields, comma-separated; a leading - reverses. "
            f"Fields: {', '.join(view.ordering_fields)}.",
            "schema": {"type": "string", "enum": sorted(self.allowed_terms(view))},
        }]
