"""
Filtering and ordering for every list, strict about their parameters: an
unknown or empty value is a 400 naming the parameter, never a silently
unfiltered list. DRF loads this module from its settings, so it imports
nothing of DRF's views.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import django_filters
from django import forms
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters
from rest_framework.request import Request


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

    def filter_queryset(
        self, request: Request, queryset: models.QuerySet, view: Any
    ) -> models.QuerySet:
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
                    {
                        self.ordering_param: [
                            f"Unknown ordering {', '.join(repr(t) for t in unknown)}; "
                            f"choose from {', '.join(sorted(allowed))} (comma-separated)."
                        ]
                    }
                )
            ordering = terms
        else:
            # Field names, never expressions: the models' Meta.ordering and the
            # resources' querysets order by name only.
            default = (
                self.get_default_ordering(view)
                or queryset.query.order_by
                or queryset.model._meta.ordering
            )
            ordering = list(cast("Sequence[str]", default))
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("id")
        return ordering

    def allowed_terms(self, view: Any) -> set[str]:
        fields = getattr(view, "ordering_fields", None) or ()
        return {prefix + field for field in fields for prefix in ("", "-")}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if not getattr(view, "ordering_fields", None):
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by these fields, comma-separated; a leading - reverses. "
                f"Fields: {', '.join(view.ordering_fields)}.",
                "schema": {"type": "string", "enum": sorted(self.allowed_terms(view))},
            }
        ]


# Times


class UTCDateTimeField(IsoDateTimeField):
    """
    An ISO 8601 time, converted to UTC: Python accepts offsets of up to a
    day, PostgreSQL only up to sixteen hours.
    """

    def to_python(self, value: str | None) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.", code="overflow") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField
