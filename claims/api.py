"""
Partner API: disputes, accounts, claims and corroborations, and their
ClaimReview markup. Every write calls a service in claims/services.py, which
rescores what the write changed in the same transaction.

Also the changes feed, about the objects of both apps: it lives here because
claims may read sources' models, and not the other way round.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_base import positive_int_param
from config.api_conditional import ConditionalRequestsMixin
from config.api_views import (
    FirstRendererNegotiation,
    JSONLDRenderer,
    RenderedItems,
    ServiceViewSet,
    SplicingJSONRenderer,
)
from sources.models import Change, Party, Source

from . import services
from .claim_cache import STAMP_COLUMNS, ClaimStamp, rendered_claims
from .filters import AccountFilter, ClaimFilter, CorroborationFilter, DisputeFilter
from .models import Account, Claim, Corroboration, Dispute
from .serializers import (
    CLAIM_REVIEW_GRAPH_SCHEMA,
    CLAIM_REVIEW_SCHEMA,
    AccountInputSerializer,
    AccountSerializer,
    ClaimDetailSerializer,
    ClaimInputSerializer,
    ClaimSerializer,
    CorroborationInputSerializer,
    CorroborationSerializer,
    DisputeInputSerializer,
    DisputeSerializer,
    claim_detail_representation,
    claim_review,
)

SCHEMA_ORG = "https://schema.org"

CLAIM_REVIEW_ACTION = {
    "detail": True,
    "methods": ["get"],
    "url_path": "claimreview",
    "renderer_classes": [JSONLDRenderer],
    "content_negotiation_class": FirstRendererNegotiation,
    "filter_backends": [],
    "pagination_class": None,
}


def claim_review_url(request: Request, claim: Claim) -> str:
    return request.build_absolute_uri(f"/api/v1/claims/{claim.pk}/")


def accounts_with_counts() -> QuerySet[Account]:
    return Account.objects.select_related("party").annotate(claim_count=Count("claims"))


# Disputes


@extend_schema_view(
    list=extend_schema(summary="List disputes, each with its accounts' credibility"),
    retrieve=extend_schema(summary="A dispute, by slug, with its accounts' credibility"),
    create=extend_schema(summary="Open a dispute", responses={201: DisputeSerializer}),
    update=extend_schema(summary="Replace a dispute", responses={200: DisputeSerializer}),
    partial_update=extend_schema(summary="Edit a dispute", responses={200: DisputeSerializer}),
    destroy=extend_schema(summary="Delete a dispute with its accounts, claims and evidence"),
)
class DisputeViewSet(ConditionalRequestsMixin, ServiceViewSet):
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

    def update_object(self, obj: Dispute, *, by: Any, expected_version: int | None, **fields: Any) -> Dispute:
        return services.update_dispute(dispute=obj, by=by, expected_version=expected_version, **fields)

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


# Accounts


@extend_schema_view(
    list=extend_schema(summary="List accounts, each with its party and credibility"),
    retrieve=extend_schema(summary="An account with its party and credibility"),
    create=extend_schema(summary="Add a party's account to a dispute", responses={201: AccountSerializer}),
    update=extend_schema(summary="Replace an account's summary", responses={200: AccountSerializer}),
    partial_update=extend_schema(summary="Edit an account's summary", responses={200: AccountSerializer}),
    destroy=extend_schema(summary="Delete an account with its claims and evidence"),
)
class AccountViewSet(ConditionalRequestsMixin, ServiceViewSet):
    """One party's version of a dispute, scored from its claims."""

    serializer_class = AccountSerializer
    input_serializer_class = AccountInputSerializer
    filterset_class = AccountFilter
    ordering_fields = ["score", "updated_at"]
    fixed_fields = ("dispute", "party")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Account]:
        return accounts_with_counts().select_related("dispute")

    def create_object(self, *, by: Any, **fields: Any) -> Account:
        return services.create_account(by=by, **fields)

    def update_object(self, obj: Account, *, by: Any, expected_version: int | None, **fields: Any) -> Account:
        return services.update_account(account=obj, by=by, expected_version=expected_version, **fields)

    def delete_object(self, obj: Account, *, by: Any, expected_version: int | None) -> None:
        services.delete_account(account=obj, by=by, expected_version=expected_version)


# Claims


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
class ClaimViewSet(ConditionalRequestsMixin, ServiceViewSet):
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
        # (claims/claim_cache.py), built from their rows where it misses.
        page = self.paginate_queryset(claims.values_list(*STAMP_COLUMNS))
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

    def update_object(self, obj: Claim, *, by: Any, expected_version: int | None, **fields: Any) -> Claim:
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
        return Response({"@context": SCHEMA_ORG, **claim_review(claim, url=claim_review_url(request, claim))})


# Corroborations


