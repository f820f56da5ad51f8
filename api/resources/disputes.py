"""The disputes resource: the contested questions, each with its accounts' credibility."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import Claim, Dispute

from ..inputs import VersionedInput
from ..viewsets import ServiceViewSet
from .accounts import DisputeAccountSerializer, accounts_with_counts
from .claimreview import (
    CLAIM_REVIEW_ACTION,
    CLAIM_REVIEW_GRAPH_SCHEMA,
    SCHEMA_ORG,
    claim_review,
    claim_review_url,
)


class DisputeSerializer(serializers.ModelSerializer):
    accounts = DisputeAccountSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "status",
            "accounts",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DisputeInputSerializer(VersionedInput):
    slug = serializers.SlugField(max_length=100)
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Dispute.Status.choices, required=False)


class DisputeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Dispute.Status.choices)
    search = django_filters.CharFilter(
        method="filter_search", help_text="Text in the title or summary."
    )

    class Meta:
        model = Dispute
        fields = ["status", "search"]

    def filter_search(
        self, queryset: QuerySet[Dispute], name: str, value: str
    ) -> QuerySet[Dispute]:
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))


@extend_schema_view(
    list=extend_schema(summary="List disputes, each with its accounts' credibility"),
    retrieve=extend_schema(summary="A dispute, by slug, with its accounts' credibility"),
    create=extend_schema(summary="Open a dispute", responses={201: DisputeSerializer}),
    update=extend_schema(summary="Replace a dispute", responses={200: DisputeSerializer}),
    partial_update=extend_schema(summary="Edit a dispute", responses={200: DisputeSerializer}),
    destroy=extend_schema(summary="Delete a dispute with its accounts, claims and evidence"),
)
class DisputeViewSet(ServiceViewSet[Dispute]):
    """The contested questions, each with every party's account side by side."""

    serializer_class = DisputeSerializer
    input_serializer_class = DisputeInputSerializer
    filterset_class = DisputeFilter
    ordering_fields = ["created_at", "updated_at", "title"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Dispute]:
        accounts = accounts_with_counts().order_by("party__name", "id")
        return Dispute.objects.prefetch_related(Prefetch("accounts", queryset=accounts))

    def create_object(self, *, by: Any, **fields: Any) -> Dispute:
        return services.create_dispute(by=by, **fields)

    def update_object(
        self, obj: Dispute, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Dispute:
        return services.update_dispute(
            dispute=obj, by=by, expected_version=expected_version, **fields
        )

    def delete_object(self, obj: Dispute, *, by: Any, expected_version: int | None) -> None:
        services.delete_dispute(dispute=obj, by=by, expected_version=expected_version)

    @extend_schema(
        summary="schema.org ClaimReview markup of every claim in the dispute, as an @graph",
        responses={(200, "application/ld+json"): OpenApiResponse(CLAIM_REVIEW_GRAPH_SCHEMA)},
    )
    @action(**CLAIM_REVIEW_ACTION)
    def claimreview(self, request: Request, slug: str) -> Response:
        dispute = self.get_object()
        claims = (
            Claim.objects.filter(account__dispute=dispute)
            .select_related("speaker")
            .order_by("account__party__name", "id")
        )
        graph = [claim_review(claim, url=claim_review_url(request, claim)) for claim in claims]
        return Response({"@context": SCHEMA_ORG, "@graph": graph})
