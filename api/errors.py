"""
The one error shape. DRF loads this module (its EXCEPTION_HANDLER) while
rest_framework.generics is still importing, so nothing here may import
generics, viewsets or drf_spectacular.openapi.

Every error the API returns, whoever raises it (a serializer, a service, a
permission check, Django's own 404 or 500), has one JSON shape:

    {"error": {"status": 400, "code": "invalid", "message": "page_size: ...",
               "fields": {"page_size": ["..."]}}}

`fields` is always there, empty when the error is not about a field.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from changelog.writes import StaleObjectError

from .conditional import PreconditionFailed

# The error shape


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, "
        "not_acceptable, unsupported_media_type, conflict, precondition_failed, throttled, "
        "transition_not_allowed, server_error."
    )
    message = serializers.CharField(help_text="What went wrong, for a person to read.")
    # DRF's metaclass moves declared fields off the class, so this does not
    # shadow Serializer.fields at runtime; the stubs cannot tell.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For invalid input: each offending field (body field or query parameter) "
        "with its messages. Empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        size = f"{limit // 1024} KB" if limit else "the limit"
        super().__init__(f"The body is larger than {size}; send a smaller request.")


class TransitionNotAllowed(exceptions.APIException):
    """A publishing transition the dispute's state does not allow (the service says why)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "transition_not_allowed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A concurrent change conflicts with this one. Reload and try again."
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
        if getattr(exc, "code", None) == TransitionNotAllowed.default_code:
            return TransitionNotAllowed(exc.messages[0])
        return exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, StaleObjectError):
        return PreconditionFailed(str(exc))
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
    # DRF's handler answers APIExceptions only (Http404 and PermissionDenied
    # were converted above).
    exc = cast(exceptions.APIException, exc)
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _field_errors(exc.detail)
        code = "invalid"
    else:
        message, fields = " ".join(_messages(exc.detail)), {}
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
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


def json_error_response(
    status_code: int,
    *,
    request: HttpRequest,
    original: HttpResponse | None = None,
    message: str | None = None,
) -> JsonResponse:
    if status_code >= 500:
        code, default = (
            "server_error",
            "The server failed to answer this request; it has been logged.",
        )
    elif status_code == 404:
        code, default = (
            "not_found",
            f"Nothing at {request.path}. See /api/v1/docs/ for the API's paths.",
        )
    else:
        code, default = _CODES.get(status_code, "error"), "The request was refused."
    body = error_body(status_code, code, message or default)
    # DRF already said what went wrong, but rendered it as HTML or YAML (the
    # docs, the schema): keep its words.
    data = getattr(original, "data", None)
    if message is None and isinstance(data, dict) and isinstance(data.get("error"), dict):
        body = data
    response = JsonResponse(body, status=status_code)
    if original is not None:
        for header in ("Allow", "WWW-Authenticate", "Retry-After", "Vary"):
            if original.has_header(header):
                response[header] = original[header]
    return response
