"""
Partner API: sources, each with what it has corroborated and its track record.

The resource lives in claims, not sources, because a source's representation
includes its evidence, which is claims data (the sources app never depends on claims).
Creating and deleting a source go through sources/services.py; editing one
goes through claims.services.update_source, which rescores the claims the
source's grade, party or origin weighs on.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions

from config.api_conditional import ConditionalRequestsMixin
from config.api_views import ServiceViewSet
from sources import services as source_services
from sources.models import Party, Reliability, Source, SourceKind
from sources.serializers import SourceInputSerializer

from . import services
from .selectors import evidence_with_verdicts
from .serializers import SourceSerializer

INDEPENDENT = "independent"


class SourceFilter(django_filters.FilterSet):
    party = django_filters.CharFilter(
        method="filter_party",
        help_text=f"A party's slug: the sources affiliated with it; `{INDEPENDENT}` for "
        "sources with no party.",
    )
    reliability = django_filters.ChoiceFilter(
        choices=Reliability.choices, help_text="Admiralty grade A–F."
    )
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="Text in the name or notes.")

    class Meta:
        model = Source
        fields = ["party", "reliability", "kind", "search"]

    def filter_party(self, queryset: QuerySet[Source], name: str, value: str) -> QuerySet[Source]:
        if value == INDEPENDENT:
            return queryset.filter(affiliation__isnull=True)
        party_id = Party.objects.filter(slug=value).values_list("id", flat=True).first()
        if party_id is None:
            raise exceptions.ValidationError(
                {name: [f"No party has the slug {value!r} (use `{INDEPENDENT}` for sources with no party)."]}
            )
        return queryset.filter(affiliation_id=party_id)

    def filter_search(self, queryset: QuerySet[Source], name: str, value: str) -> QuerySet[Source]:
        return queryset.search(value)


@extend_schema_view(
    list=extend_schema(summary="List sources, each with its record"),
    retrieve=extend_schema(summary="A source with what it has corroborated and its track record"),
    create=extend_schema(summary="Add a source", responses={201: SourceSerializer}),
    update=extend_schema(summary="Replace a source (rescores the claims it weighs on)",
                         responses={200: SourceSerializer}),
    partial_update=extend_schema(summary="Edit a source (rescores the claims it weighs on)",
                                 responses={200: SourceSerializer}),
    destroy=extend_schema(summary="Delete a source nobody cites"),
)
class SourceViewSet(ConditionalRequestsMixin, ServiceViewSet):
    """People, offices, outlets and documents that make or back statements."""

    serializer_class = SourceSerializer
    input_serializer_class = SourceInputSerializer
    filterset_class = SourceFilter
    ordering_fields = ["name", "reliability", "updated_at"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Source]:
        # One prefetch feeds both the evidence list and the track record.
        return Source.objects.with_related().prefetch_related(
            Prefetch("corroborations", queryset=evidence_with_verdicts())
        )

    def create_object(self, *, by: Any, **fields: Any) -> Source:
        return source_services.create_source(by=by, **fields)

    def update_object(self, obj: Source, *, by: Any, expected_version: int | None, **fields: Any) -> Source:
        return services.update_source(source=obj, by=by, expected_version=expected_version, **fields)

    def delete_object(self, obj: Source, *, by: Any, expected_version: int | None) -> None:
        source_services.delete_source(source=obj, by=by, expected_version=expected_version)
