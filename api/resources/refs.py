"""
How one resource names another: the short forms of a party and a source
inside another object's representation, a score, and the filters that pick
a dispute or a party by slug.
"""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import serializers

from claims.models import Account, Claim, Dispute, Verdict
from sources.models import Party, Source


class PartyRefSerializer(serializers.ModelSerializer):
    """A party named inside another object."""

    class Meta:
        model = Party
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class SourceRefSerializer(serializers.ModelSerializer):
    """A source named inside another object (a claim's speaker, a piece of evidence)."""

    affiliation = PartyRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "reliability", "is_anonymous", "affiliation"]
        read_only_fields = fields


class CredibilitySerializer(serializers.Serializer):
    """The derived score of a claim or an account (docs/scoring.md)."""

    score = serializers.FloatField(
        read_only=True, help_text="From 0 (contradicted) to 1 (corroborated); 0.5 with no evidence."
    )
    verdict = serializers.ChoiceField(choices=Verdict.choices, read_only=True)
    evidence_weight = serializers.FloatField(
        read_only=True, help_text="The total weight of the evidence that counts (S + C)."
    )


def credibility(obj: Claim | Account) -> dict[str, Any]:
    return {"score": obj.score, "verdict": obj.verdict, "evidence_weight": obj.evidence_weight}


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
