"""
The claims resource: atomic, checkable statements with their credibility,
evidence and, in detail, the explanation of their score. The JSON itself is
built from rows and cached: claim_json.py.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import (
    Account,
    Claim,
    ClaimQuerySet,
    Corroboration,
    Dispute,
    ScoreSnapshot,
    Stance,
    Verdict,
)
from claims.selectors import explain_claim
from sources.models import Source

from ..filters import UTCDateTimeFilter
from ..inputs import BlankableURLField, VersionedInput
from ..renderers import RenderedItems, SplicingJSONRenderer
from ..viewsets import ServiceViewSet
from .claim_json import (
    STAMP_COLUMNS,
    ClaimStamp,
    claim_detail_representation,
    explanation,
    rendered_claims,
)
from .claimreview import (
    CLAIM_REVIEW_ACTION,
    CLAIM_REVIEW_SCHEMA,
    SCHEMA_ORG,
    claim_review,
    claim_review_url,
)
from .refs import (
    CredibilitySerializer,
    PartyRefSerializer,
    SourceRefSerializer,
    credibility,
    dispute_filter,
    party_filter,
)


class ClaimEvidenceSerializer(serializers.ModelSerializer):
    """One piece of evidence, as listed in its claim."""

    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.source at runtime, but the stubs cannot tell.
    source = SourceRefSerializer(read_only=True)  # type: ignore[assignment]
    url = BlankableURLField(read_only=True)

    class Meta:
        model = Corroboration
        fields = ["id", "source", "stance", "quote", "url", "observed_at"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    """
    A claim with its credibility and evidence. This is the readable statement
    of the representation, and what the schema is generated from; the views
    build the same JSON from .values() rows with claim_representations(),
    because the claims list is the hot path partners poll and DRF's
    field-by-field serialization of a page of claims with their evidence
    costs several times the queries. tests/claims/test_api.py holds the two
    to identical output.
    """

    dispute: serializers.SlugRelatedField[Dispute] = serializers.SlugRelatedField(
        source="account.dispute", slug_field="slug", read_only=True
    )
    party = PartyRefSerializer(source="account.party", read_only=True)
    speaker = SourceRefSerializer(read_only=True)
    appearance = BlankableURLField(
        read_only=True,
        help_text="Where the statement was made or first reported; empty if unknown.",
    )
    credibility = serializers.SerializerMethodField()
    corroborations = ClaimEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "account",
            "dispute",
            "party",
            "speaker",
            "stated_at",
            "appearance",
            "credibility",
            "corroborations",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CredibilitySerializer)
    def get_credibility(self, claim: Claim) -> dict[str, Any]:
        return credibility(claim)


class ExplainedItemSerializer(serializers.Serializer):
    corroboration = serializers.IntegerField(help_text="The corroboration's id.")
    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.source at runtime, but the stubs cannot tell.
    source = serializers.IntegerField(help_text="The source's id.")  # type: ignore[assignment]
    source_name = serializers.CharField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    counted = serializers.BooleanField(help_text="False: ignored, and `reason` says why.")
    reason = serializers.CharField(
        help_text="Why it counts as it does (its interest), or why it is ignored."
    )
    r = serializers.FloatField(help_text="Reliability of the source's grade.")
    k = serializers.FloatField(help_text="Interest factor.")
    a = serializers.FloatField(help_text="Anonymity factor.")
    w = serializers.FloatField(help_text="Weight r·k·a.")
    support = serializers.FloatField(help_text="Its contribution to S.")
    contradiction = serializers.FloatField(help_text="Its contribution to C.")


class ExplanationSerializer(serializers.Serializer):
    formula = serializers.CharField()
    score = serializers.FloatField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    support = serializers.FloatField(help_text="S: the support that counts.")
    contradiction = serializers.FloatField(help_text="C: the contradiction that counts.")
    evidence_weight = serializers.FloatField()
    items = ExplainedItemSerializer(many=True)


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreSnapshot
        fields = ["score", "verdict", "evidence_weight", "at", "cause"]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with why its score is what it is, and how it got there."""

    explanation = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "explanation", "history"]
        read_only_fields = fields

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, claim: Claim) -> dict[str, Any]:
        return explanation(explain_claim(claim))

    @extend_schema_field(SnapshotSerializer(many=True))
    def get_history(self, claim: Claim) -> list[dict[str, Any]]:
        # A list: many=True makes a ListSerializer, which the stubs do not know.
        return SnapshotSerializer(claim.snapshots.order_by("at", "id"), many=True).data  # type: ignore[return-value]


