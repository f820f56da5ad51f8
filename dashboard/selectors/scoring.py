"""
The "How scores work" page's reads: the scoring model's tables, from the
constants in settings.CLAIMDESK_SCORING (so the page says what the desk
computes, whatever they are set to), and the Hanoi story's numbers, live
from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claims import scoring
from claims.models import Account, Claim, Corroboration, Dispute, Stance, Verdict
from claims.scoring import ClaimScore
from claims.selectors import explain_claims, scoring_constants
from claims.tooling import hanoi
from sources.models import Reliability, Source

from .plain_words import AccountMakeup, account_makeups, claim_name, two_places, weighs_most


def figure(value: float) -> str:
    """A constant as a person writes it: 1, 0.5, 0.25."""
    return f"{value:g}"


def signed(value: float) -> str:
    """A stance value with its sign: +1, −0.5 (a true minus sign)."""
    return f"+{value:g}" if value > 0 else f"−{-value:g}" if value < 0 else "0"


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]


@dataclass(frozen=True)
class ScoringModel:
    """The model's constants as the tables of the page."""

    stances: list[Row]  # stance, s
    grades: list[Row]  # grade, meaning, r
    interest: list[Row]  # who the source is, what it does, k, called
    anonymous_factor: str
    bands: list[Row]  # score, verdict
    # The band edges, low to high, as the gauge marks them.
    edges: list[str]


def _interest_rows(interest: dict[str, float]) -> list[Row]:
    k = {case: figure(interest[case]) for case in interest}
    return [
        Row(("of the claim’s own party", "supports", k[scoring.SELF_SERVING], "self-serving")),
        Row(
            (
                "of the claim’s own party",
                "contradicts",
                k[scoring.AGAINST_INTEREST],
                "against its own side’s interest",
            )
        ),
        Row(
            (
                "of an opposing party",
                "supports",
                k[scoring.AGAINST_INTEREST],
                "against its own side’s interest",
            )
        ),
        Row(("of an opposing party", "contradicts", k[scoring.ADVERSARIAL], "adversarial")),
        Row(
            (
                "independent (no party, or a party not in this dispute)",
                "either",
                k[scoring.INDEPENDENT],
                "independent",
            )
        ),
        Row(
            (
                "the claim’s own speaker",
                "contradicts (a retraction)",
                k[scoring.AGAINST_INTEREST],
                "against interest, whatever the speaker’s party",
            )
        ),
    ]


def _band_rows(bands: dict[str, float]) -> list[Row]:
    edge = {name: two_places(value) for name, value in bands.items()}
    return [
        Row(("no counted evidence", Verdict.UNVERIFIED.label)),
        Row((f"{edge['corroborated']} or more", Verdict.CORROBORATED.label)),
        Row(
            (
                f"{edge['mostly_corroborated']} or more, below {edge['corroborated']}",
                Verdict.MOSTLY_CORROBORATED.label,
            )
        ),
        Row(
            (
                f"above {edge['contested']}, below {edge['mostly_corroborated']}",
                Verdict.CONTESTED.label,
            )
        ),
        Row(
            (
                f"above {edge['mostly_contradicted']}, up to {edge['contested']}",
                Verdict.MOSTLY_CONTRADICTED.label,
            )
        ),
        Row((f"{edge['mostly_contradicted']} or less", Verdict.CONTRADICTED.label)),
    ]


def scoring_model(constants: dict[str, Any] | None = None) -> ScoringModel:
    """The tables of the model, from the constants the desk scores with (no query)."""
    constants = constants or scoring_constants()
    stance_values = constants["STANCE_VALUES"]
    reliability = constants["RELIABILITY"]
    return ScoringModel(
        stances=[
            Row((stance.label.lower(), signed(stance_values[stance.value])))
            for stance in Stance
            if stance.value in stance_values
        ],
        grades=[
            Row((grade.value, grade.label.split("·", 1)[-1].strip(), figure(reliability[grade])))
            for grade in Reliability
            if grade.value in reliability
        ],
        interest=_interest_rows(constants["INTEREST"]),
        anonymous_factor=figure(constants["ANONYMOUS_FACTOR"]),
        bands=_band_rows(constants["VERDICT_BANDS"]),
        edges=[two_places(v) for v in sorted(constants["VERDICT_BANDS"].values())],
    )


# The Hanoi story, live

# How many of its claims the page works through, the best evidenced first.
WORKED_CLAIMS = 2


@dataclass(frozen=True)
class AverageRow:
    """One claim's part in its account's score: its score times 1 + its evidence weight."""

    name: str
    score: float
    weight: float

    @property
    def product(self) -> float:
        return self.score * self.weight


@dataclass(frozen=True)
class AccountExample:
    account: Account
    makeup: AccountMakeup
    rows: list[AverageRow]

    @property
    def total_weight(self) -> float:
        return sum(row.weight for row in self.rows)

    @property
    def total_product(self) -> float:
        return sum(row.product for row in self.rows)


@dataclass(frozen=True)
class WorkedClaim:
    claim: Claim
    name: str
    explanation: ClaimScore
    weighs_most: str

    @property
    def counted(self) -> list[scoring.ExplainedItem]:
        return [item for item in self.explanation.items if item.counted]

    @property
    def ignored(self) -> list[scoring.ExplainedItem]:
        return [item for item in self.explanation.items if not item.counted]


@dataclass(frozen=True)
class HanoiExample:
    dispute: Dispute
    accounts: list[AccountExample]
    worked: list[WorkedClaim]


def hanoi_example() -> HanoiExample | None:
    """
    The shipped Hanoi dispute as the database holds it now (None when it is
    not loaded): each account's score and the claims it averages, and the
    worked calculation of its best evidenced claims. Eight queries, however
    much the story has grown.
    """
    dispute = Dispute.objects.filter(slug=hanoi.DISPUTE["slug"]).first()
    if dispute is None:
        return None
    accounts = list(dispute.accounts.select_related("party").order_by("party__name", "id"))
    makeups = account_makeups(accounts)
    claims = list(
        Claim.objects.filter(account__dispute=dispute)
        .select_related("account__party")
        .order_by("account_id", "id")
    )
    by_account: dict[int, list[AverageRow]] = {account.pk: [] for account in accounts}
    for claim in claims:
        by_account[claim.account_id].append(
            AverageRow(claim_name(claim.text, None), claim.score, 1.0 + claim.evidence_weight)
        )
    best = sorted(claims, key=lambda c: (-c.evidence_weight, c.pk))[:WORKED_CLAIMS]
    explanations = explain_claims(best)
    cited = Corroboration.objects.filter(claim__in=best).values("source_id")
    sources = {s.pk: s for s in Source.objects.select_related("affiliation").filter(pk__in=cited)}
    worked = [
        WorkedClaim(
            claim=claim,
            name=claim_name(claim.text, claim.account.party.name),
            explanation=explanations[claim.pk],
            weighs_most=weighs_most(explanations[claim.pk], sources),
        )
        for claim in best
    ]
    return HanoiExample(
        dispute=dispute,
        accounts=[
            AccountExample(account, makeups[account.pk], by_account[account.pk])
            for account in accounts
        ],
        worked=worked,
    )
