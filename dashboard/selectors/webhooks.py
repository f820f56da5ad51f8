"""
The webhooks pages' reads (DESIGN.md §10): the endpoints with how their
recent deliveries went, the endpoints the desk disabled (the notice editors
are shown), one endpoint with the prefix of its secret, its deliveries, and
one delivery with its attempt log.

A secret never leaves the database whole for a page: the pages show its
first characters, cut by the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from claims.models import Dispute
from publishing.models import Publication
from webhooks.models import Attempt, Delivery, Endpoint, EndpointSecret

from .common import count_of

# The counts on the endpoints' list are of the deliveries made this long ago
# or since: how an endpoint is doing now, not over its whole life.
RECENT = timedelta(days=7)
# "whsec_" and a few characters: enough to tell two secrets apart, far too
# few to sign with.
SECRET_PREFIX_LENGTH = 9
# How many endpoints the notice names; the webhooks page lists them all.
NOTICE_LIMIT = 5

State = Delivery.State

# Where a delivery stands, as the pages count and filter them. Failing: not
# delivered yet, and tried at least once in vain; it is tried again on the
# schedule. Failed: given up, because the schedule ended or the endpoint
# was disabled.
FAILING = Q(state=State.PENDING, attempts__gt=0)
FAILED = Q(state__in=[State.FAILED, State.CANCELED])


def partner_keys() -> QuerySet[APIKey]:
    """The partner keys an endpoint may be registered for: neither revoked nor expired."""
    now = timezone.now()
    return (
        APIKey.objects.filter(revoked=False)
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gt=now))
        .order_by("name", "id")
    )


def endpoint_list() -> QuerySet[Endpoint]:
    """
    Every endpoint with its partner key and its recent deliveries counted by
    how they went: a count per state, each a subquery over the deliveries'
    endpoint index, so one query for the page however many endpoints.
    """
    since = timezone.now() - RECENT
    recent = Delivery.objects.filter(created_at__gte=since)
    return (
        Endpoint.objects.select_related("partner_key")
        .annotate(
            delivered_count=count_of(recent.filter(state=State.SUCCEEDED), "endpoint"),
            failing_count=count_of(recent.filter(FAILING), "endpoint"),
            failed_count=count_of(recent.filter(FAILED), "endpoint"),
        )
        .order_by("-is_active", "url", "id")
    )


@dataclass(frozen=True)
class DisabledNotice:
    """The endpoints the notice names, and whether there are more."""

    endpoints: list[Endpoint]
    more: bool

    def __bool__(self) -> bool:
        return bool(self.endpoints)


def disabled_endpoints() -> DisabledNotice:
    """
    The endpoints the desk disabled (a 410, a whole schedule failed), the
    latest first, for the notice editors see: one query, NOTICE_LIMIT of
    them and one more to say there are others. An endpoint an editor
    switched off carries no reason and is no news to them.
    """
    found = list(
        Endpoint.objects.filter(is_active=False)
        .exclude(disabled_reason="")
        .select_related("partner_key")
        .order_by(F("disabled_at").desc(nulls_last=True), "-id")[: NOTICE_LIMIT + 1]
    )
    return DisabledNotice(endpoints=found[:NOTICE_LIMIT], more=len(found) > NOTICE_LIMIT)


def _current_secret() -> QuerySet[EndpointSecret]:
    return EndpointSecret.objects.filter(endpoint=OuterRef("pk"), expires_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def endpoint_for_page(endpoint_id: int) -> Endpoint:
    """
    One endpoint with its partner key, the prefix of its current secret
    (`secret_prefix`) and, during a rotation, until when the one before it
    still signs (`previous_secret_until`): one query.
    """
    prefix = Substr(
        Subquery(_current_secret().values("secret")[:1], output_field=CharField()),
        1,
        SECRET_PREFIX_LENGTH,
    )
    previous = (
        EndpointSecret.objects.filter(endpoint=OuterRef("pk"), expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .values("expires_at")[:1]
    )
    endpoints = Endpoint.objects.select_related("partner_key", "created_by").annotate(
        secret_prefix=prefix,
        previous_secret_until=Subquery(previous, output_field=DateTimeField()),
    )
    return get_object_or_404(endpoints, pk=endpoint_id)


def previous_secret_until(endpoint: Endpoint) -> datetime | None:
    """Until when the secret before the current one still signs, if it does."""
    return (
        EndpointSecret.objects.filter(endpoint=endpoint, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def _with_dispute(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """
    Each delivery's dispute as the desk knows it now (its slug, for a link;
    None once deleted) and as partners were last told it (its title), read
    in the deliveries' own query.
    """
    key = OuterRef("message__dispute_key")
    return deliveries.annotate(
        dispute_slug=Subquery(Dispute.objects.filter(pk=key).values("slug")[:1]),
        dispute_title=Subquery(Publication.objects.filter(dispute_key=key).values("title")[:1]),
    )


def endpoint_deliveries(endpoint: Endpoint, *, failing_only: bool = False) -> QuerySet[Delivery]:
    """An endpoint's deliveries, the newest first, with their message and dispute."""
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    if failing_only:
        deliveries = deliveries.filter(FAILING | FAILED)
    return _with_dispute(deliveries.select_related("message")).order_by("-created_at", "-id")


def delivery_for_page(delivery_id: int) -> Delivery:
    """One delivery with its message, endpoint, partner key and dispute: one query."""
    deliveries = _with_dispute(Delivery.objects.select_related("message", "endpoint__partner_key"))
    return get_object_or_404(deliveries, pk=delivery_id)


def attempt_log(delivery: Delivery) -> QuerySet[Attempt]:
    """A delivery's attempts, the latest first."""
    return Attempt.objects.filter(delivery=delivery).order_by("-at", "-id")
