"""
Partner API: parties. Writes go through sources/services.py.

Sources are served by claims/source_api.py: a source's representation includes
its evidence, which is claims data, and the sources app never depends on claims.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from config.api_conditional import ConditionalRequestsMixin
from config.api_views import ServiceViewSet

from . import services
from .models import Party
from .serializers import PartyInputSerializer, PartySerializer


class PartyFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", help_text="Text in the name.")

    class Meta:
        model = Party
        fields = ["search"]

    def filter_search(self, queryset: QuerySet[Party], name: str, value: str) -> QuerySet[Party]:
        return queryset.filter(name__icontains=value.strip())


@extend_schema_view(
    list=extend_schema(summary="List parties"),
    retrieve=extend_schema(summary="A party, by slug"),
    create=extend_schema(summary="Add a party", responses={201: PartySerializer}),
    update=extend_schema(summary="Replace a party", responses={200: PartySerializer}),
    partial_update=extend_schema(summary="Edit a party", responses={200: PartySerializer}),
    destroy=extend_schema(summary="Delete a party that holds no account and no source"),
)
class PartyViewSet(ConditionalRequestsMixin, ServiceViewSet):
    """The sides that hold accounts in disputes (governments, delegations, organisations)."""

    serializer_class = PartySerializer
    input_serializer_class = PartyInputSerializer
    filterset_class = PartyFilter
    ordering_fields = ["name", "updated_at"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Party]:
        return Party.objects.all()

    def create_object(self, *, by: Any, **fields: Any) -> Party:
        return services.create_party(by=by, **fields)

    def update_object(self, obj: Party, *, by: Any, expected_version: int | None, **fields: Any) -> Party:
        return services.update_party(party=obj, by=by, expected_version=expected_version, **fields)

    def delete_object(self, obj: Party, *, by: Any, expected_version: int | None) -> None:
        services.delete_party(party=obj, by=by, expected_version=expected_version)
