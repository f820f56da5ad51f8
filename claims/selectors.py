"""Reads that several doors share: the evidence behind a score, and its explanation."""

from __future__ import annotations

from django.conf import settings

from sources.services import origin_roots

from . import scoring
from .models import Account, Claim, Corroboration


def scoring_constants() -> dict:
    return settings.CLAIMDESK_SCORING


def disputing_party_ids(dispute_id: int) -> list[int]:
    return list(Account.objects.filter(dispute_id=dispute_id).values_list("party_id", flat=True))


def claim_evidence(claim: Claim) -> list[scoring.Evidence]:
    rows = list(
        Corroboration.objects.filter(claim_id=claim.pk).values(
            "id",
            "source_id",
            "source__name",
            "source__affiliation_id",
            "source__is_anonymous",
            "source__reliability",
            "stance",
            "observed_at",
        )
    )
    roots = origin_roots({row["source_id"] for row in rows})
    return [
        scoring.Evidence(
            id=row["id"],
            source_id=row["source_id"],
            source_name=row["source__name"],
            stance=row["stance"],
            reliability=row["source__reliability"],
            source_party_id=row["source__affiliation_id"],
            is_anonymous=row["source__is_anonymous"],
            origin_root_id=roots[row["source_id"]],
            observed_at=row["observed_at"],
        )
        for row in rows
    ]


def explain_claim(claim: Claim) -> scoring.ClaimScore:
    """The claim's score as the model computes it now, with every item explained."""
    account = claim.account
    return scoring.score_claim(
        claim_evidence(claim),
        claim_party_id=account.party_id,
        speaker_id=claim.speaker_id,
        disputing_party_ids=disputing_party_ids(account.dispute_id),
        constants=scoring_constants(),
    )
