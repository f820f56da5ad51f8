"""
Reads about webhooks: an endpoint's signing secrets, its deliveries, and
what an event says to partners (the body of its message).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from publishing.models import FeedEvent, PubStatus, Revision, RevisionObject
from publishing.representation import (
    DISPUTE,
    Correction,
    iso,
    publication_fields,
    render,
    tombstone,
)
from publishing.selectors import corrections, partner_detail

from .models import Delivery, Endpoint, EventType

# The message type of each dispute event of the partners' feed.
EVENT_TYPES = {
    FeedEvent.Event.PUBLISHED: EventType.PUBLISHED,
    FeedEvent.Event.CORRECTED: EventType.CORRECTED,
    FeedEvent.Event.WITHHELD: EventType.WITHHELD,
    FeedEvent.Event.CANCELED: EventType.CANCELED,
}
# What partners are told of the dispute by each event.
PUB_STATUS = {
    FeedEvent.Event.PUBLISHED: PubStatus.USABLE,
    FeedEvent.Event.CORRECTED: PubStatus.USABLE,
    FeedEvent.Event.WITHHELD: PubStatus.WITHHELD,
    FeedEvent.Event.CANCELED: PubStatus.CANCELED,
}
# The types an endpoint can ask for (an editor's ping always goes).
SUBSCRIBABLE = [value for value in EventType.values if value != EventType.PING]


def current_secrets(endpoint: Endpoint, *, now: datetime | None = None) -> list[str]:
    """The secrets that sign its deliveries now, newest first."""
    now = now or timezone.now()
    return list(
        endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    """Its deliveries, newest first, with their messages."""
    return endpoint.deliveries.select_related("message").order_by("-id")


def active_endpoints() -> list[Endpoint]:
    """The endpoints events go to: switched on, of a partner whose key still works."""
    now = timezone.now()
    return list(
        Endpoint.objects.filter(is_active=True, partner_key__revoked=False)
        .filter(Q(partner_key__expiry_date__isnull=True) | Q(partner_key__expiry_date__gt=now))
        .order_by("id")
    )


# What an event says


def event_body(event_type: str, at: datetime, data: str) -> str:
    """A message's body: `{"type", "timestamp", "data"}`, compact, `data` as given (JSON)."""
    return f'{{"type":{render(event_type)},"timestamp":{render(iso(at))},"data":{data}}}'


def ping_body(at: datetime) -> str:
    data = {"message": "A test ping from claimdesk: this endpoint is registered."}
    return event_body(EventType.PING, at, render(data))


def event_bodies(events: Iterable[FeedEvent]) -> dict[int, str]:
    """
    The body of each dispute event (by the feed event's id): the dispute as
    a partner read it at that event, built from the revision the event
    names, whatever was released since. Published or corrected, the
    revision's JSON (pub_status, version, corrections as they were then);
    withheld or canceled, the tombstone partners read then. A body larger
    than WEBHOOKS_MAX_PAYLOAD_BYTES carries a link to the dispute instead.
    """
    events = list(events)
    keys = {event.dispute_key for event in events}
    versions = {event.version for event in events if event.version is not None}
    rows = (
        RevisionObject.objects.filter(
            object_type=DISPUTE,
            revision__state=Revision.State.RELEASED,
            revision__publication__dispute_key__in=keys,
            revision__number__in=versions,
        )
        .select_related("revision__publication")
        .only(
            "data",
            "detail",
            "dispute_slug",
            "revision__number",
            "revision__created_at",
            "revision__embargoed_until",
            "revision__released_at",
            "revision__publication__dispute_key",
            "revision__publication__first_published_at",
            "revision__publication__slug",
        )
    )
    found = {(row.revision.publication.dispute_key, row.revision.number): row for row in rows}
    bodies = {}
    for event in events:
        kind = FeedEvent.Event(event.event)
        row = found.get((event.dispute_key, event.version))
        if row is None:
            # Not in the feed without a released revision; kept safe all the same.
            data = render(
                {"id": event.dispute_key, "version": event.version, "pub_status": PUB_STATUS[kind]}
            )
        elif kind in (FeedEvent.Event.PUBLISHED, FeedEvent.Event.CORRECTED):
            data = partner_detail(row)
        else:
            data = render(_tombstone(event, row))
        body = event_body(EVENT_TYPES[kind], event.at, data)
        if len(body.encode()) > settings.WEBHOOKS_MAX_PAYLOAD_BYTES and row is not None:
            body = event_body(EVENT_TYPES[kind], event.at, render(_link(event, row)))
        bodies[event.pk] = body
    return bodies


def _tombstone(event: FeedEvent, row: RevisionObject) -> dict[str, Any]:
    revision = row.revision
    publication = revision.publication
    status = PUB_STATUS[FeedEvent.Event(event.event)]
    assert revision.number is not None
    first = publication.first_published_at or revision.released_at or event.at
    retraction = None
    if event.event == FeedEvent.Event.CANCELED:
        retraction = Correction(at=event.at, note=event.note)
    return tombstone(
        dispute_id=event.dispute_key,
        slug=row.dispute_slug,
        pub_status=status,
        fields=publication_fields(
            object_type=DISPUTE,
            pub_status=status,
            version=revision.number,
            first_published_at=first,
            version_created_at=revision.created_at,
            embargoed_until=revision.embargoed_until,
            corrections=[item.as_dict() for item in corrections(publication, upto=revision)],
        ),
        retraction=retraction,
    )


def _link(event: FeedEvent, row: RevisionObject) -> dict[str, Any]:
    """What a large event carries instead of the dispute: where to read it."""
    return {
        "id": event.dispute_key,
        "slug": row.dispute_slug,
        "version": event.version,
        "pub_status": PUB_STATUS[FeedEvent.Event(event.event)],
        "url": f"{settings.WEBHOOKS_API_URL}disputes/{row.dispute_slug}/",
    }