class ClaimInputSerializer(VersionedInput):
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(),
        help_text="The id of the account the claim belongs to. Fixed once set.",
    )
    text = serializers.CharField()
    speaker = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), help_text="The id of the source who made the statement."
    )
    stated_at = serializers.DateTimeField(required=False, allow_null=True)
    appearance = BlankableURLField(help_text="Where the statement was made or first reported.")


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 1})
class ScoreFilter(django_filters.NumberFilter):
    """A score bound: a number from 0 to 1."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(field_name="score", min_value=0, max_value=1, **kwargs)


class ClaimFilter(django_filters.FilterSet):
    dispute = dispute_filter("account__dispute")
    party = party_filter("account__party")
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(), help_text="An account's id."
    )
    speaker = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(), help_text="The id of the source who made the claim."
    )
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)
    min_score = ScoreFilter(lookup_expr="gte", help_text="Claims scoring at least this (0 to 1).")
    max_score = ScoreFilter(lookup_expr="lte", help_text="Claims scoring at most this (0 to 1).")
    updated_since = UTCDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Claims changed at or after this ISO 8601 time (a naive time is UTC).",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Text in the claim or in its speaker's name."
    )

    class Meta:
        model = Claim
        fields = [
            "dispute",
            "party",
            "account",
            "speaker",
            "verdict",
            "min_score",
            "max_score",
            "updated_since",
            "search",
        ]

    def filter_search(self, queryset: ClaimQuerySet, name: str, value: str) -> ClaimQuerySet:
        return queryset.search(value)


@extend_schema_view(
    list=extend_schema(summary="List claims with their credibility and evidence"),
    retrieve=extend_schema(
        summary="A claim with its evidence, the explanation of its score and its score history"
    ),
    create=extend_schema(summary="Record a claim", responses={201: ClaimDetailSerializer}),
    update=extend_schema(summary="Replace a claim", responses={200: ClaimDetailSerializer}),
    partial_update=extend_schema(summary="Edit a claim", responses={200: ClaimDetailSerializer}),
    destroy=extend_schema(summary="Delete a claim with its evidence"),
)
class ClaimViewSet(ServiceViewSet[Claim]):
    """Atomic, checkable statements, each scored from the evidence for and against it."""

    renderer_classes = [SplicingJSONRenderer, BrowsableAPIRenderer]
    serializer_class = ClaimSerializer
    input_serializer_class = ClaimInputSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["score", "updated_at", "stated_at"]
    fixed_fields = ("account",)
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Claim]:
        return Claim.objects.with_related()

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return ClaimDetailSerializer
        return super().get_serializer_class()

    # Representations come from rows, not serializers: see ClaimSerializer.

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claims = self.filter_queryset(self.get_queryset())
        # Paginate the stamps alone, so that counting does not drag along the
        # joins the rows need; the page's claims then come from the cache
        # (claim_json.py), built from their rows where it misses.
        page = self.paginate_queryset(claims.values_list(*STAMP_COLUMNS))
        assert page is not None  # every list is paginated (DEFAULT_PAGINATION_CLASS)
        rendered = rendered_claims([ClaimStamp(*stamp) for stamp in page])
        return self.get_paginated_response(RenderedItems(rendered))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # get_object() read the claim with its account (with_related): no
        # need to read it again as represent() does after a write.
        return Response(claim_detail_representation(self.get_object()))

    def represent(self, obj: Claim) -> dict[str, Any]:
        return claim_detail_representation(Claim.objects.select_related("account").get(pk=obj.pk))

    def create_object(self, *, by: Any, **fields: Any) -> Claim:
        return services.create_claim(by=by, **fields)

    def update_object(
        self, obj: Claim, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Claim:
        return services.update_claim(claim=obj, by=by, expected_version=expected_version, **fields)

    def delete_object(self, obj: Claim, *, by: Any, expected_version: int | None) -> None:
        services.delete_claim(claim=obj, by=by, expected_version=expected_version)

    @extend_schema(
        summary="schema.org ClaimReview markup of the claim (JSON-LD)",
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                {**CLAIM_REVIEW_SCHEMA, "required": ["@context", *CLAIM_REVIEW_SCHEMA["required"]]}
            )
        },
    )
    @action(**CLAIM_REVIEW_ACTION)
    def claimreview(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        return Response(
            {"@context": SCHEMA_ORG, **claim_review(claim, url=claim_review_url(request, claim))}
        )
