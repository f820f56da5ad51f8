"""
The authoring pages' reads: the dispute, account or claim being edited, what
a deletion takes with it, and a claim's earlier wordings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count
from django.shortcuts import get_object_or_404

from claims.models import Account, Claim, Corroboration, Dispute

from .common import count_of

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class EvidenceCount(TypedDict):
    evidence_count: int


def dispute_for_authoring(slug: str) -> Dispute:
    return get_object_or_404(Dispute, slug=slug)


def account_for_authoring(account_id: int) -> Account:
    return get_object_or_404(Account.objects.select_related("dispute", "party"), pk=account_id)


def claim_for_authoring(claim_id: int) -> WithAnnotations[Claim, EvidenceCount]:
    claims = Claim.objects.select_related("account__dispute", "account__party", "speaker").annotate(
        evidence_count=count_of(Corroboration.objects.all(), "claim")
    )
    return get_object_or_404(claims, pk=claim_id)


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


@dataclass(frozen=True)
class Consequences:
    """What deleting an object takes with it, counted in one query."""

    accounts: int | None
    claims: int | None
    evidence: int

    def __str__(self) -> str:
        parts = []
        if self.accounts is not None:
            parts.append(_counted(self.accounts, "account", "accounts"))
        if self.claims is not None:
            parts.append(_counted(self.claims, "claim", "claims"))
        parts.append(_counted(self.evidence, "piece of evidence", "pieces of evidence"))
        return _listed(parts)


def dispute_consequences(dispute: Dispute) -> Consequences:
    counts = Dispute.objects.filter(pk=dispute.pk).aggregate(
        # Named apart from the relations, which aggregate() would read them as.
        n_accounts=Count("accounts", distinct=True),
        n_claims=Count("accounts__claims", distinct=True),
        n_evidence=Count("accounts__claims__corroborations", distinct=True),
    )
    return Consequences(counts["n_accounts"], counts["n_claims"], counts["n_evidence"])


def account_consequences(account: Account) -> Consequences:
    counts = Account.objects.filter(pk=account.pk).aggregate(
        n_claims=Count("claims", distinct=True),
        n_evidence=Count("claims__corroborations", distinct=True),
    )
    return Consequences(None, counts["n_claims"], counts["n_evidence"])


def claim_consequences(claim: Claim) -> Consequences:
    return Consequences(None, None, Corroboration.objects.filter(claim=claim).count())


# The edit page lists a few; the admin's history has them all.
WORDINGS_SHOWN = 5


def previous_wordings(claim: Claim) -> list[str]:
    """The claim's earlier texts, newest first, each once: django-simple-history keeps them."""
    texts = (
        claim.history.exclude(text=claim.text)
        .order_by("-history_id")
        .values_list("text", flat=True)
    )
    wordings: list[str] = []
    for text in texts[: WORDINGS_SHOWN * 4]:
        if text not in wordings:
            wordings.append(text)
    return wordings[:WORDINGS_SHOWN]
