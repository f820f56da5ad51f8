"""
Reads behind the dashboard's sources and activity pages. Each returns
querysets that already carry what their page shows, so that a page runs the
same few queries however many sources, corroborations or changes there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from claims.models import Account, Claim, Corroboration, Dispute, Stance, Verdict
from sources.models import Change, Party, Source

INDEPENDENT = "independent"


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
    """Sources matching the filters, each with its corroboration and claim counts."""
    sources = Source.objects.select_related("affiliation").search(search)
    if party == INDEPENDENT:
        sources = sources.filter(affiliation__isnull=True)
    elif party:
        sources = sources.filter(affiliation__slug=party)
    if grade:
        sources = sources.filter(reliability=grade)
    if kind:
        sources = sources.filter(kind=kind)
    return sources.annotate(
        corroboration_count=_count_of(Corroboration.objects.all(), "source"),
        claim_count=_count_of(Claim.objects.all(), "speaker"),
    ).order_by("name", "id")


def source_for_page(source_id: int) -> QuerySet[Source]:
    return Source.objects.select_related("affiliation", "origin").filter(pk=source_id)


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


SUPPORTING = {Stance.SUPPORTS, Stance.PARTLY_SUPPORTS}
HELD_UP = {
    "supported": {Verdict.CORROBORATED, Verdict.MOSTLY_CORROBORATED},
    "contradicted": {Verdict.CONTRADICTED, Verdict.MOSTLY_CONTRADICTED},
}


@dataclass
class TrackLine:
    """How the claims a source took one side on stand now."""

    side: str
    by_verdict: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_verdict.values())

    @property
    def borne_out(self) -> int:
        return sum(n for verdict, n in self.by_verdict.items() if verdict in HELD_UP[self.side])

    def segments(self) -> list[dict]:
        """
        The non-empty verdicts in scale order, each with its share of the bar
        as x and width in percent (drawn as SVG: the CSP forbids inline styles).
        """
        total, x, parts = self.total, 0.0, []
        for verdict in VERDICT_SCALE:
            count = self.by_verdict.get(verdict.value, 0)
            if count:
                width = 100 * count / total
                parts.append({"verdict": verdict.value, "label": verdict.label, "count": count,
                              "x": round(x, 3), "width": round(width, 3)})
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
    """
    The claims the source supported and those it contradicted, counted by
    their current verdict. Like the scoring, a source counts once per claim,
    on the side of its latest evidence (it may have changed its mind).
    """
    rows = (
        Corroboration.objects.filter(source=source)
        .order_by("observed_at", "id")
        .values_list("claim_id", "stance", "claim__verdict")
    )
    latest: dict[int, tuple[str, str]] = {}
    for claim_id, stance, verdict in rows:
        latest[claim_id] = (stance, verdict)
    lines = {"supported": TrackLine("supported"), "contradicted": TrackLine("contradicted")}
    for stance, verdict in latest.values():
        line = lines["supported" if stance in SUPPORTING else "contradicted"]
        line.by_verdict[verdict] = line.by_verdict.get(verdict, 0) + 1
    return [lines["supported"], lines["contradicted"]]


def party_choices() -> list[tuple[str, str]]:
    return [(INDEPENDENT, "Independent")] + list(Party.objects.values_list("slug", "name"))


# Activity

# Score moves are logged by claims.services as updates of a claim or an
# account whose summary starts "score a → b"; nothing else is worded so.
SCORE_MOVE = Q(object_type__in=["claim", "account"], action=Change.Action.UPDATED,
               summary__startswith="score ")

ACTIVITY_KINDS: dict[str, tuple[str, Q]] = {
    "claims": ("Claims", Q(object_type="claim") & ~SCORE_MOVE),
    "evidence": ("Evidence", Q(object_type="corroboration")),
    "sources": ("Sources and parties", Q(object_type__in=["source", "party"])),
    "scores": ("Score moves", SCORE_MOVE),
    "disputes": ("Disputes and accounts", Q(object_type__in=["dispute", "account"]) & ~SCORE_MOVE),
}


def activity(kind: str = "") -> QuerySet[Change]:
    changes = Change.objects.select_related("actor").order_by("-id")
    if kind in ACTIVITY_KINDS:
        changes = changes.filter(ACTIVITY_KINDS[kind][1])
    return changes


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
