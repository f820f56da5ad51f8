"""The parties resource: the sides that hold accounts. Writes go through sources/services.py."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from publishing.representation import ACCOUNT, SOURCE
from publishing.selectors import visible
from sources import services
from sources.models import Party

from ..inputs import VersionedInput
from ..released import reads_released
from ..viewsets import ServiceViewSet


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "slug", "name", "description", "version", "created_at", "updated_at"]
        read_only_fields = fields


class PartyInputSerializer(VersionedInput):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)


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
class PartyViewSet(ServiceViewSet[Party]):
    """The sides that hold accounts in disputes (governments, delegations, organisations)."""

    serializer_class = PartySerializer
    input_serializer_class = PartyInputSerializer
    filterset_class = PartyFilter
    ordering_fields = ["name", "updated_at"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Party]:
        if self.request.method in SAFE_METHODS and reads_released(self.request):
            # No revision freezes a party: partners read the live parties
            # that a released account or source names, and no other.
            named = Q(slug__in=visible(ACCOUNT).values("party_slug")) | Q(
                slug__in=visible(SOURCE).exclude(party_slug="").values("party_slug")
            )
            return Party.objects.filter(named)
        return Party.objects.all()

    def create_object(self, *, by: Any, **fields: Any) -> Party:
        return services.create_party(by=by, **fields)

    def update_object(
        self, obj: Party, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Party:
        return services.update_party(party=obj, by=by, expected_version=expected_version, **fields)

    def delete_object(self, obj: Party, *, by: Any, expected_version: int | None) -> None:
        services.delete_party(party=obj, by=by, expected_version=expected_version)
