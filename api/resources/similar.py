"""
The claims most like a claim, for staff: `GET /api/v1/claims/{id}/similar/`
(intake.selectors.similar_claims). Suggestions only: nothing is merged, and
what a match means is a person's call.

Staff only. Matching reads the live desk (every claim's words, drafts
included), not the released revisions partners read, so a partner key is
refused rather than answered from a desk it may not see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from claims.models import Claim, Dispute
from intake.selectors import SimilarClaim, similar_claims

from ..auth import StaffOnly
from ..errors import ErrorSerializer
from ..filters import refuse_empty_parameters

if TYPE_CHECKING:
    # For the type checker the mixin is the viewset it is mixed into.
    from rest_framework.viewsets import GenericViewSet as _MixedInto
else:
    _MixedInto = object

DEFAULT_LIMIT, MAX_LIMIT = 5, 20


class DeskReadersOnly(StaffOnly):
    message = (
        "Similar claims are matched over the live desk, not the released revisions: "
        "partner keys may not ask for them."
    )


class SimilarQuery(serializers.Serializer):
    """The query parameters of .../similar/, checked as strictly as the claim filters."""

    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"How many suggestions at most, 1 to {MAX_LIMIT}.",
    )
    dispute = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Dispute.objects.all(),
        required=False,
        help_text="Only claims of this dispute (its slug).",
    )


class SimilarClaimRefSerializer(serializers.Serializer):
    """The suggested claim, named as far as a reader needs to judge the match."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    dispute = serializers.CharField(help_text="The slug of the claim's dispute.")
    party = serializers.CharField(help_text="The slug of the party whose claim it is.")
    url = serializers.URLField(help_text="The claim in this API.")


class SimilarClaimSerializer(serializers.Serializer):
    """One suggestion: a claim that may say what this one says."""

    claim = SimilarClaimRefSerializer()
    score = serializers.FloatField(help_text="How alike, 0 to 1: what orders the suggestions.")
    semantic = serializers.FloatField(help_text="The cosine of the two sentences' embeddings.")
    lexical = serializers.FloatField(help_text="How many words the two share, 0 to 1.")
    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.label at runtime, but the stubs cannot tell.
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["paraphrase", "related"],
        help_text="`paraphrase`: maybe the same claim in other words; `related`: about the "
        "same thing, but another claim (or its opposite).",
    )
    reason = serializers.CharField(
        help_text="Why a pair close in meaning is only `related` (their polarity cues "
        "disagree: a negation, `all` against `some`); empty if nothing says so."
    )


class ActionOptions(TypedDict):
    detail: bool
    methods: list[Literal["get"]]
    url_path: str
    permission_classes: list[type[BasePermission]]
    filter_backends: list[type]
    pagination_class: None


SIMILAR_ACTION: ActionOptions = {
    "detail": True,
    "methods": ["get"],
    "url_path": "similar",
    "permission_classes": [DeskReadersOnly],
    "filter_backends": [],
    "pagination_class": None,
}


class SimilarClaimsActions(_MixedInto):
    """The similar-claims endpoint of the claims resource."""

    @extend_schema(
        summary="The claims most like this one, best first (staff; suggestions, never merged)",
        parameters=[SimilarQuery],
        responses={
            200: SimilarClaimSerializer(many=True),
            400: OpenApiResponse(
                ErrorSerializer, description="A `limit` or a `dispute` that is not one."
            ),
        },
    )
    @action(**SIMILAR_ACTION)
    def similar(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        refuse_empty_parameters(request, list(SimilarQuery().fields))
        query = SimilarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = similar_claims(
            claim.text,
            exclude_claim=claim.pk,
            dispute=query.validated_data.get("dispute"),
            limit=query.validated_data["limit"],
        )
        return Response(similar_representation(request, found))


def similar_representation(request: Request, found: list[SimilarClaim]) -> list[dict[str, Any]]:
    """The suggestions with their claims' dispute and party (one query for all)."""
    slugs = {
        pk: (dispute, party)
        for pk, dispute, party in Claim.objects.filter(pk__in=[match.claim for match in found])
        .order_by()
        .values_list("pk", "account__dispute__slug", "account__party__slug")
    }
    return [
        {
            "claim": {
                "id": match.claim,
                "text": match.text,
                "dispute": slugs[match.claim][0],
                "party": slugs[match.claim][1],
                "url": request.build_absolute_uri(f"/api/v1/claims/{match.claim}/"),
            },
            "score": match.score,
            "semantic": match.semantic,
            "lexical": match.lexical,
            "label": match.label,
            "reason": match.contrast,
        }
        for match in found
        # A claim deleted between the match and this read is left out.
        if match.claim in slugs
    ]
