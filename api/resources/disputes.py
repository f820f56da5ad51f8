"""The disputes resource: the contested questions, each with its accounts' credibility."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import Claim, Dispute
from publishing.models import RevisionObject
from publishing.representation import CLAIM, DISPUTE
from publishing.selectors import partner_dispute, visible

from ..inputs import VersionedInput
from ..released import (
    DisputeQuery,
    in_order,
    order_by_columns,
    ordering_terms,
    own_text_field,
    page_of,
    reads_released,
    rendered_page,
    sort_items,
)
from ..renderers import RenderedItems, RenderedJSON, SplicingJSONRenderer
from ..viewsets import ServiceViewSet
from .accounts import DisputeAccountSerializer, accounts_with_counts
from .claimreview import (
    CLAIM_REVIEW_ACTION,
    CLAIM_REVIEW_GRAPH_SCHEMA,
    SCHEMA_ORG,
    claim_review,
    claim_review_url,
    released_claim_review,
)
from .claims import speaker_urls
from .publication import CorrectionSerializer, PublicationActions


class DisputeSerializer(serializers.ModelSerializer):
    # What partners read adds the ninjs fields and corrections (api/schema.py).
    publication_fields = "with_corrections"

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


class DisputeTombstoneSerializer(serializers.Serializer):
    """What a partner reads of a withheld or canceled dispute: no content, its publication fields."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    # Not a ChoiceField: its enum would take the name of the publication's,
    # which has `usable` too.
    pub_status = serializers.CharField(help_text="`withheld` (paused) or `canceled` (retracted).")
    version = serializers.IntegerField(help_text="The last revision partners were given.")
    first_published_at = serializers.DateTimeField()
    version_created_at = serializers.DateTimeField()
    embargoed_until = serializers.DateTimeField(allow_null=True)
    corrections = CorrectionSerializer(many=True)
    retraction = CorrectionSerializer(
        allow_null=True, help_text="Why it was retracted, and when; null while it is withheld."
    )


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
    retrieve=extend_schema(
        summary="A dispute, by slug, with its accounts' credibility",
        description="To a partner, a dispute withheld (paused) or canceled (retracted) answers "
        "its tombstone: who it was and its publication fields, none of its content.",
        responses={
            200: PolymorphicProxySerializer(
                component_name="DisputeOrTombstone",
                serializers=[DisputeSerializer, DisputeTombstoneSerializer],
                resource_type_field_name=None,
            )
        },
    ),
    create=extend_schema(summary="Open a dispute", responses={201: DisputeSerializer}),
    update=extend_schema(summary="Replace a dispute", responses={200: DisputeSerializer}),
    partial_update=extend_schema(summary="Edit a dispute", responses={200: DisputeSerializer}),
    destroy=extend_schema(summary="Delete a dispute with its accounts, claims and evidence"),
)
class DisputeViewSet(PublicationActions, ServiceViewSet[Dispute]):
    """The contested questions, each with every party's account side by side."""

    renderer_classes = [SplicingJSONRenderer, BrowsableAPIRenderer]
    serializer_class = DisputeSerializer
    input_serializer_class = DisputeInputSerializer
    filterset_class = DisputeFilter
    ordering_fields = ["created_at", "updated_at", "title"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Dispute]:
        accounts = accounts_with_counts().order_by("party__name", "id")
        return Dispute.objects.prefetch_related(Prefetch("accounts", queryset=accounts))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return released_disputes(request, self)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            found = partner_dispute(self.kwargs["slug"])
            if found is None:
                raise NotFound()
            return Response(RenderedJSON(found[1].encode()))
        return super().retrieve(request, *args, **kwargs)

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
        if reads_released(request):
            return Response({"@context": SCHEMA_ORG, "@graph": released_reviews(request, slug)})
        dispute = self.get_object()
        claims = (
            Claim.objects.filter(account__dispute=dispute)
            .select_related("speaker")
            .order_by("account__party__name", "id")
        )
        graph = [claim_review(claim, url=claim_review_url(request, claim.pk)) for claim in claims]
        return Response({"@context": SCHEMA_ORG, "@graph": graph})


# What partners read (api/released.py)

# The orderings a released dispute row has a column for; the others are
# sorted in Python (a desk has a few thousand disputes at most).
DISPUTE_COLUMNS = {"updated_at": "updated_at"}


def released_disputes(request: Request, view: Any) -> Response:
    values = DisputeQuery(request).values()
    rows = visible(DISPUTE)
    if "status" in values:
        rows = rows.filter(**own_text_field("status", values["status"]))
    if values.get("search", "").strip():
        # For now a plain search of the released JSON, not the desk's text index.
        rows = rows.filter(content__icontains=values["search"].strip())
    terms = ordering_terms(request, view)
    if all(term.lstrip("-") in {"id", *DISPUTE_COLUMNS} for term in terms):
        ordered = order_by_columns(rows, terms, DISPUTE_COLUMNS)
        return rendered_page(view, ordered.values_list("data", flat=True))
    items = sort_items([json.loads(text) for text in rows.values_list("content", flat=True)], terms)
    ids = page_of(view, [item["id"] for item in items])
    texts = in_order(
        visible(DISPUTE).filter(object_id__in=ids).values_list("object_id", "data"), ids
    )
    return view.get_paginated_response(RenderedItems(text.encode() for text in texts))


def released_reviews(request: Request, slug: str) -> list[dict[str, Any]]:
    """The ClaimReview of every claim of a usable dispute as partners read it, by party then id."""
    found = partner_dispute(slug)
    if found is None or not found[0].visible_to_partners:
        raise NotFound()
    rows = list(RevisionObject.objects.filter(revision=found[0].released, object_type=CLAIM))
    urls = speaker_urls(rows)
    claims = sorted(
        ((json.loads(row.data), row) for row in rows),
        key=lambda pair: (pair[0]["party"]["name"], pair[1].object_id),
    )
    return [
        released_claim_review(
            data,
            speaker_url=urls[row.object_id],
            changed_at=row.changed_at,
            url=claim_review_url(request, row.object_id),
        )
        for data, row in claims
    ]
