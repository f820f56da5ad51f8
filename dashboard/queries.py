"""
Reads across apps for the dashboard's dispute pages (overview, dispute,
claim): selectors that return exactly what a page shows, in a fixed number of
queries however many claims and corroborations there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404

from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from claims.scoring import ClaimScore, ExplainedItem
from claims.selectors import explain_claim
from sources.models import Source

# A sparkline shows the latest moves; older ones are in the activity log.
HISTORY_POINTS = 40
# How many sources the add-evidence picker offers for what the user typed.
SOURCE_OPTIONS = 20
# Disputes per page of the overview: a screenful to scan, and few enough
# that the page's figures cost the same however many disputes the desk holds.
OVERVIEW_PAGE_SIZE = 20


def count_of(rows: QuerySet, outer: str) -> Coalesce:
    """
    How many `rows` belong to the outer row (`outer` names the column that
    points at it): a correlated subquery per count, rather than Count() over
    joins that would multiply each other's rows.
    """
    counted = (
        rows.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def history_start(**owner: OuterRef) -> Subquery:
    """
    The id of the owner's HISTORY_POINTS-th newest score snapshot (NULL when
    it has fewer): where its sparkline starts. An owner's snapshots are
    written under its lock, so id order is time order, and reading them
    newest first is a short walk back from the end of the (owner, id)
    index: a long history costs no more than a short one.
    """
    newest = ScoreSnapshot.objects.filter(**owner).order_by("-id").values("id")
    return Subquery(newest[HISTORY_POINTS - 1 : HISTORY_POINTS])


def score_histories(
    *,
    accounts: Mapping[int, int | None] | None = None,
    claims: Mapping[int, int | None] | None = None,
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """
    The scores of each account and claim since its history start (see
    history_start; None for all of a short history), oldest first, in one
    query of one bounded index range per object.
    """
    # One "owner = ? AND id >= ?" range per object, OR'd: each is a seek into
    # the snapshots' (owner, id) index. Written as SQL because the ORM spends
    # ten times longer building fifty such lookups than the database spends
    # running them.
    ranges, params = [], []
    for column, starts in (("account_id", accounts or {}), ("claim_id", claims or {})):
        for owner_id, start in starts.items():
            ranges.append(f"({column} = %s AND id >= %s)")
            params += [owner_id, start or 0]
    account_scores: dict[int, list[float]] = defaultdict(list)
    claim_scores: dict[int, list[float]] = defaultdict(list)
    if not ranges:
        return account_scores, claim_scores
    in_ranges = RawSQL(" OR ".join(ranges), params, output_field=BooleanField())
    rows = (
        ScoreSnapshot.objects.filter(in_ranges)
        .order_by("id")
        .values_list("account_id", "claim_id", "score")
    )
    for account_id, claim_id, score in rows:
        if account_id is not None:
            account_scores[account_id].append(score)
        else:
            claim_scores[claim_id].append(score)
    return account_scores, claim_scores


@dataclass(frozen=True)
class AccountCard:
    account: Account
    history: list[float]
    last_change: Change | None


@dataclass(frozen=True)
class DisputeCard:
    dispute: Dispute
    accounts: list[AccountCard]


def _newest_change(object_type: str, object_id: OuterRef | Subquery) -> Subquery:
    """The id of the newest Change to one object, from the log's (object_type, object_id) index."""
    changes = Change.objects.filter(object_type=object_type, object_id=object_id)
    return Subquery(changes.order_by("-id").values("id")[:1])


def _last_written(rows: QuerySet) -> Subquery:
    return Subquery(rows.order_by("-updated_at", "-id").values("id")[:1])


def _last_change_id() -> Greatest:
    """
    The newest Change to an account, one of its claims or their evidence.
    Every logged write of a claim or a piece of evidence also stamps its
    updated_at, under the account's lock, so the newest change among the
    claims is the newest change of the last-written claim, and the same for
    the evidence: three index look-ups per account, where looking up the
    changes of every piece of evidence took a hundred. (Asked as one MAX
    over the log, PostgreSQL reads the log backwards from its newest row
    until it meets the account: for a quiet account, most of the log.)
    """
    claim = _last_written(Claim.objects.filter(account=OuterRef(OuterRef("pk"))))
    evidence = _last_written(Corroboration.objects.filter(claim__account=OuterRef(OuterRef("pk"))))
    # 0 for none: SQLite's GREATEST (its MAX) is NULL if any argument is.
    return Greatest(
        Coalesce(_newest_change("account", OuterRef("pk")), 0),
        Coalesce(_newest_change("claim", claim), 0),
        Coalesce(_newest_change("corroboration", evidence), 0),
    )


