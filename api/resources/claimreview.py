"""
schema.org ClaimReview markup of a claim, for partners to publish: what the
claims and disputes resources answer at .../claimreview/.
"""

from __future__ import annotations

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


def claim_review_url(request: Request, claim: Claim) -> str:
    return request.build_absolute_uri(f"/api/v1/claims/{claim.pk}/")


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
