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
