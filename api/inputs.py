"""
The bases every input serializer (the body of a write) builds on: explicit
fields, each value of its JSON type, text a database can store, and a URL
field that allows "" as the models do. Inputs validate shape only; the
services validate against the database and write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(
    {"type": "string", "oneOf": [{"format": "uri", "minLength": 1}, {"maxLength": 0}]}
)
class BlankableURLField(serializers.CharField):
    """
    A URL, or the empty string when there is none (as the models store it).
    A CharField that checks the URL itself: drf-spectacular would document a
    URLField as a URI always, and "" is not one.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 500)
        if not kwargs.get("read_only"):
            kwargs.setdefault("required", False)
            kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value:
            try:
                URLValidator()(value)
            except DjangoValidationError:
                raise serializers.ValidationError("Enter a valid URL.", code="invalid") from None
        return value


# What a JSON value must be for each kind of input field. DRF would coerce
# 5 into "5" for a text field and "5" into 5 for an id: a client sending the
# wrong type has a bug worth hearing about, so refuse instead.
JSON_TYPES: list[tuple[tuple[type, ...], type, str]] = [
    ((serializers.BooleanField,), bool, "true or false"),
    ((serializers.IntegerField, serializers.PrimaryKeyRelatedField), int, "a whole number"),
    (
        (
            serializers.CharField,
            serializers.ChoiceField,
            serializers.SlugRelatedField,
            serializers.DateTimeField,
        ),
        str,
        "a string",
    ),
]


def storable(text: str) -> bool:
    """PostgreSQL refuses NUL characters, and no database can encode a lone surrogate."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def wrong_json_type(field: serializers.Field, value: Any) -> str | None:
    """What the value should have been, if its JSON type is wrong for the field."""
    if value is None:
        return None  # the field's own allow_null decides
    if isinstance(value, str) and not storable(value):
        return "text without NUL characters or lone surrogates"
    if isinstance(field, serializers.RelatedField) and value == "":
        # DRF reads "" as null for a relation; a client meaning none sends null.
        return (
            "a slug, or null"
            if isinstance(field, serializers.SlugRelatedField)
            else "an id, or null"
        )
    for field_classes, json_type, description in JSON_TYPES:
        if isinstance(field, field_classes):
            if not isinstance(value, json_type) or (json_type is int and isinstance(value, bool)):
                return description
            return None
    return None


class InputSerializer(serializers.Serializer):
    """The body of a write: explicit fields, each value of its JSON type."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            errors = {
                name: [f"Must be {expected}."]
                for name, field in self.fields.items()
                if name in data and (expected := wrong_json_type(field, data[name]))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class VersionedInput(InputSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        write_only=True,
        help_text="On an update: the version you read. If the object has changed since, "
        "the write is refused with 412 instead of overwriting someone else's edit.",
    )
