"""
The dispute page's reads: each account's claims, filtered, with their
evidence, and in plain words what each score is made of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from claims.models import Account, Claim, Corroboration, Dispute

from .plain_words import (
    AccountMakeup,
    account_makeups,
    describe_claims,
    evidence_against,
    evidence_for,
    evidence_in_words,
)

# django-stubs-ext is a lint requirement (requirements.txt), not a runtime one.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ClaimsShown(TypedDict):
    claim_total: int  # all the account's claims
    shown_claims: list[Claim]  # those that pass the filter, each with its corroborations
    evidence_for: int  # the evidence on all its claims, by stance
    evidence_against: int
    # What its score is made of, and its evidence in words ("1 for, 4 against").
    makeup: AccountMakeup
    evidence: str


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
    rows = list(
        dispute.accounts.select_related("party")
        .annotate(
            claim_total=Count("claims"),
            evidence_for=evidence_for("claim__account"),
            evidence_against=evidence_against("claim__account"),
        )
        .order_by("party__name", "id")
        .prefetch_related(
            Prefetch("claims", queryset=claims.order_by("id"), to_attr="shown_claims")
        )
    )
    # The words below are set on each account, beside its annotations.
    accounts = cast("list[WithAnnotations[Account, ClaimsShown]]", rows)
    makeups = account_makeups(accounts)
    for account in accounts:
        account.makeup = makeups[account.pk]
        account.evidence = evidence_in_words(
            supporting=account.evidence_for, against=account.evidence_against
        )
    # Each shown claim says what weighs most, each chip whether it counts.
    describe_claims([claim for account in accounts for claim in account.shown_claims])
    return DisputePage(dispute=dispute, accounts=accounts)
