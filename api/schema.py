"""The OpenAPI schema class: every operation documents the errors it can answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import Direction

from .conditional import ConditionalRequestsMixin, openapi_parameters
from .errors import ErrorSerializer
from .released import VIEW_PARAMETER

_TIME = {"type": "string", "format": "date-time"}
_CORRECTIONS = {
    "type": "array",
    "description": "Partners only: the corrections partners were given, oldest first (on a "
    "claim or an account, those of the revisions that changed its verdict).",
    "items": {
        "type": "object",
        "required": ["at", "note"],
        "properties": {"at": _TIME, "note": {"type": "string"}},
    },
}
_NINJS = {
    # No enum: the schema's enum naming would take it for the publication's.
    "pub_status": {
        "type": "string",
        "description": "Partners only: `usable` (a withheld or canceled dispute is a tombstone).",
    },
    "first_published_at": {
        **_TIME,
        "description": "Partners only: when partners first read this object.",
    },
    "version_created_at": {
        **_TIME,
        "description": "Partners only: when the editor published the revision in which "
        "this object last changed (`version`).",
    },
    "embargoed_until": {
        **_TIME,
        "nullable": True,
        "description": "Partners only: the embargo that revision was released at, if any.",
    },
}
# The fields what partners read adds to each representation, by the name a
# serializer gives in `publication_fields`.
PUBLICATION_FIELDS: dict[str, dict[str, Any]] = {
    "with_corrections": {**_NINJS, "corrections": _CORRECTIONS},
    "plain": _NINJS,
}


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

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
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
        return isinstance(self.view, ConditionalRequestsMixin)

    def get_override_parameters(self) -> list[Any]:
        # The conditional headers the view honours (ETag validators, If-Match,
        # Idempotency-Key) are part of the contract too.
        parameters = list(super().get_override_parameters())
        if self._is_conditional():
            parameters += openapi_parameters(self.method)
        if self.method == "GET" and self._action() in getattr(self.view, "released_actions", ()):
            parameters.append(VIEW_PARAMETER)
        return parameters

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _map_serializer(
        self, serializer: Any, direction: Direction, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        fields = PUBLICATION_FIELDS.get(getattr(serializer, "publication_fields", ""), {})
        if direction == "response" and fields:
            # What partners read carries these too (docs/api.md); staff do not.
            schema.setdefault("properties", {}).update(fields)
        return schema

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            # An empty query parameter is refused (refuse_empty_parameters).
            if (
                parameter["in"] == "query"
                and schema.get("type") == "string"
                and "enum" not in schema
            ):
                schema.setdefault("minLength", 1)
        return parameters

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "406", "429"]
        has_path_parameter = "{" in self.path
        if self.method == "GET":
            if self._is_list_view() or self._get_filter_parameters() or not has_path_parameter:
                codes += ["400"]
            if self._action() in getattr(self.view, "released_actions", ()):
                codes += ["400"]  # a `view` that is not one
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "415"]
        if self.method == "POST":
            codes += ["409", "422"]
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes += ["400", "409", "412"]
        if self.method == "POST" and self._action() in getattr(self.view, "if_match_actions", ()):
            codes += ["412"]
        if has_path_parameter or self._is_list_view():
            codes += ["404"]
        return sorted(set(codes))
