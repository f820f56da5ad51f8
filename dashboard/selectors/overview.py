"""
The overview's reads: every dispute's accounts side by side, with their
gauges, counts, sparklines and last change, a page of disputes at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute

from .common import count_of, history_start, score_histories, with_rows
from .plain_words import (
    AccountMakeup,
    account_makeups,
    evidence_against,
    evidence_for,
    evidence_in_words,
    summaries_naming_claims,
)
from .publication import Badge, badge_of, in_state, with_publication

# Disputes per page of the overview: a screenful to scan, and few enough
# that the page's figures cost the same however many disputes the desk holds.
OVERVIEW_PAGE_SIZE = 20


@dataclass(frozen=True)
class AccountCard:
    account: Account
    history: list[float]
    last_change: Change | None
    # The last change's summary with the claims it cites named by their words.
    last_change_summary: str
    makeup: AccountMakeup
    evidence: str  # "1 for, 4 against"


@dataclass(frozen=True)
class DisputeCard:
    dispute: Dispute
    accounts: list[AccountCard]
    publication: Badge


def _newest_change(object_type: str, object_id: OuterRef | Subquery) -> Subquery:
    """The id of the newest Change to one object, from the log's (object_type, object_id) index."""
    changes = Change.objects.filter(object_type=object_type, object_id=object_id)
    return Subquery(changes.order_by("-id").values("id")[:1])


def _last_written(rows: QuerySet[Claim] | QuerySet[Corroboration]) -> Subquery:
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


def overview_disputes(status: str = "") -> QuerySet[Dispute]:
    """
    Open disputes first, then settled ones; within each, the most recently
    active first. A dispute is as recent as its own last edit or its
    accounts' last score move (every piece of evidence that counts moves
    one), read from the accounts' indexed foreign key, a few rows each.
    Each carries its publication's badge, read in the same query; `status`
    keeps those in that state of publication only.
    """
    newest_account = (
        Account.objects.filter(dispute=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    disputes = with_publication(Dispute.objects.all())
    if status:
        disputes = in_state(disputes, status)
    return disputes.annotate(
        settled=Case(When(status=Dispute.Status.OPEN, then=Value(0)), default=Value(1)),
        active_at=Greatest("updated_at", Coalesce(Subquery(newest_account), "updated_at")),
    ).order_by("settled", "-active_at", "-id")


def dispute_cards(disputes: list[Dispute]) -> list[DisputeCard]:
    """
    The disputes' accounts with their gauges, counts, histories, what their
    scores are made of and last change: six queries (five when no last
    change cites a claim since deleted), over these disputes' rows only.
    """
    accounts = list(
        Account.objects.filter(dispute__in=disputes)
        .select_related("party")
        .annotate(
            claim_count=count_of(Claim.objects.all(), "account"),
            evidence_for=evidence_for("claim__account"),
            evidence_against=evidence_against("claim__account"),
            last_change_id=_last_change_id(),
            history_start=history_start(account=OuterRef("pk")),
        )
        .order_by("party__name", "id")
    )
    histories, _ = score_histories(accounts={a.pk: a.history_start for a in accounts})
    changes = Change.objects.select_related("actor").in_bulk(
        [a.last_change_id for a in accounts if a.last_change_id]
    )
    summaries = summaries_naming_claims(changes.values())
    makeups = account_makeups(accounts)
    cards: dict[int, list[AccountCard]] = defaultdict(list)
    for account in accounts:
        last_change = changes.get(account.last_change_id)
        cards[account.dispute_id].append(
            AccountCard(
                account=account,
                history=histories.get(account.pk, []),
                last_change=last_change,
                last_change_summary=summaries[last_change.pk] if last_change else "",
                makeup=makeups[account.pk],
                evidence=evidence_in_words(
                    supporting=account.evidence_for, against=account.evidence_against
                ),
            )
        )
    return [
        DisputeCard(dispute=dispute, accounts=cards[dispute.pk], publication=badge_of(dispute))
        for dispute in disputes
    ]


def overview_page(number: str | int | None, *, status: str = "") -> Page[DisputeCard]:
    """
    One page of the overview (of the disputes in one state of publication,
    if `status` says so); a page number out of range (or no number) gives
    the nearest page rather than an error.
    """
    page = Paginator(overview_disputes(status), OVERVIEW_PAGE_SIZE).get_page(number)
    return with_rows(page, dispute_cards(list(page.object_list)))
