"""
Query filters of the claims API. Every filter validates its value: an
unknown slug, verdict or stance, a score outside [0, 1] or a date that does
not parse is a 400 naming the parameter (DjangoFilterBackend raises on an
invalid form), never an empty list that looks like an answer.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from sources.models import Party, Source

from .models import Account, Claim, Corroboration, Dispute, Stance, Verdict


def dispute_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Dispute.objects.all(),
        to_field_name="slug",
        help_text="A dispute's slug.",
    )


def party_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Party.objects.all(),
        to_field_name="slug",
        help_text="A party's slug.",
    )


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 1})
class ScoreFilter(django_filters.NumberFilter):
    """A score bound: a number from 0 to 1."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(field_name="score", min_value=0, max_value=1, **kwargs)


class UTCDateTimeField(IsoDateTimeField):
    """
    An ISO 8601 time, converted to UTC: Python accepts offsets of up to a
    day, PostgreSQL only up to sixteen hours.
    """

    def to_python(self, value: str | None) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt_timezone.utc)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.", code="overflow")


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class DisputeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Dispute.Status.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="Text in the title or summary.")

    class Meta:
        model = Dispute
        fields = ["status", "search"]

    def filter_search(self, queryset: QuerySet[Dispute], name: str, value: str) -> QuerySet[Dispute]:
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))


class AccountFilter(django_filters.FilterSet):
    dispute = dispute_filter("dispute")
    party = party_filter("party")
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)

    class Meta:
        model = Account
        fields = ["dispute", "party", "verdict"]


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
        field_name="updated_at", lookup_expr="gte",
        help_text="Claims changed at or after this ISO 8601 time (a naive time is UTC).",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Text in the claim or in its speaker's name."
    )

    class Meta:
        model = Claim
        fields = [
            "dispute", "party", "account", "speaker", "verdict",
            "min_score", "max_score", "updated_since", "search",
        ]

    def filter_search(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.search(value)


class CorroborationFilter(django_filters.FilterSet):
    claim = django_filters.ModelChoiceFilter(queryset=Claim.objects.all(), help_text="A claim's id.")
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all(), help_text="A source's id.")
    dispute = dispute_filter("claim__account__dispute")
    stance = django_filters.ChoiceFilter(choices=Stance.choices)

    class Meta:
        model = Corroboration
        fields = ["claim", "source", "dispute", "stance"]
