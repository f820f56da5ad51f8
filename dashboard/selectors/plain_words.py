"""
Scores in plain words, beside the numbers: what an account's score is made
of, which evidence weighs most on a claim, the evidence counted for and
against, and claims named by their words rather than their ids. Each read
costs a fixed number of queries for a whole page, however many rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.text import Truncator

from changelog.models import Change
from claims import scoring
from claims.models import SUPPORTING_STANCES, Account, Claim, Corroboration, Stance, Verdict
from claims.scoring import ClaimScore, ExplainedItem
from claims.selectors import explain_claims
from sources.models import Source, SourceKind

from .common import count_of
from .sources import VERDICT_SCALE

# django-stubs-ext is a lint requirement (requirements.txt), not a runtime one.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def count_in_words(n: int) -> str:
    """Small counts in words ("three"), larger ones in figures ("12")."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def two_places(value: float) -> str:
    """A score as the floatformat:2 filter writes it (halves round up)."""
    return str(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# What an account's score is made of

# An unverified claim has no counted evidence: its verdict says nothing more.
NO_EVIDENCE = "with no evidence counted yet"


def verdict_phrase(verdict: str) -> str:
    return NO_EVIDENCE if verdict == Verdict.UNVERIFIED else Verdict(verdict).label.lower()


@dataclass(frozen=True)
class VerdictGroup:
    """An account's claims of one verdict: how many, and the range of their scores."""

    verdict: str
    count: int
    low: float
    high: float

    @property
    def scores(self) -> str:
        low, high = two_places(self.low), two_places(self.high)
        return low if low == high else f"{low}–{high}"

    def __str__(self) -> str:
        return f"{count_in_words(self.count)} {verdict_phrase(self.verdict)} ({self.scores})"


@dataclass(frozen=True)
class AccountMakeup:
    """
    An account's score and the claims it averages, grouped by verdict in
    scale order (best held up first): the sentence an account card shows
    beside its gauge.
    """

    score: float
    groups: tuple[VerdictGroup, ...]
    # Whether any claim has evidence: only then do the weights differ.
    weighted: bool

    @property
    def claim_count(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def sentence(self) -> str:
        score = two_places(self.score)
        if not self.groups:
            return f"No claims yet: the account stays at {score}, unverified."
        if self.claim_count == 1:
            (group,) = self.groups
            return f"{score} — the score of its one claim, {verdict_phrase(group.verdict)}."
        average = "weighted average" if self.weighted else "average"
        if len(self.groups) == 1:
            (group,) = self.groups
            every = "both" if group.count == 2 else "all"
            made_of = (
                f"{group.count} claims, {every} {verdict_phrase(group.verdict)} ({group.scores})"
            )
        else:
            made_of = f"{self.claim_count} claims: {', '.join(str(g) for g in self.groups)}"
        weights = " Claims with more evidence weigh more." if self.weighted else ""
        return f"{score} — the {average} of {made_of}.{weights}"

    def __str__(self) -> str:
        return self.sentence


def account_makeups(accounts: Iterable[Account]) -> dict[int, AccountMakeup]:
    """What each account's score is made of, by account id: one grouped query for all of them."""
    accounts = list(accounts)
    rows = (
        Claim.objects.filter(account_id__in=[account.pk for account in accounts])
        .order_by()
        .values("account_id", "verdict")
        .annotate(n=Count("id"), low=Min("score"), high=Max("score"), weight=Sum("evidence_weight"))
    )
    groups: dict[int, dict[str, VerdictGroup]] = {account.pk: {} for account in accounts}
    weighted: set[int] = set()
    for row in rows:
        groups[row["account_id"]][row["verdict"]] = VerdictGroup(
            row["verdict"], row["n"], row["low"], row["high"]
        )
        if row["weight"]:
            weighted.add(row["account_id"])
    return {
        account.pk: AccountMakeup(
            score=account.score,
            groups=tuple(
                groups[account.pk][verdict]
                for verdict in VERDICT_SCALE
                if verdict in groups[account.pk]
            ),
            weighted=account.pk in weighted,
        )
        for account in accounts
    }


# The evidence for and against, counted by stance


# Counted in the outer row's own query (correlated subqueries, no query
# more); `outer` names the column of Corroboration that points at that row.
SUPPORTING = Q(stance__in=SUPPORTING_STANCES)


def evidence_for(outer: str) -> Coalesce:
    """How much evidence supports or partly supports the outer row's claims."""
    return count_of(Corroboration.objects.filter(SUPPORTING), outer)


def evidence_against(outer: str) -> Coalesce:
    """How much evidence contradicts or partly contradicts the outer row's claims."""
    return count_of(Corroboration.objects.exclude(SUPPORTING), outer)


def evidence_in_words(*, supporting: int, against: int) -> str:
    """The evidence in words: "1 for, 4 against", or "none yet"."""
    if not supporting and not against:
        return "none yet"
    return f"{supporting} for, {against} against"


# Which evidence weighs most on a claim

# How much the source's stake in the claim changes its word, in words.
INTEREST_WORDS = {
    scoring.INDEPENDENT: "independent",
    scoring.SELF_SERVING: "self-serving",
    scoring.AGAINST_INTEREST: "against its own side's interest",
    scoring.ADVERSARIAL: "adversarial",
    scoring.RETRACTION: "its own speaker",
}
# What an anonymous source is called after its affiliation ("an anonymous
# United States official").
KIND_NOUNS: dict[str, str] = {
    SourceKind.OFFICIAL: "official",
    SourceKind.ANONYMOUS_OFFICIAL: "official",
    SourceKind.SPOKESPERSON: "spokesperson",
    SourceKind.NEWS_OUTLET: "outlet",
    SourceKind.WIRE_SERVICE: "wire service",
    SourceKind.DOCUMENT: "document",
    SourceKind.EXPERT: "expert",
    SourceKind.WITNESS: "witness",
}
# The items a claim's sentence names; the others are counted after them.
NAMED_ITEMS = 2


def source_in_words(source: Source | None, name: str) -> str:
    """A source by its name, or an anonymous one by its affiliation and kind."""
    if source is None or not source.is_anonymous:
        return name
    side = source.affiliation.name if source.affiliation else "independent"
    return f"an anonymous {side} {KIND_NOUNS.get(source.kind, 'source')}"


def _stance_words(stance: str) -> str:
    label = Stance(stance).label.lower() if stance in Stance.values else stance
    return f"{label} it"


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _moves(item: ExplainedItem) -> tuple[float, float, int]:
    # What the item adds to S or C is what it moves the score by.
    return (item.support + item.contradiction, item.w, item.evidence_id)


def weighs_most(explanation: ClaimScore, sources: Mapping[int, Source]) -> str:
    """
    One sentence saying which evidence weighs most on the claim and why: the
    one or two counted items that move its score most, each with its source,
    its interest in the claim and its stance; or why nothing counts.
    `sources` are the evidence's sources (with their affiliations) by id.
    """
    counted = sorted((i for i in explanation.items if i.counted), key=_moves, reverse=True)
    if not explanation.items:
        return "No evidence yet."
    if not counted:
        reasons = "; ".join(
            f"{source_in_words(sources.get(i.source_id), i.source_name)} ({i.reason})"
            for i in explanation.items
        )
        return f"None of its evidence counts: {reasons}."
    parts = [
        f"{source_in_words(sources.get(i.source_id), i.source_name)}, "
        f"{INTEREST_WORDS.get(i.interest, i.reason)}, {_stance_words(i.stance)}"
        for i in counted[:NAMED_ITEMS]
    ]
    rest = len(counted) - NAMED_ITEMS
    if rest > 0:
        parts.append(f"{count_in_words(rest)} more weigh{'s' if rest == 1 else ''} less")
    lead = "Weighs most" if len(counted) > 1 else "Rests on one piece of evidence"
    return f"{lead}: {_capfirst('; '.join(parts))}."


class ChipExplained(TypedDict):
    explained: ExplainedItem | None  # its part in the claim's score (None: recorded since)


class ClaimWords(TypedDict):
    explanation: ClaimScore
    weighs_most: str


def describe_claims(claims: Collection[Claim]) -> None:
    """
    Give each claim (with its account, and its corroborations prefetched
    with their sources and affiliations) its explanation and the sentence of
    what weighs most, and each corroboration its part in the score: two
    queries for all of them (claims.selectors.explain_claims, given the
    corroborations already read).
    """
    read = {claim.pk: list(claim.corroborations.all()) for claim in claims}
    explanations = explain_claims(claims, corroborations=read)
    for claim in claims:
        explanation = explanations[claim.pk]
        items = {item.evidence_id: item for item in explanation.items}
        sources: dict[int, Source] = {}
        for corroboration in read[claim.pk]:
            sources[corroboration.source_id] = corroboration.source
            chip = cast("WithAnnotations[Corroboration, ChipExplained]", corroboration)
            chip.explained = items.get(corroboration.pk)
        described = cast("WithAnnotations[Claim, ClaimWords]", claim)
        described.explanation = explanation
        described.weighs_most = weighs_most(explanation, sources)


# Claims named by their words

# How change summaries refer to a claim: "claim 6" ("claim 6 edited",
# "Reuters supports claim 6").
CLAIM_REFERENCE = re.compile(r"\bclaim (\d+)\b")
# A claim's words as a change names it: enough to tell it from its neighbours.
NAMED_WORDS = 8


def claim_name(text: str, party: str | None) -> str:
    words = Truncator(" ".join(text.split())).words(NAMED_WORDS, truncate="…")
    return f"claim “{words}”" + (f" ({party})" if party else "")


def live_claim_names(claim_ids: Collection[int]) -> dict[int, str]:
    """The claims that still exist, each named by its first words and its party: one query."""
    if not claim_ids:
        return {}
    rows = Claim.objects.filter(pk__in=claim_ids).values_list("pk", "text", "account__party__name")
    return {pk: claim_name(text, party) for pk, text, party in rows}


def deleted_claim_names(claim_ids: Collection[int]) -> dict[int, str]:
    """
    Claims since deleted, named from their last recorded version (django-
    simple-history keeps it), with their party while their account exists:
    one query.
    """
    if not claim_ids:
        return {}
    versions = (
        Claim.history.filter(id__in=claim_ids)
        .order_by("id", "-history_id")
        .values_list("id", "text", "account__party__name")
    )
    names: dict[int, str] = {}
    for pk, text, party in versions:
        names.setdefault(pk, claim_name(text, party))
    return names


def claim_names(claim_ids: Collection[int]) -> dict[int, str]:
    """Each claim named by its words, deleted ones too: one query, two when some are deleted."""
    names = live_claim_names(claim_ids)
    return names | deleted_claim_names(set(claim_ids) - set(names))


def cited_claims(change: Change) -> set[int]:
    """The claims a change's summary cites ("Reuters supports claim 6")."""
    return {int(pk) for pk in CLAIM_REFERENCE.findall(change.summary)}


def claims_named_in(changes: Iterable[Change]) -> set[int]:
    """The claims the changes refer to: the ones they changed, and those their summaries cite."""
    ids: set[int] = set()
    for change in changes:
        if change.object_type == "claim":
            ids.add(change.object_id)
        ids |= cited_claims(change)
    return ids


def name_claims(summary: str, names: Mapping[int, str]) -> str:
    """The summary with each "claim 6" it cites named by its words (as it was, if unknown)."""
    return CLAIM_REFERENCE.sub(lambda m: names.get(int(m.group(1)), m.group(0)), summary)


def summaries_naming_claims(changes: Iterable[Change]) -> dict[int, str]:
    """Each change's summary, by change id, with the claims it cites named by their words."""
    changes = list(changes)
    names = claim_names(claims_named_in(changes))
    return {change.pk: name_claims(change.summary, names) for change in changes}
