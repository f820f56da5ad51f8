"""
The changes feed: every creation, update and deletion of every resource, in
cursor order, for partners to sync incrementally. Not a resource itself, so
a plain APIView with the conditional requests of the rest.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute
from publishing.models import FeedEvent, RevisionObject
from publishing.representation import DISPUTE
from publishing.selectors import visible
from sources.models import Party, Source

from ..conditional import ConditionalRequestsMixin
from ..pagination import positive_int_param
from ..released import VIEW_PARAMETER, reads_released


class ChangeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Where to read the object now; null once it is deleted."
    )
    event = serializers.SerializerMethodField(
        help_text="Partners: on a dispute's event, what happened to its publication "
        "(`published`, `corrected`, `withheld`, `canceled`); empty otherwise, and for staff."
    )
    note = serializers.SerializerMethodField(
        help_text="Partners: the note to show with a dispute's `corrected`, `withheld` or "
        "`canceled` event; empty otherwise."
    )
    version = serializers.SerializerMethodField(
        help_text="Partners: the dispute's revision the event belongs to; null for staff."
    )

    class Meta:
        model = Change
        fields = [
            "id",
            "action",
            "object_type",
            "object_id",
            "at",
            "summary",
            "url",
            "event",
            "note",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The event's cursor: pass it as `since` to read what follows."}
        }

    def get_url(self, change: Change) -> str | None:
        return self.context["urls"].get((change.object_type, change.object_id))

    def get_event(self, change: Change) -> str:
        return ""

    def get_note(self, change: Change) -> str:
        return ""

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_version(self, change: Change) -> int | None:
        return None


class FeedEventSerializer(serializers.ModelSerializer):
    """An event of the partners' feed, in the shape of ChangeSerializer."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = FeedEvent
        fields = ChangeSerializer.Meta.fields
        read_only_fields = fields

    def get_url(self, event: FeedEvent) -> str | None:
        return self.context["urls"].get((event.object_type, event.object_id))


class ChangesPageSerializer(serializers.Serializer):
    since = serializers.IntegerField(help_text="The cursor this page starts after.")
    next = serializers.IntegerField(
        help_text="The cursor to send as `since` next time (the last event's id; `since` "
        "itself when there is nothing new)."
    )
    has_more = serializers.BooleanField(help_text="More events follow: fetch again at once.")
    results = ChangeSerializer(many=True)


# The collection each object type lives in, and the field its URL uses.
RESOURCES: dict[
    str, tuple[str, type[Party | Source | Dispute | Account | Claim | Corroboration], str]
] = {
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

    Partners follow their own feed (publishing.FeedEvent): what changed for
    them, written when a revision is released, paused, resumed or
    retracted; its cursors are its own.
    """

    MAX_LIMIT = 1000

    @extend_schema(
        summary="The changes feed, for incremental sync",
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "integer", "minimum": 0},
                description="Return the events after this cursor (0: from the start).",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"At most this many events, 1 to {MAX_LIMIT} (default 100).",
            ),
            VIEW_PARAMETER,
        ],
        responses={200: ChangesPageSerializer},
    )
    def get(self, request: Request) -> Response:
        released = reads_released(request)
        since = self.since(request)
        limit = positive_int_param(request, "limit", maximum=self.MAX_LIMIT) or 100
        log = FeedEvent if released else Change
        events = list(log.objects.filter(id__gt=since).order_by("id")[: limit + 1])
        has_more = len(events) > limit
        events = events[:limit]
        if released:
            urls = self.released_urls(request, events)
            results = FeedEventSerializer(events, many=True, context={"urls": urls}).data
        else:
            urls = self.object_urls(request, events)
            results = ChangeSerializer(events, many=True, context={"urls": urls}).data
        page = {
            "since": since,
            "next": events[-1].id if events else since,
            "has_more": has_more,
            "results": results,
        }
        return Response(page)

    def since(self, request: Request) -> int:
        if request.query_params.get("since") in (None, "0"):
            return 0
        return positive_int_param(request, "since") or 0  # sent, so never None

    def released_urls(
        self, request: Request, events: list[FeedEvent]
    ) -> dict[tuple[str, int], str]:
        """
        Where a partner reads each object now: a dispute at the slug of its
        released revision (its tombstone too, once withheld or canceled),
        the others while they are visible. One query per type on the page.
        """
        ids: dict[str, set[int]] = {}
        for event in events:
            if event.action != Change.Action.DELETED:
                ids.setdefault(event.object_type, set()).add(event.object_id)
        urls: dict[tuple[str, int], str] = {}
        for object_type, pks in ids.items():
            found: QuerySet[RevisionObject, tuple[int, Any]]
            if object_type == DISPUTE:
                found = RevisionObject.objects.filter(
                    object_type=DISPUTE,
                    object_id__in=pks,
                    revision__publication__released=F("revision"),
                ).values_list("object_id", "dispute_slug")
            elif object_type in RESOURCES:
                found = (
                    visible(object_type)
                    .filter(object_id__in=pks)
                    .values_list("object_id", "object_id")
                )
            else:
                continue
            collection = RESOURCES[object_type][0]
            for pk, key in found:
                urls[object_type, pk] = request.build_absolute_uri(f"/api/v1/{collection}/{key}/")
        return urls

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