def overview_disputes() -> QuerySet[Dispute]:
    """
    Open disputes first, then settled ones; within each, the most recently
    active first. A dispute is as recent as its own last edit or its
    accounts' last score move (every piece of evidence that counts moves
    one), read from the accounts' indexed foreign key, a few rows each.
    """
    newest_account = (
        Account.objects.filter(dispute=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    return Dispute.objects.annotate(
        settled=Case(When(status=Dispute.Status.OPEN, then=Value(0)), default=Value(1)),
        active_at=Greatest("updated_at", Coalesce(Subquery(newest_account), "updated_at")),
    ).order_by("settled", "-active_at", "-id")


def dispute_cards(disputes: list[Dispute]) -> list[DisputeCard]:
    """
    The disputes' accounts with their gauges, counts, histories and last
    change: three queries, over these disputes' rows only.
    """
    accounts = list(
        Account.objects.filter(dispute__in=disputes)
        .select_related("party")
        .annotate(
            claim_count=count_of(Claim.objects.all(), "account"),
            corroboration_count=count_of(Corroboration.objects.all(), "claim__account"),
            last_change_id=_last_change_id(),
            history_start=history_start(account=OuterRef("pk")),
        )
        .order_by("party__name", "id")
    )
    histories, _ = score_histories(accounts={a.pk: a.history_start for a in accounts})
    changes = Change.objects.select_related("actor").in_bulk(
        [a.last_change_id for a in accounts if a.last_change_id]
    )
    cards: dict[int, list[AccountCard]] = defaultdict(list)
    for account in accounts:
        cards[account.dispute_id].append(
            AccountCard(
                account=account,
                history=histories.get(account.pk, []),
                last_change=changes.get(account.last_change_id),
            )
        )
    return [DisputeCard(dispute=dispute, accounts=cards[dispute.pk]) for dispute in disputes]


def overview_page(number: str | int | None) -> Page:
    """
    One page of the overview; a page number out of range (or no number)
    gives the nearest page rather than an error.
    """
    page = Paginator(overview_disputes(), OVERVIEW_PAGE_SIZE).get_page(number)
    page.object_list = dispute_cards(list(page.object_list))
    return page


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
    claims = Claim.objects.with_related().annotate(
        history_start=history_start(claim=OuterRef("pk")),
        account_history_start=history_start(account=OuterRef("account_id")),
    )
    return get_object_or_404(claims, pk=claim_id)


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
        claim = self.claim
        if not hasattr(claim, "history_start"):
            # Reached through its evidence (the edit and delete steps), the
            # claim comes without the starts that keep its histories short.
            claim = claim_for_dashboard(claim.pk)
        return score_histories(
            accounts={claim.account_id: claim.account_history_start},
            claims={claim.pk: claim.history_start},
        )

    @property
    def claim_history(self) -> list[float]:
        return self._histories[1].get(self.claim.pk, [])

    @property
    def account_history(self) -> list[float]:
        return self._histories[0].get(self.claim.account_id, [])


def corroboration_for_dashboard(corroboration_id: int) -> Corroboration:
    return get_object_or_404(
        Corroboration.objects.select_related(
            "source",
            "claim__account__dispute",
            "claim__account__party",
            "claim__speaker__affiliation",
        ),
        pk=corroboration_id,
    )


def source_options(text: str) -> QuerySet[Source]:
    """
    A few sources whose name contains what the user has typed, those that
    start with it first; none before they type.
    """
    text = text.strip()[:200]
    if not text:
        return Source.objects.none()
    starts = Case(When(name__istartswith=text, then=Value(0)), default=Value(1))
    return (
        Source.objects.select_related("affiliation")
        .filter(name__icontains=text)
        .order_by(starts, "name", "id")[:SOURCE_OPTIONS]
    )