@extend_schema_view(
    list=extend_schema(summary="List corroborations (evidence) with their sources"),
    retrieve=extend_schema(summary="A corroboration with its source"),
    create=extend_schema(summary="Record evidence for or against a claim (rescores it)",
                         responses={201: CorroborationSerializer}),
    update=extend_schema(summary="Replace evidence (rescores its claim)",
                         responses={200: CorroborationSerializer}),
    partial_update=extend_schema(summary="Edit evidence (rescores its claim)",
                                 responses={200: CorroborationSerializer}),
    destroy=extend_schema(summary="Remove evidence (rescores its claim)"),
)
class CorroborationViewSet(ConditionalRequestsMixin, ServiceViewSet):
    """Evidence: a source that supports or contradicts a claim, with the quote it rests on."""

    serializer_class = CorroborationSerializer
    input_serializer_class = CorroborationInputSerializer
    filterset_class = CorroborationFilter
    ordering_fields = ["observed_at", "updated_at"]
    fixed_fields = ("claim",)
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Corroboration]:
        return Corroboration.objects.select_related("source__affiliation")

    def create_object(self, *, by: Any, **fields: Any) -> Corroboration:
        return services.record_corroboration(by=by, **fields)

    def update_object(
        self, obj: Corroboration, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Corroboration:
        return services.update_corroboration(
            corroboration=obj, by=by, expected_version=expected_version, **fields
        )

    def delete_object(self, obj: Corroboration, *, by: Any, expected_version: int | None) -> None:
        services.remove_corroboration(corroboration=obj, by=by, expected_version=expected_version)


# The changes feed


class ChangeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Where to read the object now; null once it is deleted."
    )

    class Meta:
        model = Change
        fields = ["id", "action", "object_type", "object_id", "at", "summary", "url"]
        read_only_fields = fields
        extra_kwargs = {"id": {"help_text": "The event's cursor: pass it as `since` to read what follows."}}

    def get_url(self, change: Change) -> str | None:
        return self.context["urls"].get((change.object_type, change.object_id))


class ChangesPageSerializer(serializers.Serializer):
    since = serializers.IntegerField(help_text="The cursor this page starts after.")
    next = serializers.IntegerField(
        help_text="The cursor to send as `since` next time (the last event's id; `since` "
        "itself when there is nothing new)."
    )
    has_more = serializers.BooleanField(help_text="More events follow: fetch again at once.")
    results = ChangeSerializer(many=True)


# The collection each object type lives in, and the field its URL uses.
RESOURCES = {
    "party": ("parties", Party, "slug"),
    "source": ("sources", Source, "pk"),
    "dispute": ("disputes", Dispute, "slug"),
    "account": ("accounts", Account, "pk"),
    "claim": ("claims", Claim, "pk"),
    "corroboration": ("corroborations", Corroboration, "pk"),
}


class ChangesView(ConditionalRequestsMixin, APIView):
    """
    Every creation, update and deletion, oldest first. Start with `since=0`,
    then pass the `next` you were given. Replaying the whole feed — add on
    created, drop on deleted — gives exactly the set of objects that exist.
    """

    MAX_LIMIT = 1000

    @extend_schema(
        summary="The changes feed, for incremental sync",
        parameters=[
            OpenApiParameter(
                "since", {"type": "integer", "minimum": 0},
                description="Return the events after this cursor (0: from the start).",
            ),
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"At most this many events, 1 to {MAX_LIMIT} (default 100).",
            ),
        ],
        responses={200: ChangesPageSerializer},
    )
    def get(self, request: Request) -> Response:
        since = self.since(request)
        limit = positive_int_param(request, "limit", maximum=self.MAX_LIMIT) or 100
        events = list(Change.objects.filter(id__gt=since).order_by("id")[: limit + 1])
        has_more = len(events) > limit
        events = events[:limit]
        page = {
            "since": since,
            "next": events[-1].id if events else since,
            "has_more": has_more,
            "results": ChangeSerializer(
                events, many=True, context={"urls": self.object_urls(request, events)}
            ).data,
        }
        return Response(page)

    def since(self, request: Request) -> int:
        if request.query_params.get("since") in (None, "0"):
            return 0
        return positive_int_param(request, "since")

    def object_urls(self, request: Request, events: list[Change]) -> dict[tuple[str, int], str]:
        """The URL of each object still there: one query per type of object on the page."""
        ids: dict[str, set[int]] = {}
        for event in events:
            if event.action != Change.Action.DELETED:
                ids.setdefault(event.object_type, set()).add(event.object_id)
        urls: dict[tuple[str, int], str] = {}
        for object_type, pks in ids.items():
            if object_type not in RESOURCES:
                continue
            collection, model, lookup = RESOURCES[object_type]
            for pk, key in model.objects.filter(pk__in=pks).values_list("pk", lookup):
                urls[object_type, pk] = request.build_absolute_uri(f"/api/v1/{collection}/{key}/")
        return urls
