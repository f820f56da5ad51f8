"""The dispute page's reads: each account's claims, filtered, with their evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from claims.models import Account, Claim, Corroboration, Dispute

# django-stubs-ext is a lint requirement (requirements.txt), not a runtime one.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ClaimsShown(TypedDict):
    claim_total: int  # all the account's claims
    shown_claims: list[Claim]  # those that pass the filter, each with its corroborations


@dataclass(frozen=True)
class DisputePage:
    dispute: Dispute
    accounts: list[WithAnnotations[Account, ClaimsShown]]

    @property
    def shown_count(self) -> int:
        return sum(len(account.shown_claims) for account in self.accounts)

    @property
    def total_count(self) -> int:
        return sum(account.claim_total for account in self.accounts)


def dispute_page(slug: str, *, search: str = "", verdict: str = "") -> DisputePage:
    dispute = get_object_or_404(Dispute, slug=slug)
    claims = Claim.objects.select_related("speaker__affiliation").prefetch_related(
        Prefetch(
            "corroborations",
            queryset=Corroboration.objects.select_related("source__affiliation").order_by(
                "observed_at", "id"
            ),
        )
    )
    claims = claims.search(search)
    if verdict:
        claims = claims.filter(verdict=verdict)
    accounts = list(
        dispute.accounts.select_related("party")
        .annotate(claim_total=Count("claims"))
        .order_by("party__name", "id")
        .prefetch_related(
            Prefetch("claims", queryset=claims.order_by("id"), to_attr="shown_claims")
        )
    )
    return DisputePage(dispute=dispute, accounts=accounts)
