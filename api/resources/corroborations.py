"""The corroborations resource: evidence for or against a claim; every write rescores its claim."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import Claim, Corroboration, Stance
from publishing.representation import CLAIM, CORROBORATION, SOURCE
from publishing.selectors import visible
from sources.models import Source

from ..inputs import BlankableURLField, VersionedInput
from ..released import (
    CorroborationQuery,
    check_released_object,
    common_filters,
    order_by_columns,
    ordering_terms,
    reads_released,
    released_detail,
    rendered_page,
)
from ..renderers import SplicingJSONRenderer
from ..viewsets import ServiceViewSet
from .refs import SourceRefSerializer, dispute_filter


class CorroborationSerializer(serializers.ModelSerializer):
    # What partners read adds the ninjs fields (api/schema.py).
    publication_fields = "plain"

    claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.source at runtime, but the stubs cannot tell.
    source = SourceRefSerializer(read_only=True)  # type: ignore[assignment]
    url = BlankableURLField(read_only=True)

    class Meta:
        model = Corroboration
        fields = [
            "id",
            "claim",
            "source",
            "stance",
            "quote",
            "url",
            "observed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CorroborationInputSerializer(VersionedInput):
    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), help_text="The id of the claim. Fixed once set."
    )
    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.source at runtime, but the stubs cannot tell.
    source = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Source.objects.all(), help_text="The source's id."
    )
    stance = serializers.ChoiceField(choices=Stance.choices)
    quote = serializers.CharField(help_text="The words the evidence rests on.")
    url = BlankableURLField()
    observed_at = serializers.DateTimeField(
        required=False, help_text="When the source said or published it; now if left out."
    )


# The orderings, as the released rows' columns (a corroboration's observed_at
# is frozen as stated_at: when the source said it).
CORROBORATION_COLUMNS = {"observed_at": "stated_at", "updated_at": "updated_at"}


class CorroborationFilter(django_filters.FilterSet):
    claim = django_filters.ModelChoiceFilter(
        queryset=Claim.objects.all(), help_text="A claim's id."
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(), help_text="A source's id."
    )
    dispute = dispute_filter("claim__account__dispute")
    stance = django_filters.ChoiceFilter(choices=Stance.choices)

    class Meta:
        model = Corroboration
        fields = ["claim", "source", "dispute", "stance"]


@extend_schema_view(
    list=extend_schema(summary="List corroborations (evidence) with their sources"),
    retrieve=extend_schema(summary="A corroboration with its source"),
    create=extend_schema(
        summary="Record evidence for or against a claim (rescores it)",
        responses={201: CorroborationSerializer},
    ),
    update=extend_schema(
        summary="Replace evidence (rescores its claim)", responses={200: CorroborationSerializer}
    ),
    partial_update=extend_schema(
        summary="Edit evidence (rescores its claim)", responses={200: CorroborationSerializer}
    ),
    destroy=extend_schema(summary="Remove evidence (rescores its claim)"),
)
class CorroborationViewSet(ServiceViewSet[Corroboration]):
    """Evidence: a source that supports or contradicts a claim, with the quote it rests on."""

    renderer_classes = [SplicingJSONRenderer, BrowsableAPIRenderer]
    serializer_class = CorroborationSerializer
    input_serializer_class = CorroborationInputSerializer
    filterset_class = CorroborationFilter
    ordering_fields = ["observed_at", "updated_at"]
    fixed_fields = ("claim",)
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Corroboration]:
        return Corroboration.objects.select_related("source__affiliation")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            values = CorroborationQuery(request).values()
            rows = common_filters(visible(CORROBORATION), values)
            if "claim" in values:
                check_released_object(CLAIM, values["claim"], "claim")
                rows = rows.filter(claim_id=values["claim"])
            if "source" in values:
                check_released_object(SOURCE, values["source"], "source")
                rows = rows.filter(source_id=values["source"])
            if "stance" in values:
                rows = rows.filter(stance=values["stance"])
            terms = ordering_terms(request, self)
            ordered = order_by_columns(rows, terms, CORROBORATION_COLUMNS)
            return rendered_page(self, ordered.values_list("data", flat=True))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return Response(released_detail(CORROBORATION, self.kwargs["pk"]))
        return super().retrieve(request, *args, **kwargs)

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
