"""
The claim panel's reads: the claim, its evidence beside each item's part in
the score, and the claim's and its account's score histories.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypedDict, TypeGuard

from django.db.models import OuterRef
from django.shortcuts import get_object_or_404

from claims.models import Claim, Corroboration
from claims.scoring import ClaimScore, ExplainedItem
from claims.selectors import explain_claim

from .common import history_start, score_histories
from .plain_words import AccountMakeup, account_makeups, weighs_most

# django-stubs-ext is a lint requirement (requirements.txt), not a runtime one.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class HistoryStarts(TypedDict):
    history_start: int | None
    account_history_start: int | None


@dataclass(frozen=True)
class EvidenceRow:
    corroboration: Corroboration
    explained: ExplainedItem | None


# A claim with many pieces of evidence lists them this many at a time (76
# in full made a page 22,000 px long); its score table stays complete.
EVIDENCE_PER_PAGE = 20
# What ?evidence= says to list every item at once.
ALL_EVIDENCE = "all"


@dataclass(frozen=True)
class EvidencePager:
    """Which of a claim's `total` items the list shows: page `number`, or all of them (0)."""

    total: int
    number: int

    per_page = EVIDENCE_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // EVIDENCE_PER_PAGE))

    @property
    def shows_all(self) -> bool:
        return self.number == 0

    @property
    def needed(self) -> bool:
        """Whether there are more items than one page shows."""
        return self.total > EVIDENCE_PER_PAGE

    @property
    def start(self) -> int:
        """The index of the first item shown (from 0)."""
        return 0 if self.shows_all else (self.number - 1) * EVIDENCE_PER_PAGE

    @property
    def end(self) -> int:
        """One past the index of the last item shown."""
        return self.total if self.shows_all else min(self.total, self.start + EVIDENCE_PER_PAGE)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if 0 < self.number < self.pages else None

    @classmethod
    def asked(cls, total: int, page: str | None, *, index: int | None = None) -> EvidencePager:
        """
        The page asked for (?evidence=2, or "all"); else the one holding the
        item at `index` (the one being edited); else the first. A page past
        the end is the last, anything else the first.
        """
        pager = cls(total, 1)
        if page == ALL_EVIDENCE:
            return cls(total, 0)
        if page is None and index is not None:
            return cls(total, index // EVIDENCE_PER_PAGE + 1)
        try:
            number = int(page or 1)
        except ValueError:
            return pager
        return cls(total, min(max(number, 1), pager.pages))


def claim_for_dashboard(claim_id: int) -> WithAnnotations[Claim, HistoryStarts]:
    claims = Claim.objects.with_related().annotate(
        history_start=history_start(claim=OuterRef("pk")),
        account_history_start=history_start(account=OuterRef("account_id")),
    )
    return get_object_or_404(claims, pk=claim_id)


def _has_history_starts(claim: Claim) -> TypeGuard[WithAnnotations[Claim, HistoryStarts]]:
    return hasattr(claim, "history_start")


class ClaimPage:
    """
    The claim with its evidence, each item beside its part in the score.
    Each part is read when first used, so that a widget refreshing its own
    partial (the gauge, say) runs only the queries that partial needs.
    """

    def __init__(
        self,
        claim: Claim,
        *,
        evidence_page: str | None = None,
        around: Corroboration | None = None,
    ) -> None:
        self.claim = claim
        # The page of the evidence list asked for (?evidence=), and the item
        # whose page to show when none is asked for (the one being edited).
        self.evidence_page = evidence_page
        self.around = around

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

    @cached_property
    def weighs_most(self) -> str:
        """In one sentence, which evidence weighs most on the claim and why."""
        sources = {row.corroboration.source_id: row.corroboration.source for row in self.evidence}
        return weighs_most(self.explanation, sources)

    @cached_property
    def account_makeup(self) -> AccountMakeup:
        """What the account's score is made of: one grouped query."""
        account = self.claim.account
        return account_makeups([account])[account.pk]

    @cached_property
    def pager(self) -> EvidencePager:
        index = None
        if self.around is not None:
            ids = [row.corroboration.pk for row in self.evidence]
            index = ids.index(self.around.pk) if self.around.pk in ids else None
        return EvidencePager.asked(len(self.evidence), self.evidence_page, index=index)

    @property
    def shown_evidence(self) -> list[EvidenceRow]:
        """The items the list shows: a page of them, from the evidence read in full."""
        return self.evidence[self.pager.start : self.pager.end]

    @property
    def counted(self) -> list[ExplainedItem]:
        return [item for item in self.explanation.items if item.counted]

    @property
    def ignored(self) -> list[ExplainedItem]:
        return [item for item in self.explanation.items if not item.counted]

    @cached_property
    def _histories(self) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
        claim = self.claim
        # Reached through its evidence (the edit and delete steps), the
        # claim comes without the starts that keep its histories short.
        starts = claim if _has_history_starts(claim) else claim_for_dashboard(claim.pk)
        return score_histories(
            accounts={starts.account_id: starts.account_history_start},
            claims={starts.pk: starts.history_start},
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
