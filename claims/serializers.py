"""
The partner API's view of disputes, accounts, claims and evidence, of sources
with their record, and the schema.org ClaimReview markup of a claim.

A source's representation lives here rather than in the sources app because
it includes the source's evidence and track record, which are claims data
(sources must not import claims).

Representations (read) and inputs (write) are separate serializers: inputs
list the fields a write may send, validate their shape only and never carry
a derived field (score, verdict, evidence weight); the services do the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sources.models import Party, Source
from sources.serializers import BlankableURLField, PartyRefSerializer, VersionedInput

from . import scoring
from .models import Account, Claim, Corroboration, Dispute, ScoreSnapshot, Stance, Verdict
from .selectors import TrackRecord, explain_claim, track_record


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


class SourceRefSerializer(serializers.ModelSerializer):
    """A source named inside another object (a claim's speaker, a piece of evidence)."""

    affiliation = PartyRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "reliability", "is_anonymous", "affiliation"]
        read_only_fields = fields


# Disputes and accounts


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


class DisputeSerializer(serializers.ModelSerializer):
    accounts = DisputeAccountSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id", "slug", "title", "summary", "status", "accounts",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


class DisputeInputSerializer(VersionedInput):
    slug = serializers.SlugField(max_length=100)
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Dispute.Status.choices, required=False)


