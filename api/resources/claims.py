"""
The claims resource: atomic, checkable statements with their credibility,
evidence and, in detail, the explanation of their score. The JSON itself is
built from rows and cached: claim_json.py.
"""

from __future__ import annotations

import json
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
from rest_framework.exceptions import NotFound
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
from publishing.models import RevisionObject
from publishing.representation import ACCOUNT, CLAIM, SOURCE, render
from publishing.selectors import partner_claims, partner_detail, visible
from sources.models import Source

from ..filters import UTCDateTimeFilter
from ..inputs import BlankableURLField, VersionedInput
from ..released import (
    ClaimQuery,
    check_released_dispute,
    check_released_object,
    check_released_party,
    order_by_columns,
    ordering_terms,
    reads_released,
    refuse,
    rendered_page_by_id,
)
from ..renderers import RenderedItems, RenderedJSON, SplicingJSONRenderer
from ..viewsets import ServiceViewSet
from .claim_json import (
    STAMP_COLUMNS,
    ClaimStamp,
    claim_detail_representation,
    explanation,
    history_representation,
    rendered_claims,
)
from .claimreview import (
    CLAIM_REVIEW_ACTION,
    CLAIM_REVIEW_SCHEMA,
    SCHEMA_ORG,
    claim_review,
    claim_review_url,
    released_claim_review,
)
from .refs import (
    CredibilitySerializer,
    PartyRefSerializer,
    SourceRefSerializer,
    credibility,
    dispute_filter,
    party_filter,
)
from .similar import SimilarClaimsActions


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

    # What partners read adds the ninjs fields and corrections (api/schema.py).
    publication_fields = "with_corrections"

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
class ClaimViewSet(SimilarClaimsActions, ServiceViewSet[Claim]):
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
    # Partners read the released rows' stored JSON (api/released.py).

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return rendered_page_by_id(self, released_claims(request, self), CLAIM)
        claims = self.filter_queryset(self.get_queryset())
        # Paginate the stamps alone, so that counting does not drag along the
        # joins the rows need; the page's claims then come from the cache
        # (claim_json.py), built from their rows where it misses.
        page = self.paginate_queryset(claims.values_list(*STAMP_COLUMNS))
        assert page is not None  # every list is paginated (DEFAULT_PAGINATION_CLASS)
        rendered = rendered_claims([ClaimStamp(*stamp) for stamp in page])
        return self.get_paginated_response(RenderedItems(rendered))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return Response(RenderedJSON(released_claim_detail(self.kwargs["pk"]).encode()))
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
        if reads_released(request):
            row = released_claim(pk)
            review = released_claim_review(
                json.loads(row.data),
                speaker_url=speaker_urls([row])[row.object_id],
                changed_at=row.changed_at,
                url=claim_review_url(request, row.object_id),
            )
            return Response({"@context": SCHEMA_ORG, **review})
        claim = self.get_object()
        return Response(
            {"@context": SCHEMA_ORG, **claim_review(claim, url=claim_review_url(request, claim.pk))}
        )


# What partners read (api/released.py)

CLAIM_COLUMNS = {"score": "score", "updated_at": "updated_at", "stated_at": "stated_at"}


def released_claims(request: Request, view: Any) -> QuerySet[RevisionObject]:
    """The released claims a partner's list asks for, filtered and ordered by their frozen values."""
    values = ClaimQuery(request).values()
    if "dispute" in values:
        check_released_dispute(values["dispute"])
    if "party" in values:
        check_released_party(values["party"])
    rows = partner_claims(
        dispute=values.get("dispute"),
        party=values.get("party"),
        verdict=values.get("verdict"),
        min_score=values.get("min_score"),
        max_score=values.get("max_score"),
        updated_since=values.get("updated_since"),
    )
    if "account" in values:
        # An account is its dispute's one account of its party.
        account = visible(ACCOUNT).filter(object_id=values["account"]).first()
        if account is None:
            raise refuse("account", f"No released account has the id {values['account']}.")
        rows = rows.filter(dispute_slug=account.dispute_slug, party_slug=account.party_slug)
    if "speaker" in values:
        check_released_object(SOURCE, values["speaker"], "speaker")
        rows = rows.filter(source_id=values["speaker"])
    if values.get("search", "").strip():
        # For now a plain search of the released JSON, not the desk's text index.
        rows = rows.filter(content__icontains=values["search"].strip())
    return order_by_columns(rows, ordering_terms(request, view), CLAIM_COLUMNS)


def released_claim(pk: str) -> RevisionObject:
    row = visible(CLAIM).filter(object_id=int(pk)).select_related("revision").first()
    if row is None:
        raise NotFound()
    return row


def released_claim_detail(pk: str) -> str:
    """
    A claim's detail as partners read it: the released JSON with its frozen
    explanation, and its score history up to when the revision was frozen
    (the history is not frozen: it only ever grows, and what it held then
    is what it holds before that time).
    """
    row = released_claim(pk)
    history = history_representation(row.object_id, upto=row.revision.created_at)
    detail = partner_detail(row)
    return detail[:-1] + ',"history":' + render(history) + "}"


def speaker_urls(rows: list[RevisionObject]) -> dict[int, str]:
    """Each released claim's speaker's URL, as its revision froze the source (one query)."""
    found = RevisionObject.objects.filter(
        object_type=SOURCE,
        revision_id__in={row.revision_id for row in rows},
        object_id__in={row.source_id for row in rows},
    )
    urls = {
        (revision, source): json.loads(content)["url"]
        for revision, source, content in found.values_list("revision_id", "object_id", "content")
    }
    return {row.object_id: urls.get((row.revision_id, row.source_id or 0), "") for row in rows}
