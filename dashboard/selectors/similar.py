"""
The "Similar claims" box of the claim forms: what the desk already holds
that the claim being typed may repeat (intake.selectors.similar_claims),
with each suggestion's claim, dispute and party read in one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from claims.models import Claim
from intake import matching
from intake.selectors import SimilarClaim, similar_claims

# Fewer words than this say too little to match on: the box asks for more
# rather than suggesting claims that share a word or two.
MIN_WORDS = 3
SHOWN = 5


@dataclass(frozen=True)
class Suggestion:
    """A claim the typed text may repeat, as the box shows it."""

    claim: Claim
    match: SimilarClaim

    @property
    def same_claim(self) -> bool:
        return self.match.label == "paraphrase"

    @property
    def percent(self) -> int:
        return round(self.match.score * 100)

    @property
    def reason(self) -> str:
        return self.match.contrast


def enough_words(text: str) -> bool:
    return len(matching.words(text)) >= MIN_WORDS


def suggestions_for(text: str, *, exclude: int | None = None) -> list[Suggestion] | None:
    """
    The stored claims most like `text`, best first, leaving out the claim
    being edited (`exclude`); None when the text is too short to match, so
    that the model is not even asked.
    """
    if not enough_words(text):
        return None
    found = similar_claims(text, exclude_claim=exclude, limit=SHOWN)
    claims = Claim.objects.select_related("account__dispute", "account__party").in_bulk(
        [match.claim for match in found]
    )
    # A claim deleted between the match and this read is left out.
    return [Suggestion(claims[m.claim], m) for m in found if m.claim in claims]
