"""What merging one source into another would move: the confirmation step's counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from claims.models import Corroboration
from sources.models import Source


@dataclass(frozen=True)
class MergePreview:
    evidence: int
    claims_with_evidence: int
    # Claims on which both sources have evidence: the later item counts.
    shared_claims: int
    spoken: int
    copies: int


def merge_preview(*, source: Source, into: Source) -> MergePreview:
    """Three queries, however much the source has said."""
    evidence = Corroboration.objects.filter(source=source).aggregate(
        items=Count("id"), claims=Count("claim", distinct=True)
    )
    shared = (
        Corroboration.objects.filter(source=into, claim__corroborations__source=source)
        .values("claim")
        .distinct()
        .count()
    )
    counts = Source.objects.filter(pk=source.pk).aggregate(
        spoken=Count("claims", distinct=True),
        copies=Count("copies", distinct=True, filter=~Q(copies__pk=None)),
    )
    return MergePreview(
        evidence=evidence["items"],
        claims_with_evidence=evidence["claims"],
        shared_claims=shared,
        spoken=counts["spoken"],
        copies=counts["copies"],
    )
