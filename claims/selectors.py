"""
Reads that several doors share: the evidence behind a score, its explanation,
and a source's track record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from sources.selectors import origin_roots

from . import scoring
from .models import CLOCK_SKEW, SUPPORTING_STANCES, Account, Claim, Corroboration, Stance, Verdict


def scoring_constants() -> dict[str, Any]:
    return settings.CLAIMDESK_SCORING


def disputing_parties(dispute_ids: Iterable[int]) -> dict[int, list[int]]:
    """The parties holding an account in each dispute: one query for all of them."""
    parties: dict[int, list[int]] = {dispute_id: [] for dispute_id in dispute_ids}
    rows = Account.objects.filter(dispute_id__in=parties).values_list("dispute_id", "party_id")
    for dispute_id, party_id in rows:
        parties[dispute_id].append(party_id)
    return parties


# What scoring.Evidence reads of a corroboration, and of its source.
SCORED_CORROBORATION_COLUMNS = ("id", "source_id", "stance", "observed_at")
SCORED_SOURCE_COLUMNS = ("name", "reliability", "affiliation_id", "is_anonymous")


def scoring_evidence(
    corroboration: Mapping[str, Any], *, source: Mapping[str, Any], origin_root_id: int
) -> scoring.Evidence:
    """
    A corroboration row (SCORED_CORROBORATION_COLUMNS) and its source's row
    (SCORED_SOURCE_COLUMNS), as the model reads them.
    """
    return scoring.Evidence(
        id=corroboration["id"],
        source_id=corroboration["source_id"],
        source_name=source["name"],
        stance=corroboration["stance"],
        reliability=source["reliability"],
        source_party_id=source["affiliation_id"],
        is_anonymous=source["is_anonymous"],
        origin_root_id=origin_root_id,
        observed_at=corroboration["observed_at"],
    )


def _evidence_rows(
    claims: Sequence[Claim], corroborations: Mapping[int, Iterable[Corroboration]] | None
) -> list[dict[str, Any]]:
    """
    The claims' evidence, a row per corroboration with its source's columns
    beside its own: read in one query, or taken from corroborations the
    caller has already read with their sources.
    """
    if corroborations is not None:
        return [
            {
                "claim_id": claim.pk,
                **{column: getattr(item, column) for column in SCORED_CORROBORATION_COLUMNS},
                **{column: getattr(item.source, column) for column in SCORED_SOURCE_COLUMNS},
            }
            for claim in claims
            for item in corroborations.get(claim.pk, ())
        ]
    # The source's columns come in the same query, under their own names, so
    # that each row serves as both the corroboration's and its source's.
    source_columns = {name: F(f"source__{name}") for name in SCORED_SOURCE_COLUMNS}
    return list(
        Corroboration.objects.filter(claim_id__in=[claim.pk for claim in claims]).values(
            "claim_id", *SCORED_CORROBORATION_COLUMNS, **source_columns
        )
    )


def claims_evidence(
    claims: Sequence[Claim], *, corroborations: Mapping[int, Iterable[Corroboration]] | None = None
) -> tuple[dict[int, list[scoring.Evidence]], dict[int, int]]:
    """
    Each claim's evidence as the model reads it, and the root of every origin
    chain it needs (its sources' and the claims' speakers'): two queries,
    however many claims, or one when the caller gives the corroborations it
    has read (by claim id, with their sources).
    """
    rows = _evidence_rows(claims, corroborations)
    # The speakers' chains are read in the same query as the evidence's.
    roots = origin_roots(
        {*(claim.speaker_id for claim in claims), *(row["source_id"] for row in rows)}
    )
    evidence: dict[int, list[scoring.Evidence]] = {claim.pk: [] for claim in claims}
    for row in rows:
        evidence[row["claim_id"]].append(
            scoring_evidence(row, source=row, origin_root_id=roots[row["source_id"]])
        )
    return evidence, roots


def explain_claims(
    claims: Iterable[Claim], *, corroborations: Mapping[int, Iterable[Corroboration]] | None = None
) -> dict[int, scoring.ClaimScore]:
    """
    Each claim's score as the model computes it now, with every item
    explained, by claim id: three queries however many claims (their
    accounts are read with them, as a page's claims are), two when the
    caller gives the corroborations it has already read (claims_evidence).
    """
    claims = list(claims)
    if not claims:
        return {}
    evidence, roots = claims_evidence(claims, corroborations=corroborations)
    parties = disputing_parties({claim.account.dispute_id for claim in claims})
    constants = scoring_constants()
    return {
        claim.pk: scoring.score_claim(
            evidence[claim.pk],
            claim_party_id=claim.account.party_id,
            speaker_id=claim.speaker_id,
            speaker_root_id=roots[claim.speaker_id],
            disputing_party_ids=parties[claim.account.dispute_id],
            constants=constants,
        )
        for claim in claims
    }


def explain_claim(claim: Claim) -> scoring.ClaimScore:
    """The claim's score as the model computes it now, with every item explained."""
    return explain_claims([claim])[claim.pk]


# A source's track record

HELD_UP = {
    "supported": {Verdict.CORROBORATED, Verdict.MOSTLY_CORROBORATED},
    "contradicted": {Verdict.CONTRADICTED, Verdict.MOSTLY_CONTRADICTED},
}


@dataclass(frozen=True)
class ClaimsTaken:
    """The claims a source took one side on ("supported" or "contradicted"), by current verdict."""

    side: str
    verdicts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())

    @property
    def held_up(self) -> int:
        """The claims whose verdict now agrees with the source."""
        return sum(self.verdicts[verdict] for verdict in HELD_UP[self.side])


@dataclass(frozen=True)
class TrackRecord:
    stances: dict[str, int]
    supported: ClaimsTaken
    contradicted: ClaimsTaken


def evidence_with_verdicts() -> QuerySet[Corroboration]:
    """The evidence in the order it was observed, with its claims' verdicts: what track_record() reads."""
    return (
        Corroboration.objects.select_related("claim")
        .only("id", "claim_id", "source_id", "stance", "observed_at", "claim__id", "claim__verdict")
        .order_by("observed_at", "id")
    )


def track_record(evidence: Iterable[Corroboration]) -> TrackRecord:
    """
    How a source's claims have held up, from its evidence (evidence_with_verdicts(),
    for one source). Like the scoring, a source counts once per claim, on the
    side of its latest evidence (it may have changed its mind); each claim is
    counted by its current verdict. Every stance and verdict is listed, at 0
    when there is none.
    """
    stances = dict.fromkeys(Stance.values, 0)
    latest: dict[int, tuple[str, str]] = {}
    for item in evidence:
        stances[item.stance] += 1
        latest[item.claim_id] = (item.stance, item.claim.verdict)
    sides = {side: dict.fromkeys(Verdict.values, 0) for side in HELD_UP}
    for stance, verdict in latest.values():
        sides["supported" if stance in SUPPORTING_STANCES else "contradicted"][verdict] += 1
    return TrackRecord(
        stances=stances,
        supported=ClaimsTaken("supported", sides["supported"]),
        contradicted=ClaimsTaken("contradicted", sides["contradicted"]),
    )


@dataclass(frozen=True)
class FutureDated:
    """Rows dated after now: written before the services refused such dates, or by hand."""

    claims: list[int]
    corroborations: list[int]

    def __bool__(self) -> bool:
        return bool(self.claims or self.corroborations)


def future_dated() -> FutureDated:
    """
    Claims stated and evidence observed after now. Such evidence would freeze
    a score: as a source's latest word it outranks whatever the source says
    later.
    """
    cutoff = timezone.now() + CLOCK_SKEW
    return FutureDated(
        claims=list(Claim.objects.filter(stated_at__gt=cutoff).values_list("id", flat=True)),
        corroborations=list(
            Corroboration.objects.filter(observed_at__gt=cutoff).values_list("id", flat=True)
        ),
    )
