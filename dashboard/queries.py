"""
Reads across apps for the dashboard's dispute pages (overview, dispute,
claim): selectors that return exactly what a page shows, in a fixed number of
queries however many claims and corroborations there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import RowNumber
from django.db.models.expressions import Window
from django.shortcuts import get_object_or_404

from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from claims.scoring import ClaimScore, ExplainedItem
from claims.selectors import explain_claim
from sources.models import Change, Source

# A sparkline shows the latest moves; older ones are in the activity log.
HISTORY_POINTS = 40
# How many sources the add-evidence picker offers before the user types.
SOURCE_OPTIONS = 20


@dataclass(frozen=True)
class AccountCard:
    account: Account
    history: list[float]
    last_change: Change | None


@dataclass(frozen=True)
class DisputeCard:
    dispute: Dispute
    accounts: list[AccountCard]


def score_histories(
    *, account_ids: Iterable[int] = (), claim_ids: Iterable[int] = ()
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """
    The latest HISTORY_POINTS scores of each account and claim, oldest first,
    in one query: a window function keeps each timeline short, so an old,
    busy account costs no more than a new one.
    """
    account_ids, claim_ids = list(account_ids), list(claim_ids)
    accounts: dict[int, list[float]] = defaultdict(list)
    claims: dict[int, list[float]] = defaultdict(list)
    if not account_ids and not claim_ids:
        return accounts, claims
    rows = (
        ScoreSnapshot.objects.filter(Q(account_id__in=account_ids) | Q(claim_id__in=claim_ids))
        .annotate(
            newness=Window(
                RowNumber(),
                partition_by=[F("account_id"), F("claim_id")],
                order_by=[F("at").desc(), F("id").desc()],
            )
        )
        .filter(newness__lte=HISTORY_POINTS)
        .order_by("at", "id")
        .values_list("account_id", "claim_id", "score")
    )
    for account_id, claim_id, score in rows:
        if account_id is not None:
            accounts[account_id].append(score)
        else:
            claims[claim_id].append(score)
    return accounts, claims


def _last_change_id() -> Subquery:
    """The newest Change to an account, one of its claims or their evidence."""
    claim_ids = Claim.objects.filter(account_id=OuterRef(OuterRef("pk"))).values("id")
    evidence_ids = Corroboration.objects.filter(
        claim__account_id=OuterRef(OuterRef("pk"))
    ).values("id")
    newest = (
        Change.objects.filter(
            Q(object_type="account", object_id=OuterRef("pk"))
            | Q(object_type="claim", object_id__in=claim_ids)
            | Q(object_type="corroboration", object_id__in=evidence_ids)
        )
        .order_by("-id")
        .values("id")[:1]
    )
    return Subquery(newest)


def overview() -> list[DisputeCard]:
    """Every dispute with its accounts' gauges, histories, counts and last change."""
    accounts = (
        Account.objects.select_related("party")
        .annotate(
            claim_count=Count("claims", distinct=True),
            corroboration_count=Count("claims__corroborations", distinct=True),
            last_change_id=_last_change_id(),
        )
        .order_by("party__name", "id")
    )
    disputes = list(Dispute.objects.prefetch_related(Prefetch("accounts", queryset=accounts)))
    all_accounts = [account for dispute in disputes for account in dispute.accounts.all()]
    histories, _ = score_histories(account_ids=[a.pk for a in all_accounts])
    changes = Change.objects.select_related("actor").in_bulk(
        [a.last_change_id for a in all_accounts if a.last_change_id]
    )
    return [
        DisputeCard(
            dispute=dispute,
            accounts=[
                AccountCard(
                    account=account,
                    history=histories.get(account.pk, []),
                    last_change=changes.get(account.last_change_id),
                )
                for account in dispute.accounts.all()
            ],
        )
        for dispute in disputes
    ]


@dataclass(frozen=True)
class DisputePage:
    dispute: Dispute
    # Each account carries claim_total (all its claims) and shown_claims
    # (those that pass the filter), each claim its corroborations.
    accounts: list[Account]

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


@dataclass(frozen=True)
class EvidenceRow:
    corroboration: Corroboration
    explained: ExplainedItem | None


def claim_for_dashboard(claim_id: int) -> Claim:
    return get_object_or_404(Claim.objects.with_related(), pk=claim_id)


class ClaimPage:
    """
    The claim with its evidence, each item beside its part in the score.
    Each part is read when first used, so that a widget refreshing its own
    partial (the gauge, say) runs only the queries that partial needs.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim

    @cached_property
    def explanation(self) -> ClaimScore:
        return explain_claim(self.claim)

    @cached_property
    def evidence(self) -> list[EvidenceRow]:
        corroborations = (
            Corroboration.objects.filter(claim_id=self.claim.pk)
            .select_related("source__affiliation", "source__origin", "recorded_by")
            .order_by("observed_at", "id")
        )
        explained = {item.evidence_id: item for item in self.explanation.items}
        return [EvidenceRow(c, explained.get(c.pk)) for c in corroborations]

    @property
    def counted(self) -> list[ExplainedItem]:
        return [item for item in self.explanation.items if item.counted]

    @property
    def ignored(self) -> list[ExplainedItem]:
        return [item for item in self.explanation.items if not item.counted]

    @cached_property
    def _histories(self) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
        return score_histories(account_ids=[self.claim.account_id], claim_ids=[self.claim.pk])

    @property
    def claim_history(self) -> list[float]:
        return self._histories[1].get(self.claim.pk, [])

    @property
    def account_history(self) -> list[float]:
        return self._histories[0].get(self.claim.account_id, [])


def corroboration_for_dashboard(corroboration_id: int) -> Corroboration:
    return get_object_or_404(
        Corroboration.objects.select_related(
            "source", "claim__account__dispute", "claim__account__party", "claim__speaker__affiliation"
        ),
        pk=corroboration_id,
    )


def source_options(text: str = "") -> QuerySet[Source]:
    """Sources whose name matches what the user has typed so far, for the picker."""
    text = text.strip()
    sources = Source.objects.select_related("affiliation")
    if text:
        sources = sources.filter(name__icontains=text)
    return sources.order_by("name", "id")[:SOURCE_OPTIONS]