class AccountSerializer(DisputeAccountSerializer):
    dispute = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(DisputeAccountSerializer.Meta):
        fields = [
            "id", "dispute", "party", "summary", "credibility", "claim_count",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


class AccountInputSerializer(VersionedInput):
    dispute = serializers.SlugRelatedField(
        slug_field="slug", queryset=Dispute.objects.all(), help_text="The dispute's slug. Fixed once set."
    )
    party = serializers.SlugRelatedField(
        slug_field="slug", queryset=Party.objects.all(), help_text="The party's slug. Fixed once set."
    )
    summary = serializers.CharField(required=False, allow_blank=True)


# Claims


class ClaimEvidenceSerializer(serializers.ModelSerializer):
    """One piece of evidence, as listed in its claim."""

    source = SourceRefSerializer(read_only=True)
    url = BlankableURLField(read_only=True)

    class Meta:
        model = Corroboration
        fields = ["id", "source", "stance", "quote", "url", "observed_at"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    """
    A claim with its credibility and evidence. This is the readable statement
    of the representation, and what the schema is generated from; the views
    build the same JSON from .values() rows with claim_representations(),
    because the claims list is the hot path partners poll and DRF's
    field-by-field serialization of a page of claims with their evidence
    costs several times the queries. tests/claims/test_api.py holds the two
    to identical output.
    """

    dispute = serializers.SlugRelatedField(source="account.dispute", slug_field="slug", read_only=True)
    party = PartyRefSerializer(source="account.party", read_only=True)
    speaker = SourceRefSerializer(read_only=True)
    appearance = BlankableURLField(
        read_only=True, help_text="Where the statement was made or first reported; empty if unknown."
    )
    credibility = serializers.SerializerMethodField()
    corroborations = ClaimEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "text", "account", "dispute", "party", "speaker", "stated_at", "appearance",
            "credibility", "corroborations", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CredibilitySerializer)
    def get_credibility(self, claim: Claim) -> dict[str, Any]:
        return credibility(claim)


class ExplainedItemSerializer(serializers.Serializer):
    corroboration = serializers.IntegerField(help_text="The corroboration's id.")
    source = serializers.IntegerField(help_text="The source's id.")
    source_name = serializers.CharField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    counted = serializers.BooleanField(help_text="False: ignored, and `reason` says why.")
    reason = serializers.CharField(
        help_text="Why it counts as it does (its interest), or why it is ignored."
    )
    r = serializers.FloatField(help_text="Reliability of the source's grade.")
    k = serializers.FloatField(help_text="Interest factor.")
    a = serializers.FloatField(help_text="Anonymity factor.")
    w = serializers.FloatField(help_text="Weight r·k·a.")
    support = serializers.FloatField(help_text="Its contribution to S.")
    contradiction = serializers.FloatField(help_text="Its contribution to C.")


class ExplanationSerializer(serializers.Serializer):
    formula = serializers.CharField()
    score = serializers.FloatField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    support = serializers.FloatField(help_text="S: the support that counts.")
    contradiction = serializers.FloatField(help_text="C: the contradiction that counts.")
    evidence_weight = serializers.FloatField()
    items = ExplainedItemSerializer(many=True)


def explanation(result: scoring.ClaimScore) -> dict[str, Any]:
    return {
        "formula": "score = (1 + S) / (2 + S + C)",
        "score": result.score,
        "verdict": result.verdict,
        "support": result.support,
        "contradiction": result.contradiction,
        "evidence_weight": result.evidence_weight,
        "items": [item.as_dict() for item in result.items],
    }


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreSnapshot
        fields = ["score", "verdict", "evidence_weight", "at", "cause"]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with why its score is what it is, and how it got there."""

    explanation = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "explanation", "history"]
        read_only_fields = fields

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, claim: Claim) -> dict[str, Any]:
        return explanation(explain_claim(claim))

    @extend_schema_field(SnapshotSerializer(many=True))
    def get_history(self, claim: Claim) -> list[dict[str, Any]]:
        return SnapshotSerializer(claim.snapshots.order_by("at", "id"), many=True).data


# The claims representation, built from rows

CLAIM_COLUMNS = (
    "id", "text", "account_id", "account__dispute__slug",
    "account__party_id", "account__party__slug", "account__party__name",
    "speaker_id", "speaker__name", "speaker__kind", "speaker__reliability", "speaker__is_anonymous",
    "speaker__affiliation_id", "speaker__affiliation__slug", "speaker__affiliation__name",
    "stated_at", "appearance", "score", "verdict", "evidence_weight",
    "version", "created_at", "updated_at",
)
EVIDENCE_COLUMNS = (
    "id", "claim_id", "stance", "quote", "url", "observed_at",
    "source_id", "source__name", "source__kind", "source__reliability", "source__is_anonymous",
    "source__affiliation_id", "source__affiliation__slug", "source__affiliation__name",
)


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    """A datetime as DRF's DateTimeField writes it (in `tz`, UTC with a Z)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _party(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    if row[f"{prefix}_id"] is None:
        return None
    return {"id": row[f"{prefix}_id"], "slug": row[f"{prefix}__slug"], "name": row[f"{prefix}__name"]}


def _source(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        "id": row[f"{prefix}_id"],
        "name": row[f"{prefix}__name"],
        "kind": row[f"{prefix}__kind"],
        "reliability": row[f"{prefix}__reliability"],
        "is_anonymous": row[f"{prefix}__is_anonymous"],
        "affiliation": _party(row, f"{prefix}__affiliation"),
    }


def claim_representations(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """
    ClaimSerializer's output for claim rows (.values(*CLAIM_COLUMNS)), with
    the evidence of all of them read in one more query.
    """
    rows = list(rows)
    tz = timezone.get_current_timezone()
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    items = (
        Corroboration.objects.filter(claim_id__in=[row["id"] for row in rows])
        .order_by("observed_at", "id")
        .values(*EVIDENCE_COLUMNS)
    )
    # A few sources give most of the evidence: build each one's dict once.
    sources: dict[int, dict[str, Any]] = {}
    for item in items:
        source = sources.get(item["source_id"])
        if source is None:
            source = sources[item["source_id"]] = _source(item, "source")
        evidence[item["claim_id"]].append({
            "id": item["id"],
            "source": source,
            "stance": item["stance"],
            "quote": item["quote"],
            "url": item["url"],
            "observed_at": iso(item["observed_at"], tz),
        })
    return [
        {
            "id": row["id"],
            "text": row["text"],
            "account": row["account_id"],
            "dispute": row["account__dispute__slug"],
            "party": _party(row, "account__party"),
            "speaker": _source(row, "speaker"),
            "stated_at": iso(row["stated_at"], tz),
            "appearance": row["appearance"],
            "credibility": {
                "score": row["score"],
                "verdict": row["verdict"],
                "evidence_weight": row["evidence_weight"],
            },
            "corroborations": evidence[row["id"]],
            "version": row["version"],
            "created_at": iso(row["created_at"], tz),
            "updated_at": iso(row["updated_at"], tz),
        }
        for row in rows
    ]


SNAPSHOT_COLUMNS = ("score", "verdict", "evidence_weight", "at", "cause")


def history_representation(claim: Claim) -> list[dict[str, Any]]:
    """
    SnapshotSerializer's output for the claim's score history, from rows: a
    claim gathers hundreds of snapshots, and a model instance and a field-by-
    field serialization for each was half the cost of a claim's detail.
    """
    tz = timezone.get_current_timezone()
    rows = claim.snapshots.order_by("at", "id").values(*SNAPSHOT_COLUMNS)
    return [{**row, "at": iso(row["at"], tz)} for row in rows]


def claim_detail_representation(claim: Claim) -> dict[str, Any]:
    """ClaimDetailSerializer's output for one claim (its account loaded)."""
    [data] = claim_representations(Claim.objects.filter(pk=claim.pk).values(*CLAIM_COLUMNS))
    data["explanation"] = explanation(explain_claim(claim))
    data["history"] = history_representation(claim)
    return data


class ClaimInputSerializer(VersionedInput):
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), help_text="The id of the account the claim belongs to. Fixed once set."
    )
    text = serializers.CharField()
    speaker = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), help_text="The id of the source who made the statement."
    )
    stated_at = serializers.DateTimeField(required=False, allow_null=True)
    appearance = BlankableURLField(help_text="Where the statement was made or first reported.")


