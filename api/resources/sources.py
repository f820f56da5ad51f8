"""
The sources resource: people, offices, outlets and documents, each with what
it has corroborated and its track record. Creating and deleting a source go
through sources/services.py; editing one through claims.services.update_source,
which rescores the claims the source's grade, party or origin weighs on.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers

from claims import services
from claims.models import Claim, Corroboration
from claims.selectors import TrackRecord, evidence_with_verdicts, track_record
from sources import services as source_services
from sources.models import INDEPENDENT, Party, Reliability, Source, SourceKind, SourceQuerySet

from ..inputs import BlankableURLField, VersionedInput
from ..viewsets import ServiceViewSet
from .refs import PartyRefSerializer


class SourceInputSerializer(VersionedInput):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    affiliation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Party.objects.all(),
        allow_null=True,
        required=False,
        help_text="The slug of the party this source speaks for; null for an independent source.",
    )
    is_anonymous = serializers.BooleanField(required=False)
    reliability = serializers.ChoiceField(
        choices=Reliability.choices, required=False, help_text="Admiralty grade A–F."
    )
    url = BlankableURLField()
    notes = serializers.CharField(required=False, allow_blank=True)
    origin = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of the source this one merely repeats (a reprint of a wire story).",
    )


class SourceEvidenceSerializer(serializers.ModelSerializer):
    """One thing a source has said about a claim."""

    claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Corroboration
        fields = ["id", "claim", "stance", "observed_at"]
        read_only_fields = fields


class VerdictCountsSerializer(serializers.Serializer):
    unverified = serializers.IntegerField()
    corroborated = serializers.IntegerField()
    mostly_corroborated = serializers.IntegerField()
    contested = serializers.IntegerField()
    mostly_contradicted = serializers.IntegerField()
    contradicted = serializers.IntegerField()


class ClaimsTakenSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Claims the source took this side on.")
    held_up = serializers.IntegerField(
        help_text="Of those, the claims whose verdict now agrees with the source "
        "((mostly) corroborated for support, (mostly) contradicted for contradiction)."
    )
    verdicts = VerdictCountsSerializer(help_text="Those claims counted by their current verdict.")


class StanceCountsSerializer(serializers.Serializer):
    supports = serializers.IntegerField()
    partly_supports = serializers.IntegerField()
    partly_contradicts = serializers.IntegerField()
    contradicts = serializers.IntegerField()


class TrackRecordSerializer(serializers.Serializer):
    stances = StanceCountsSerializer(help_text="Every corroboration the source gave, by stance.")
    supported = ClaimsTakenSerializer(
        help_text="Claims the source supports (its latest word on each claim)."
    )
    contradicted = ClaimsTakenSerializer(
        help_text="Claims the source contradicts (its latest word on each claim)."
    )


def track_record_representation(record: TrackRecord) -> dict[str, Any]:
    """TrackRecordSerializer's output, built directly: it runs once per source of a page."""
    return {
        "stances": record.stances,
        **{
            taken.side: {"total": taken.total, "held_up": taken.held_up, "verdicts": taken.verdicts}
            for taken in (record.supported, record.contradicted)
        },
    }


class SourceSerializer(serializers.ModelSerializer):
    """
    A source with its record. `corroborations` and `track_record` read the
    source's evidence from one prefetch (SourceViewSet.get_queryset), so a page
    of sources costs the same few queries whatever its size.
    """

    affiliation = PartyRefSerializer(read_only=True, allow_null=True)
    url = BlankableURLField(read_only=True)
    origin: serializers.PrimaryKeyRelatedField[Source] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    corroborations = SourceEvidenceSerializer(many=True, read_only=True)
    track_record = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id",
            "name",
            "kind",
            "affiliation",
            "is_anonymous",
            "reliability",
            "url",
            "notes",
            "origin",
            "corroborations",
            "track_record",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TrackRecordSerializer)
    def get_track_record(self, source: Source) -> dict[str, Any]:
        return track_record_representation(track_record(source.corroborations.all()))


class SourceFilter(django_filters.FilterSet):
    party = django_filters.CharFilter(
        method="filter_party",
        help_text=f"A party's slug: the sources affiliated with it; `{INDEPENDENT}` for "
        "sources with no party.",
    )
    reliability = django_filters.ChoiceFilter(
        choices=Reliability.choices, help_text="Admiralty grade A–F."
    )
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    search = django_filters.CharFilter(
        method="filter_search", help_text="Text in the name or notes."
    )

    class Meta:
        model = Source
        fields = ["party", "reliability", "kind", "search"]

    def filter_party(self, queryset: SourceQuerySet, name: str, value: str) -> SourceQuerySet:
        if value != INDEPENDENT and not Party.objects.filter(slug=value).exists():
            raise exceptions.ValidationError(
                {
                    name: [
                        f"No party has the slug {value!r} (use `{INDEPENDENT}` for sources with no party)."
                    ]
                }
            )
        return queryset.affiliated_with(value)

    def filter_search(self, queryset: SourceQuerySet, name: str, value: str) -> SourceQuerySet:
        return queryset.search(value)


@extend_schema_view(
    list=extend_schema(summary="List sources, each with its record"),
    retrieve=extend_schema(summary="A source with what it has corroborated and its track record"),
    create=extend_schema(summary="Add a source", responses={201: SourceSerializer}),
    update=extend_schema(
        summary="Replace a source (rescores the claims it weighs on)",
        responses={200: SourceSerializer},
    ),
    partial_update=extend_schema(
        summary="Edit a source (rescores the claims it weighs on)",
        responses={200: SourceSerializer},
    ),
    destroy=extend_schema(summary="Delete a source nobody cites"),
)
class SourceViewSet(ServiceViewSet[Source]):
    """People, offices, outlets and documents that make or back statements."""

    serializer_class = SourceSerializer
    input_serializer_class = SourceInputSerializer
    filterset_class = SourceFilter
    ordering_fields = ["name", "reliability", "updated_at"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Source]:
        # One prefetch feeds both the evidence list and the track record.
        return Source.objects.with_related().prefetch_related(
            Prefetch("corroborations", queryset=evidence_with_verdicts())
        )

    def create_object(self, *, by: Any, **fields: Any) -> Source:
        return source_services.create_source(by=by, **fields)

    def update_object(
        self, obj: Source, *, by: Any, expected_version: int | None, **fields: Any
    ) -> Source:
        return services.update_source(
            source=obj, by=by, expected_version=expected_version, **fields
        )

    def delete_object(self, obj: Source, *, by: Any, expected_version: int | None) -> None:
        source_services.delete_source(source=obj, by=by, expected_version=expected_version)
