"""
View-side API plumbing: the base class of every CRUD resource (writes through
the services), JSON rendering that splices representations rendered earlier,
JSON-LD rendering, and the schema class that documents the errors each
operation can answer.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .api_base import ErrorSerializer


# Resources whose writes go through the services


class ServiceViewSet(viewsets.ModelViewSet):
    """
    A CRUD resource that reads with serializers and writes with the service
    functions, never with serializer.save(): the services validate against
    the whole database, recompute the scores a write changes and append to
    the change log, whichever door the write comes from.

    Subclasses set `serializer_class` (the representation), `input_serializer_class`
    (the shape of a write: explicit fields, no derived ones) and implement
    create_object, update_object and delete_object by calling a service.
    """

    input_serializer_class: type[serializers.Serializer]
    # JSON only: form encodings read an empty field as "not sent", so a
    # blank choice would be skipped instead of refused.
    parser_classes = [JSONParser]
    # Fields a write may send but never change (a claim's account): they are
    # accepted when unchanged, so a client can PUT back what it read.
    fixed_fields: tuple[str, ...] = ()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.serializer_class

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(request.data)
        fields.pop("version", None)  # only an update has a version to check
        obj = self.create_object(by=request.user, **fields)
        return Response(self.represent(obj), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        fields = self.validated_input(request.data, partial=kwargs.get("partial", False))
        body_version = fields.pop("version", None)
        fields = self.changed_fields(obj, fields)
        expected = self.expected_version()
        obj = self.update_object(
            obj, by=request.user, expected_version=expected if expected is not None else body_version,
            **fields,
        )
        return Response(self.represent(obj))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        # Checked again under the row lock, so a stale delete never removes
        # a version its sender has not seen.
        self.delete_object(obj, by=request.user, expected_version=self.expected_version())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def validated_input(self, data: Any, *, partial: bool = False) -> dict[str, Any]:
        serializer = self.input_serializer_class(
            data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def changed_fields(self, obj: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
        for name in self.fixed_fields:
            if name in fields:
                if fields.pop(name) != getattr(obj, name):
                    raise exceptions.ValidationError({name: ["This field cannot be changed once set."]})
        return fields

    def expected_version(self) -> int | None:
        """The version the client last saw, from If-Match (ConditionalRequestsMixin overrides)."""
        return None

    def represent(self, obj: models.Model) -> dict[str, Any]:
        # Read back through the scoped queryset: the service may have moved
        # scores and the representation needs its related rows.
        fresh = self.get_queryset().get(pk=obj.pk)
        return self.get_output_serializer(fresh).data

    def get_output_serializer(self, obj: models.Model) -> serializers.Serializer:
        return self.serializer_class(obj, context=self.get_serializer_context())

    def create_object(self, *, by: Any, **fields: Any) -> models.Model:
        raise NotImplementedError

    def update_object(
        self, obj: models.Model, *, by: Any, expected_version: int | None, **fields: Any
    ) -> models.Model:
        raise NotImplementedError

    def delete_object(self, obj: models.Model, *, by: Any, expected_version: int | None) -> None:
        raise NotImplementedError


# JSON, with items rendered earlier


class RenderedItems(list):
    """
    A list of JSON texts (bytes), each the rendering of one item by
    JSONRenderer, kept in the cache: the response writes them as they are
    instead of encoding the same objects again.
    """


class SplicingJSONRenderer(JSONRenderer):
    """
    DRF's JSON renderer, which also writes a top-level `results` that is
    RenderedItems (a page of cached representations) without re-encoding it.
    Its bytes are what rendering the decoded items would give: the items were
    rendered by this same class, and the envelope still is.
    """

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, RenderedItems):
            return super().render(data, accepted_media_type, renderer_context)
        envelope = {name: value for name, value in data.items() if name != "results"}
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            # Indented (the browsable API): decode, so the page reads as one.
            envelope["results"] = [json.loads(item) for item in items]
            return super().render(envelope, accepted_media_type, renderer_context)
        head = super().render(envelope, accepted_media_type, renderer_context)
        separator = b"," if envelope else b""
        return head[:-1] + separator + b'"results":[' + b",".join(items) + b"]}"

    @classmethod
    def render_item(cls, item: Any) -> bytes:
        return cls().render(item)


# JSON-LD


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class FirstRendererNegotiation(BaseContentNegotiation):
    """
    For endpoints with one representation (JSON-LD): answer with it whatever
    the Accept header says, since a client asking for application/json can
    read it as well.
    """

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


# The schema: every operation documents the errors it can answer


class AutoSchema(SpectacularAutoSchema):
    ERRORS = {
        "400": "Invalid input: a body field, a filter or a pagination parameter (named in `fields`).",
        "401": "No credentials, or credentials that are not valid.",
        "403": "These credentials may not do this.",
        "404": "No such object (or page).",
        "406": "The Accept header asks for a format this endpoint does not serve.",
        "409": "A concurrent write conflicts, or a POST with the same Idempotency-Key is still running.",
        "412": "The object changed since the ETag sent in If-Match, or the `version` sent in the body.",
        "415": "The body is not JSON.",
        "422": "The Idempotency-Key was used before with another body.",
        "429": "Too many requests: wait for Retry-After seconds.",
    }

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        # Errors raised before the view chooses its renderer (no route
        # matched) are plain JSON, whatever the endpoint's own media type.
        media_types = sorted({"application/json", *self.map_renderers("media_type")})
        for code in self.error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, media_types=media_types, direction=direction
                )
                responses[code]["description"] = self.ERRORS[code]
        if direction == "response" and self.method == "GET" and self._is_conditional():
            responses["304"] = {
                "description": "Not modified: the If-None-Match ETag is still current. No body."
            }
        return responses

    def _is_conditional(self) -> bool:
        # Imported here: this module is loaded while DRF reads its settings,
        # before api_conditional's own imports can be.
        from .api_conditional import ConditionalRequestsMixin

        return isinstance(self.view, ConditionalRequestsMixin)

    def get_override_parameters(self) -> list[Any]:
        # The conditional headers the view honours (ETag validators, If-Match,
        # Idempotency-Key) are part of the contract too.
        from .api_conditional import openapi_parameters

        parameters = list(super().get_override_parameters())
        if self._is_conditional():
            parameters += openapi_parameters(self.method)
        return parameters

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            # An empty query parameter is refused (refuse_empty_parameters).
            if parameter["in"] == "query" and schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("minLength", 1)
        return parameters

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "406", "429"]
        has_path_parameter = "{" in self.path
        if self.method == "GET":
            if self._is_list_view() or self._get_filter_parameters() or not has_path_parameter:
                codes += ["400"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "415"]
        if self.method == "POST":
            codes += ["409", "422"]
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes += ["400", "409", "412"]
        if has_path_parameter or self._is_list_view():
            codes += ["404"]
        return sorted(set(codes))