# Corroborations


class CorroborationSerializer(serializers.ModelSerializer):
    claim = serializers.PrimaryKeyRelatedField(read_only=True)
    source = SourceRefSerializer(read_only=True)
    url = BlankableURLField(read_only=True)

    class Meta:
        model = Corroboration
        fields = [
            "id", "claim", "source", "stance", "quote", "url", "observed_at",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CorroborationInputSerializer(VersionedInput):
    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), help_text="The id of the claim. Fixed once set."
    )
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), help_text="The source's id.")
    stance = serializers.ChoiceField(choices=Stance.choices)
    quote = serializers.CharField(help_text="The words the evidence rests on.")
    url = BlankableURLField()
    observed_at = serializers.DateTimeField(
        required=False, help_text="When the source said or published it; now if left out."
    )


# Sources, with what they have corroborated and how it has held up


class SourceEvidenceSerializer(serializers.ModelSerializer):
    """One thing a source has said about a claim."""

    claim = serializers.PrimaryKeyRelatedField(read_only=True)

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
    origin = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    corroborations = SourceEvidenceSerializer(many=True, read_only=True)
    track_record = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id", "name", "kind", "affiliation", "is_anonymous", "reliability", "url", "notes",
            "origin", "corroborations", "track_record", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TrackRecordSerializer)
    def get_track_record(self, source: Source) -> dict[str, Any]:
        return track_record_representation(track_record(source.corroborations.all()))


# ClaimReview (schema.org), for partners to publish

RATING = {
    Verdict.CORROBORATED: 5,
    Verdict.MOSTLY_CORROBORATED: 4,
    Verdict.CONTESTED: 3,
    # With no evidence either way the claim sits in the middle of the scale;
    # alternateName says "Unverified", which is what a reader sees.
    Verdict.UNVERIFIED: 3,
    Verdict.MOSTLY_CONTRADICTED: 2,
    Verdict.CONTRADICTED: 1,
}

PERSON_KINDS = {"official", "spokesperson", "anonymous_official", "expert", "witness"}


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def claim_review(claim: Claim, *, url: str) -> dict[str, Any]:
    """
    The ClaimReview of one claim, without @context (the caller adds it, once
    for a whole @graph). `claim` carries its speaker.
    """
    newsroom = settings.CLAIMDESK_NEWSROOM
    speaker = claim.speaker
    author: dict[str, Any] = {
        "@type": "Person" if speaker.kind in PERSON_KINDS else "Organization",
        "name": speaker.name,
    }
    if speaker.url:
        author["url"] = speaker.url
    item: dict[str, Any] = {"@type": "Claim", "author": author}
    if claim.stated_at is not None:
        item["datePublished"] = _date(claim.stated_at)
    if claim.appearance:
        item["appearance"] = {"@type": "CreativeWork", "url": claim.appearance}
    return {
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING[claim.verdict],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": claim.verdict_label,
        },
        "author": {"@type": "Organization", "name": newsroom["name"], "url": newsroom["url"]},
        "datePublished": _date(claim.updated_at),
    }


_THING = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"}},
}
CLAIM_REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["@type", "url", "claimReviewed", "itemReviewed", "reviewRating", "author", "datePublished"],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": {"type": "string", "format": "uri"},
        "claimReviewed": {"type": "string"},
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "author"],
            "properties": {
                "@type": {"type": "string", "enum": ["Claim"]},
                "author": _THING,
                "datePublished": {"type": "string", "format": "date"},
                "appearance": {
                    "type": "object",
                    "properties": {"@type": {"type": "string"}, "url": {"type": "string"}},
                },
            },
        },
        "reviewRating": {
            "type": "object",
            "required": ["@type", "ratingValue", "bestRating", "worstRating", "alternateName"],
            "properties": {
                "@type": {"type": "string", "enum": ["Rating"]},
                "ratingValue": {"type": "integer", "minimum": 1, "maximum": 5},
                "bestRating": {"type": "integer", "enum": [5]},
                "worstRating": {"type": "integer", "enum": [1]},
                "alternateName": {"type": "string"},
            },
        },
        "author": _THING,
        "datePublished": {"type": "string", "format": "date"},
    },
}
CLAIM_REVIEW_GRAPH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "@graph"],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@graph": {"type": "array", "items": CLAIM_REVIEW_SCHEMA},
    },
}
