"""The accounts resource: one party's version of a dispute, scored from its claims."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import Account, Dispute, Verdict
from publishing.representation import ACCOUNT
from publishing.selectors import visible
from sources.models import Party

from ..inputs import VersionedInput
from ..released import (
    AccountQuery,
    common_filters,
    order_by_columns,
    ordering_terms,
    reads_released,
    released_detail,
    rendered_page,
)
from ..renderers import SplicingJSONRenderer
from ..viewsets import ServiceViewSet
from .refs import (
    CredibilitySerializer,
    PartyRefSerializer,
    credibility,
    dispute_filter,
    party_filter,
)


def accounts_with_counts() -> QuerySet[Account]:
    return Account.objects.select_related("party").annotate(claim_count=Count("claims"))


class DisputeAccountSerializer(serializers.ModelSerializer):
    """One party's account, as listed in its dispute."""

    party = PartyRefSerializer(read_only=True)
    credibility = serializers.SerializerMethodField()
    claim_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Account
        fields = ["id", "party", "summary", "credibility", "claim_count", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(CredibilitySerializer)
    def get_credibility(self, account: Account) -> dict[str, Any]:
        return credibility(account)


class AccountSerializer(DisputeAccountSerializer):
    # What partners read adds the ninjs fields and corrections (api/schema.py).
    publication_fields = "with_corrections"

    dispute: serializers.SlugRelatedField[Dispute] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta(DisputeAccountSerializer.Meta):
        fields = [
            "id",
            "dispute",
            "party",
            "summary",
            "credibility",
            "claim_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AccountInputSerializer(VersionedInput):
    dispute = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Dispute.objects.all(),
        help_text="The dispute's slug. Fixed once set.",
    )
    party = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Party.objects.all(),
        help_text="The party's slug. Fixed once set.",
    )
    summary = serializers.CharField(required=False, allow_blank=True)


# The orderings, as the released rows' columns.
ACCOUNT_COLUMNS = {"score": "score", "updated_at": "updated_at"}


class AccountFilter(django_filters.FilterSet):
    dispute = dispute_filter("dispute")
    party = party_filter("party")
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)

    class Meta:
        model = Account
        fields = ["dispute", "party", "verdict"]


@extend_schema_view(
    list=extend_schema(summary="List accounts, each with its party and credibility"),
    retrieve=extend_schema(summary="An account with its party and credibility"),
    create=extend_schema(
        summary="Add a party's account to a dispute", responses={201: AccountSerializer}
    ),
    update=extend_schema(
        summary="Replace an account's summary", responses={200: AccountSerializer}
    ),
    partial_update=extend_schema(
        summary="Edit an account's summary", responses={200: AccountSerializer}
    ),
    destroy=extend_schema(summary="Delete an account with its claims and evidence"),
)
class AccountViewSet(ServiceViewSet[Account]):
    """One party's version of a dispute, scored from its claims."""

    renderer_classes = [SplicingJSONRenderer, BrowsableAPIRenderer]
    serializer_class = AccountSerializer
    input_serializer_class = AccountInputSerializer
    filterset_class = AccountFilter
    ordering_fields = ["score", "updated_at"]
    fixed_fields = ("dispute", "party")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Account]:
        return accounts_with_counts().select_related("dispute")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            rows = common_filters(visible(ACCOUNT), AccountQuery(request).values())
            ordered = order_by_columns(rows, ordering_terms(request, self), ACCOUNT_COLUMNS)
            return rendered_page(self, ordered.values_list("data", flat=True))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return Response(released_detail(ACCOUNT, self.kwargs["pk"]))
        return super().retrieve(request, *args, **kwargs)

    def create_object(self, *, by: Any, **fields: Any) -> Account:
        return services.create_account(by=by, **fields)

    def update_object(
        self, obj: Account, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Account:
        return services.update_account(
            account=obj, by=by, expected_version=expected_version, **fields
        )

    def delete_object(self, obj: Account, *, by: Any, expected_version: int | None) -> None:
        services.delete_account(account=obj, by=by, expected_version=expected_version)
