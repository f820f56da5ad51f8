"""
schema.org ClaimReview markup of a claim, for partners to publish: what the
claims and disputes resources answer at .../claimreview/.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict

from django.conf import settings
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from claims.models import Claim, Verdict

from ..renderers import FirstRendererNegotiation, JSONLDRenderer

SCHEMA_ORG = "https://schema.org"


class ActionOptions(TypedDict):
    """@action's arguments for a claimreview endpoint."""

    detail: bool
    methods: list[Literal["get"]]
    url_path: str
    renderer_classes: list[type[BaseRenderer]]
    content_negotiation_class: type[BaseContentNegotiation]
    filter_backends: list[type]
    pagination_class: None


CLAIM_REVIEW_ACTION: ActionOptions = {
    "detail": True,
    "methods": ["get"],
    "url_path": "claimreview",
    "renderer_classes": [JSONLDRenderer],
    "content_negotiation_class": FirstRendererNegotiation,
    "filter_backends": [],
    "pagination_class": None,
}


def claim_review_url(request: Request, claim_id: int) -> str:
    return request.build_absolute_uri(f"/api/v1/claims/{claim_id}/")


# Keyed by the verdicts, which are strings: a claim read back holds a plain str.
RATING: dict[str, int] = {
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
    The ClaimReview of one claim on the desk, without @context (the caller
    adds it, once for a whole @graph). `claim` carries its speaker.
    """
    speaker = claim.speaker
    return review(
        url=url,
        text=claim.text,
        speaker=(speaker.name, speaker.kind, speaker.url),
        stated_at=claim.stated_at,
        appearance=claim.appearance,
        verdict=claim.verdict,
        published=claim.updated_at,
    )


def released_claim_review(
    data: dict[str, Any], *, speaker_url: str, changed_at: datetime | None, url: str
) -> dict[str, Any]:
    """
    The ClaimReview of a claim as partners read it (its released JSON):
    published when it last changed for them, with the corrections it
    carries as schema.org `correction`s.
    """
    speaker = data["speaker"]
    return review(
        url=url,
        text=data["text"],
        speaker=(speaker["name"], speaker["kind"], speaker_url),
        stated_at=_parsed(data["stated_at"]),
        appearance=data["appearance"],
        verdict=data["credibility"]["verdict"],
        published=changed_at,
        corrections=data.get("corrections", []),
    )


def review(
    *,
    url: str,
    text: str,
    speaker: tuple[str, str, str],
    stated_at: datetime | None,
    appearance: str,
    verdict: str,
    published: datetime | None,
    corrections: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    newsroom = settings.CLAIMDESK_NEWSROOM
    name, kind, speaker_url = speaker
    author: dict[str, Any] = {
        "@type": "Person" if kind in PERSON_KINDS else "Organization",
        "name": name,
    }
    if speaker_url:
        author["url"] = speaker_url
    item: dict[str, Any] = {"@type": "Claim", "author": author}
    if stated_at is not None:
        item["datePublished"] = _date(stated_at)
    if appearance:
        item["appearance"] = {"@type": "CreativeWork", "url": appearance}
    markup: dict[str, Any] = {
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": text,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING[verdict],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": Verdict(verdict).label,
        },
        "author": {"@type": "Organization", "name": newsroom["name"], "url": newsroom["url"]},
        "datePublished": _date(published),
    }
    if corrections:
        markup["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": correction["note"],
                "datePublished": _date(_parsed(correction["at"])),
            }
            for correction in corrections
        ]
    return markup


def _parsed(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_THING = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {
        "@type": {"type": "string"},
        "name": {"type": "string"},
        "url": {"type": "string"},
    },
}
CLAIM_REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "@type",
        "url",
        "claimReviewed",
        "itemReviewed",
        "reviewRating",
        "author",
        "datePublished",
    ],
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
        "correction": {
            "type": "array",
            "description": "Partners only, when the claim's verdict was corrected: each "
            "correction's note, oldest first.",
            "items": {
                "type": "object",
                "required": ["@type", "text", "datePublished"],
                "properties": {
                    "@type": {"type": "string", "enum": ["CorrectionComment"]},
                    "text": {"type": "string"},
                    "datePublished": {"type": "string", "format": "date"},
                },
            },
        },
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
