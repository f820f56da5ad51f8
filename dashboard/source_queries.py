"""
Reads behind the dashboard's sources and activity pages. Each returns
querysets that already carry what their page shows, so that a page runs the
same few queries however many sources, corroborations or changes there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from changelog.models import Change
from claims import selectors
from claims.models import Account, Claim, Corroboration, Dispute, Verdict
from sources.models import INDEPENDENT, Party, Source


def _count_of(queryset: QuerySet, column: str) -> Coalesce:
    # A correlated subquery per count, rather than two Count() over joins
    # that would multiply each other's rows.
    counted = (
        queryset.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


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


def with_use_counts(page: QuerySet[Source]) -> QuerySet[Source]:
    """
    The sources of one page (a slice of source_directory) with how often
    each has given evidence and made a claim. Counted for the page's rows
    only: counted in the sliced query itself, the database would count for
    every row the OFFSET skips too.
    """
    return (
        Source.objects.filter(pk__in=page.values("pk"))
        .select_related("affiliation")
        .annotate(
            corroboration_count=_count_of(Corroboration.objects.all(), "source"),
            claim_count=_count_of(Claim.objects.all(), "speaker"),
        )
        .order_by("name", "id")
    )


def source_for_page(source_id: int) -> QuerySet[Source]:
    return Source.objects.select_related("affiliation", "origin").filter(pk=source_id)


def source_record(source_id: int) -> QuerySet[Source]:
    """The source for its page, with how many claims it made and how many sources repeat it."""
    return source_for_page(source_id).annotate(
        spoken_count=_count_of(Claim.objects.all(), "speaker"),
        copy_count=_count_of(Source.objects.all(), "origin"),
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

    claims: selectors.ClaimsTaken

    @property
    def side(self) -> str:
        return self.claims.side

    @property
    def total(self) -> int:
        return self.claims.total

    @property
    def borne_out(self) -> int:
        return self.claims.held_up

    def segments(self) -> list[dict]:
        """
        The non-empty verdicts in scale order, each with its share of the bar
        as x and width in percent (drawn as SVG: the CSP forbids inline styles).
        """
        total, x, parts = self.total, 0.0, []
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
    record = selectors.track_record(selectors.evidence_with_verdicts().filter(source=source))
    return [TrackLine(record.supported), TrackLine(record.contradicted)]


def party_choices() -> list[tuple[str, str]]:
    return [(INDEPENDENT, "Independent")] + list(Party.objects.values_list("slug", "name"))


# Activity

# Score moves are logged by claims.services as updates of a claim or an
# account whose summary starts "score a → b"; nothing else is worded so.
SCORE_MOVE = Q(
    object_type__in=["claim", "account"], action=Change.Action.UPDATED, summary__startswith="score "
)

# Each kind: its label, the object types it covers, and what else its
# changes must be.
ACTIVITY_KINDS: dict[str, tuple[str, list[str], Q]] = {
    "claims": ("Claims", ["claim"], ~SCORE_MOVE),
    "evidence": ("Evidence", ["corroboration"], Q()),
    "sources": ("Sources and parties", ["source", "party"], Q()),
    "scores": ("Score moves", ["claim", "account"], SCORE_MOVE),
    "disputes": ("Disputes and accounts", ["dispute", "account"], ~SCORE_MOVE),
}


def activity(
    kind: str = "", *, limit: int, before: int | None = None, after: int | None = None
) -> list[Change]:
    """
    Up to `limit` changes of a kind (all kinds for ""), newest first: the
    latest, or the ones just before the change id `before`, or just after
    `after`. A cursor rather than a page number, so that no page counts the
    whole log or skips over the rows above it: each is one index seek.
    """
    newest_first = after is None

    def near_cursor(changes: QuerySet[Change]) -> QuerySet[Change]:
        if before is not None:
            changes = changes.filter(id__lt=before)
        if after is not None:
            changes = changes.filter(id__gt=after)
        return changes.order_by("-id" if newest_first else "id")[:limit]

    changes = Change.objects.all()
    if kind in ACTIVITY_KINDS:
        _, object_types, condition = ACTIVITY_KINDS[kind]
        # One cut index range per object type: an IN over two types would
        # have the database sort every change of both before the first row.
        in_ranges = Q()
        for object_type in object_types:
            of_type = Change.objects.filter(condition, object_type=object_type)
            in_ranges |= Q(id__in=near_cursor(of_type).values("id"))
        changes = changes.filter(in_ranges)
    rows = list(near_cursor(changes.select_related("actor")))
    return rows if newest_first else rows[::-1]


OBJECT_LABELS = {
    "claim": "Claim",
    "corroboration": "Evidence",
    "source": "Source",
    "party": "Party",
    "dispute": "Dispute",
    "account": "Account",
}


def is_score_move(change: Change) -> bool:
    return (
        change.object_type in ("claim", "account")
        and change.action == Change.Action.UPDATED
        and change.summary.startswith("score ")
    )


def describe_changes(changes: Iterable[Change]) -> None:
    """
    Give each change a `label` for its kind and a `url` to its object while
    that object still exists (None once it is deleted): one query per kind of
    object on the page, never one per row.
    """
    changes = list(changes)
    ids: dict[str, set[int]] = {}
    for change in changes:
        ids.setdefault(change.object_type, set()).add(change.object_id)

    urls: dict[tuple[str, int], str] = {}
    if "claim" in ids:
        for pk in Claim.objects.filter(pk__in=ids["claim"]).values_list("pk", flat=True):
            urls["claim", pk] = Claim(pk=pk).get_absolute_url()
    if "corroboration" in ids:
        evidence = Corroboration.objects.filter(pk__in=ids["corroboration"])
        for pk, claim_id in evidence.values_list("pk", "claim_id"):
            urls["corroboration", pk] = Claim(pk=claim_id).get_absolute_url()
    if "source" in ids:
        for pk in Source.objects.filter(pk__in=ids["source"]).values_list("pk", flat=True):
            urls["source", pk] = Source(pk=pk).get_absolute_url()
    if "dispute" in ids:
        for pk, slug in Dispute.objects.filter(pk__in=ids["dispute"]).values_list("pk", "slug"):
            urls["dispute", pk] = Dispute(slug=slug).get_absolute_url()
    if "account" in ids:
        accounts = Account.objects.filter(pk__in=ids["account"])
        for pk, slug in accounts.values_list("pk", "dispute__slug"):
            urls["account", pk] = Dispute(slug=slug).get_absolute_url()
    if "party" in ids:
        for pk, slug in Party.objects.filter(pk__in=ids["party"]).values_list("pk", "slug"):
            urls["party", pk] = f"{reverse('dashboard:sources')}?party={slug}"

    for change in changes:
        change.url = urls.get((change.object_type, change.object_id))
        change.is_score_move = is_score_move(change)
        label = OBJECT_LABELS.get(change.object_type, change.object_type.capitalize())
        change.label = f"{label} score" if change.is_score_move else label
