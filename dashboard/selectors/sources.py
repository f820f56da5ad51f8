"""
The sources pages' reads: the directory with each source's use counts, and
one source's record (its evidence, its copies, the claims it made, its
track record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.paginator import Page
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from claims.models import Claim, Corroboration, Verdict
from claims.selectors import ClaimsTaken, evidence_with_verdicts
from claims.selectors import track_record as claims_track_record
from sources.models import INDEPENDENT, Party, Source

from .common import count_of, with_rows

# django-stubs-ext is a lint requirement (requirements.txt), not a runtime one.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def source_directory(
    *, search: str = "", party: str = "", grade: str = "", kind: str = ""
) -> QuerySet[Source]:
    """Sources matching the filters, by name (their counts: with_use_counts, per page)."""
    sources = Source.objects.search(search)
    if party:
        sources = sources.affiliated_with(party)
    if grade:
        sources = sources.filter(reliability=grade)
    if kind:
        sources = sources.filter(kind=kind)
    return sources.order_by("name", "id")


def with_use_counts(page: Page[Source]) -> Page[Source]:
    """
    The sources of one page of source_directory with how often each has
    given evidence and made a claim. Counted for the page's rows only:
    counted in the sliced query itself, the database would count for every
    row the OFFSET skips too.
    """
    # The paginator cuts the directory's queryset into a queryset: its rows
    # are one subquery here, not another query.
    rows = cast(QuerySet[Source], page.object_list)
    counted = (
        Source.objects.filter(pk__in=rows.values("pk"))
        .select_related("affiliation")
        .annotate(
            corroboration_count=count_of(Corroboration.objects.all(), "source"),
            claim_count=count_of(Claim.objects.all(), "speaker"),
        )
        .order_by("name", "id")
    )
    return with_rows(page, list(counted))


def source_for_page(source_id: int) -> QuerySet[Source]:
    return Source.objects.select_related("affiliation", "origin").filter(pk=source_id)


class RecordCounts(TypedDict):
    spoken_count: int  # claims the source made
    copy_count: int  # sources that repeat it


def source_record(source_id: int) -> WithAnnotations[Source, RecordCounts]:
    """The source for its page, with how many claims it made and how many sources repeat it."""
    return get_object_or_404(
        source_for_page(source_id).annotate(
            spoken_count=count_of(Claim.objects.all(), "speaker"),
            copy_count=count_of(Source.objects.all(), "origin"),
        )
    )


def source_evidence(source: Source) -> QuerySet[Corroboration]:
    """What the source has corroborated or contradicted, newest first."""
    return (
        Corroboration.objects.filter(source=source)
        .select_related("claim__account__dispute", "claim__account__party")
        .order_by("-observed_at", "-id")
    )


def claims_spoken_by(source: Source) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(speaker=source)
        .select_related("account__dispute", "account__party")
        .order_by("-stated_at", "-id")
    )


@dataclass(frozen=True)
class TrackLine:
    """One side of a source's track record (claims.selectors.track_record), as the page draws it."""

    claims: ClaimsTaken

    @property
    def side(self) -> str:
        return self.claims.side

    @property
    def total(self) -> int:
        return self.claims.total

    @property
    def borne_out(self) -> int:
        return self.claims.held_up

    def segments(self) -> list[dict[str, Any]]:
        """
        The non-empty verdicts in scale order, each with its share of the bar
        as x and width in percent (drawn as SVG: the CSP forbids inline styles).
        """
        total, x = self.total, 0.0
        parts: list[dict[str, Any]] = []
        for verdict in VERDICT_SCALE:
            count = self.claims.verdicts[verdict.value]
            if count:
                width = 100 * count / total
                parts.append(
                    {
                        "verdict": verdict.value,
                        "label": verdict.label,
                        "count": count,
                        "x": round(x, 3),
                        "width": round(width, 3),
                    }
                )
                x += width
        return parts


VERDICT_SCALE = [
    Verdict.CORROBORATED,
    Verdict.MOSTLY_CORROBORATED,
    Verdict.CONTESTED,
    Verdict.MOSTLY_CONTRADICTED,
    Verdict.CONTRADICTED,
    Verdict.UNVERIFIED,
]


def track_record(source: Source) -> list[TrackLine]:
    """The claims the source supported, then those it contradicted."""
    record = claims_track_record(evidence_with_verdicts().filter(source=source))
    return [TrackLine(record.supported), TrackLine(record.contradicted)]


def party_choices() -> list[tuple[str, str]]:
    return [(INDEPENDENT, "Independent")] + list(Party.objects.values_list("slug", "name"))
