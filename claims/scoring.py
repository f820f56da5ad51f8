"""
The credibility model, as pure functions: evidence in, score and explanation
out. No ORM here, so every number can be reproduced by hand (docs/scoring.md)
and tested without a database.

A claim's score is (1 + S) / (2 + S + C), where S and C add up the weights of
the supporting and contradicting evidence that counts. Weight w = r · k · a:
the source's reliability, its interest in the claim, and its anonymity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

UNVERIFIED = "unverified"

# The interest cases of a counted item (ExplainedItem.interest): the keys of
# the INTEREST constants, and the speaker going back on their own claim.
INDEPENDENT = "independent"
SELF_SERVING = "self_serving"
AGAINST_INTEREST = "against_interest"
ADVERSARIAL = "adversarial"
RETRACTION = "retraction"
INTEREST_CASES = (INDEPENDENT, SELF_SERVING, AGAINST_INTEREST, ADVERSARIAL, RETRACTION)


@dataclass(frozen=True)
class Evidence:
    """One corroboration, flattened to what the model needs."""

    id: int
    source_id: int
    source_name: str
    stance: str
    reliability: str
    source_party_id: int | None
    is_anonymous: bool
    origin_root_id: int
    observed_at: datetime


@dataclass(frozen=True)
class ExplainedItem:
    evidence_id: int
    source_id: int
    source_name: str
    stance: str
    counted: bool
    reason: str
    r: float = 0.0
    k: float = 0.0
    a: float = 0.0
    w: float = 0.0
    support: float = 0.0
    contradiction: float = 0.0
    # For a counted item, which interest case set k (one of INTEREST_CASES),
    # so that a reader can word it without parsing the reason.
    interest: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "corroboration": self.evidence_id,
            "source": self.source_id,
            "source_name": self.source_name,
            "stance": self.stance,
            "counted": self.counted,
            "reason": self.reason,
            "r": self.r,
            "k": self.k,
            "a": self.a,
            "w": round(self.w, 6),
            "support": round(self.support, 6),
            "contradiction": round(self.contradiction, 6),
        }


@dataclass(frozen=True)
class ClaimScore:
    score: float
    verdict: str
    support: float
    contradiction: float
    items: tuple[ExplainedItem, ...] = field(default=())

    @property
    def evidence_weight(self) -> float:
        return self.support + self.contradiction


@dataclass(frozen=True)
class AccountScore:
    score: float
    verdict: str
    evidence_weight: float


def verdict_for(score: float, *, has_evidence: bool, bands: Mapping[str, float]) -> str:
    if not has_evidence:
        return UNVERIFIED
    if score >= bands["corroborated"]:
        return "corroborated"
    if score >= bands["mostly_corroborated"]:
        return "mostly_corroborated"
    if score > bands["contested"]:
        return "contested"
    if score > bands["mostly_contradicted"]:
        return "mostly_contradicted"
    return "contradicted"


def interest_factor(
    *,
    stance_value: float,
    source_party_id: int | None,
    claim_party_id: int,
    disputing_party_ids: frozenset[int],
    interest: Mapping[str, float],
) -> tuple[float, str, str]:
    """
    How much the source's stake in the claim changes what its word is worth:
    k, its case (one of INTEREST_CASES) and the reason in words.
    """
    if source_party_id is None or (
        source_party_id != claim_party_id and source_party_id not in disputing_party_ids
    ):
        return interest[INDEPENDENT], INDEPENDENT, "independent"
    supporting = stance_value > 0
    if source_party_id == claim_party_id:
        if supporting:
            return interest[SELF_SERVING], SELF_SERVING, "self-serving (same party, supporting)"
        return (
            interest[AGAINST_INTEREST],
            AGAINST_INTEREST,
            "against interest (same party, contradicting)",
        )
    if supporting:
        return (
            interest[AGAINST_INTEREST],
            AGAINST_INTEREST,
            "against interest (opposing party, supporting)",
        )
    return interest[ADVERSARIAL], ADVERSARIAL, "adversarial (opposing party, contradicting)"


def score_claim(
    evidence: Iterable[Evidence],
    *,
    claim_party_id: int,
    speaker_id: int,
    speaker_root_id: int | None = None,
    disputing_party_ids: Iterable[int] = (),
    constants: Mapping[str, Any],
) -> ClaimScore:
    """
    Score one claim from its evidence and explain every item.

    speaker_root_id is the root of the speaker's origin chain (the speaker
    itself when it repeats nobody).

    Which items count, in order:
    1. the speaker cannot support their own claim, nor can a source that
       shares the speaker's origin (a copy of the speaker, or the one the
       speaker repeats); a speaker who contradicts it (a retraction) counts
       as against interest;
    2. each source counts once: its latest item;
    3. sources that share an origin count once: the strongest of them.
    """
    stance_values = constants["STANCE_VALUES"]
    reliability = constants["RELIABILITY"]
    interest = constants["INTEREST"]
    anonymous_factor = constants["ANONYMOUS_FACTOR"]
    opposing = frozenset(disputing_party_ids) - {claim_party_id}

    ignored: list[ExplainedItem] = []

    def ignore(item: Evidence, reason: str) -> None:
        ignored.append(
            ExplainedItem(
                evidence_id=item.id,
                source_id=item.source_id,
                source_name=item.source_name,
                stance=item.stance,
                counted=False,
                reason=reason,
            )
        )

    speaker_root = speaker_id if speaker_root_id is None else speaker_root_id
    latest_by_source: dict[int, Evidence] = {}
    for item in sorted(evidence, key=lambda e: (e.observed_at, e.id)):
        value = stance_values[item.stance]
        if item.source_id == speaker_id and value > 0:
            ignore(item, "the speaker cannot corroborate their own claim")
            continue
        if item.origin_root_id == speaker_root and value > 0:
            ignore(
                item, "shares its origin with the speaker, who cannot corroborate their own claim"
            )
            continue
        previous = latest_by_source.get(item.source_id)
        if previous is not None:
            ignore(previous, "superseded by a later item from the same source")
        latest_by_source[item.source_id] = item

    weighed: list[tuple[Evidence, ExplainedItem]] = []
    for item in latest_by_source.values():
        value = stance_values[item.stance]
        r = reliability[item.reliability]
        if item.source_id == speaker_id:
            k, case, why = (
                interest[AGAINST_INTEREST],
                RETRACTION,
                "against interest (the speaker retracts)",
            )
        else:
            k, case, why = interest_factor(
                stance_value=value,
                source_party_id=item.source_party_id,
                claim_party_id=claim_party_id,
                disputing_party_ids=opposing,
                interest=interest,
            )
        a = anonymous_factor if item.is_anonymous else 1.0
        w = r * k * a
        weighed.append(
            (
                item,
                ExplainedItem(
                    evidence_id=item.id,
                    source_id=item.source_id,
                    source_name=item.source_name,
                    stance=item.stance,
                    counted=True,
                    reason=why,
                    r=r,
                    k=k,
                    a=a,
                    w=w,
                    support=w * max(value, 0.0),
                    contradiction=w * max(-value, 0.0),
                    interest=case,
                ),
            )
        )

    # Copies of one origin count as one: the one that moves the score most.
    strongest: dict[int, ExplainedItem] = {}
    for evidence_item, explained in weighed:
        current = strongest.get(evidence_item.origin_root_id)
        if current is None or _strength(explained) > _strength(current):
            strongest[evidence_item.origin_root_id] = explained
    counted: list[ExplainedItem] = []
    for evidence_item, explained in weighed:
        keeper = strongest[evidence_item.origin_root_id]
        if keeper is explained:
            counted.append(explained)
        else:
            ignore(
                evidence_item,
                f"shares its origin with {keeper.source_name}, which counts instead",
            )

    support = sum(item.support for item in counted)
    contradiction = sum(item.contradiction for item in counted)
    score = (1.0 + support) / (2.0 + support + contradiction)
    verdict = verdict_for(score, has_evidence=bool(counted), bands=constants["VERDICT_BANDS"])
    items = tuple(sorted(counted, key=lambda i: i.evidence_id)) + tuple(
        sorted(ignored, key=lambda i: i.evidence_id)
    )
    return ClaimScore(
        score=score, verdict=verdict, support=support, contradiction=contradiction, items=items
    )


def _strength(item: ExplainedItem) -> tuple[float, int]:
    # Ties go to the later record, so the choice is stable.
    return (item.support + item.contradiction, item.evidence_id)


def score_account(
    claims: Sequence[tuple[float, float]], *, constants: Mapping[str, Any]
) -> AccountScore:
    """
    An account's score from its claims' (score, evidence_weight) pairs: their
    mean, each weighted by 1 + its evidence weight, so that well-evidenced
    claims count for more than untested ones.
    """
    if not claims:
        return AccountScore(score=0.5, verdict=UNVERIFIED, evidence_weight=0.0)
    weights = [1.0 + weight for _, weight in claims]
    score = sum(s * w for (s, _), w in zip(claims, weights, strict=True)) / sum(weights)
    evidence_weight = sum(weight for _, weight in claims)
    verdict = verdict_for(score, has_evidence=evidence_weight > 0, bands=constants["VERDICT_BANDS"])
    return AccountScore(score=score, verdict=verdict, evidence_weight=evidence_weight)
