"""
The sources resource: people, offices, outlets and documents, each with what
it has corroborated and its track record. Creating and deleting a source go
through sources/services.py; editing one through claims.services.update_source,
which rescores the claims the source's grade, party or origin weighs on.
"""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.models import Claim, Corroboration
from claims.selectors import TrackRecord, evidence_with_verdicts, track_record
from publishing.representation import SOURCE, render
from publishing.selectors import partner_sources, visible
from sources import services as source_services
from sources.models import INDEPENDENT, Party, Reliability, Source, SourceKind, SourceQuerySet

from ..inputs import BlankableURLField, VersionedInput
from ..released import (
    SourceQuery,
    check_released_party,
    ordering_terms,
    own_text_field,
    page_of,
    reads_released,
    sort_items,
)
from ..renderers import RenderedItems, RenderedJSON, SplicingJSONRenderer
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

    renderer_classes = [SplicingJSONRenderer, BrowsableAPIRenderer]
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

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            return released_sources(request, self)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if reads_released(request):
            pk = int(self.kwargs["pk"])
            found = partner_sources([pk])
            if pk not in found:
                raise exceptions.NotFound()
            return Response(RenderedJSON(render(found[pk]).encode()))
        return super().retrieve(request, *args, **kwargs)

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


# What partners read (api/released.py): a source cited in the released
# claims and evidence of a usable dispute, put together from the released
# rows of every dispute that cites it (publishing.selectors.partner_sources).


def released_sources(request: Request, view: Any) -> Response:
    values = SourceQuery(request).values()
    rows = visible(SOURCE)
    if "party" in values:
        if values["party"] == INDEPENDENT:
            rows = rows.filter(party_slug="")
        else:
            check_released_party(values["party"])
            rows = rows.filter(party_slug=values["party"])
    if "reliability" in values:
        rows = rows.filter(reliability=values["reliability"])
    if "kind" in values:
        rows = rows.filter(**own_text_field("kind", values["kind"]))
    if values.get("search", "").strip():
        # For now a plain search of the released JSON, not the desk's text index.
        rows = rows.filter(content__icontains=values["search"].strip())
    terms = ordering_terms(request, view)
    if all(term.lstrip("-") == "id" for term in terms):
        # A source cited by several disputes has a row in each one's revision.
        ids = rows.order_by(*(term.replace("id", "object_id") for term in terms))
        page = page_of(view, ids.values_list("object_id", flat=True).distinct())
    else:
        # Ordered by its own fields as last released: its newest row's.
        newest = rows.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("object_id")],
                order_by=[F("updated_at").desc(), F("id").desc()],
            )
        ).filter(rank=1)
        items = sort_items(
            [json.loads(text) for text in newest.values_list("content", flat=True)], terms
        )
        page = page_of(view, [item["id"] for item in items])
    sources = partner_sources(page)
    texts = [render(sources[pk]).encode() for pk in page if pk in sources]
    return view.get_paginated_response(RenderedItems(texts))
