"""
Every write about disputes, accounts, claims and evidence goes through these
functions, whichever door it comes from (admin, API, dashboard, commands).

Each one runs in a single transaction (changelog.writes.write_transaction): it
validates (raising django.core.exceptions.ValidationError, field by field),
writes, recomputes the scores its write changed, leaves a ScoreSnapshot for
each score that moved, and appends to the change log. Locks are always taken
in one order, the change log's first, then account, then claim, so that
concurrent writers queue instead of deadlocking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from changelog.models import Change
from changelog.writes import (
    Entry,
    User,
    actor_or_none,
    apply_fields,
    attribute,
    check_version,
    delete_logged,
    edit_logged,
    lock,
    lock_current,
    record_change,
    record_changes,
    save_validated,
    write_transaction,
)
from sources.models import Party, Source
from sources.selectors import origin_roots, roots_from_parents
from sources.services import SOURCE_FIELDS

from . import scoring
from .models import SUPPORTING_STANCES, Account, Claim, Corroboration, Dispute, ScoreSnapshot
from .selectors import (
    SCORED_CORROBORATION_COLUMNS,
    SCORED_SOURCE_COLUMNS,
    explain_claim,
    scoring_constants,
    scoring_evidence,
)

# Scores are compared at this precision, so that float noise from summing in
# another order never counts as a change.
SCORE_DIGITS = 9


def _moved(obj: Claim | Account, score: float, verdict: str, weight: float) -> bool:
    return (
        round(obj.score, SCORE_DIGITS) != round(score, SCORE_DIGITS)
        or obj.verdict != verdict
        or round(obj.evidence_weight, SCORE_DIGITS) != round(weight, SCORE_DIGITS)
    )


def _store_score(
    obj: Claim | Account, *, score: float, verdict: str, weight: float, cause: str, by: User
) -> bool:
    """Write a new score and its snapshot if it moved; True if it did."""
    if not _moved(obj, score, verdict, weight):
        return False
    before = obj.score
    obj.score, obj.verdict, obj.evidence_weight = score, verdict, weight
    obj.bump_version()
    attribute(obj, by)
    obj.save(update_fields=["score", "verdict", "evidence_weight", "version", "updated_at"])
    _snapshot(obj, cause=cause)
    record_change(
        obj,
        Change.Action.UPDATED,
        f"score {before:.2f} → {score:.2f}: {cause}",
        by=by,
        score_move=True,
    )
    return True


def _snapshot(obj: Claim | Account, *, cause: str) -> None:
    target = {"claim": obj} if isinstance(obj, Claim) else {"account": obj}
    ScoreSnapshot.objects.create(
        **target,
        score=obj.score,
        verdict=obj.verdict,
        evidence_weight=obj.evidence_weight,
        cause=cause[:300],
    )


def rescore_claim(claim: Claim, *, cause: str, by: User = None) -> bool:
    """Recompute a claim (locked by the caller) from its evidence."""
    result = explain_claim(claim)
    return _store_score(
        claim,
        score=result.score,
        verdict=result.verdict,
        weight=result.evidence_weight,
        cause=cause,
        by=by,
    )


def rescore_after_evidence_change(claim: Claim, *, cause: str, by: User = None) -> None:
    """
    Rescore a claim (locked by the caller) whose evidence changed. Its version
    moves even when its score does not: a claim's representation lists its
    evidence, and cached representations are keyed by the version.
    """
    if not rescore_claim(claim, cause=cause, by=by):
        claim.bump_version()
        attribute(claim, by)
        claim.save(update_fields=["version", "updated_at"])


def rescore_account(account: Account, *, cause: str, by: User = None) -> bool:
    """Recompute an account (locked by the caller) from its claims' stored scores."""
    pairs = list(account.claims.values_list("score", "evidence_weight"))
    result = scoring.score_account(pairs, constants=scoring_constants())
    return _store_score(
        account,
        score=result.score,
        verdict=result.verdict,
        weight=result.evidence_weight,
        cause=cause,
        by=by,
    )


def _lock_claim(claim_id: int) -> tuple[Account, Claim]:
    # Found through the claim and locked in one query; only the account's
    # row (of=self), so that the claim is locked after it, as everywhere.
    account = Account.objects.select_for_update(of=("self",)).filter(claims=claim_id).first()
    if account is None:
        raise ValidationError({"claim": f"Claim {claim_id} no longer exists."})
    # The speaker comes along (unlocked) for the speaker rules of evidence.
    claim = Claim.objects.select_for_update(of=("self",)).select_related("speaker").get(pk=claim_id)
    claim.account = account
    return account, claim


# Disputes

DISPUTE_FIELDS = ("slug", "title", "summary", "status")


@write_transaction()
def create_dispute(
    *, by: User, slug: str, title: str, summary: str = "", status: str = "open"
) -> Dispute:
    dispute = Dispute(slug=slug, title=title, summary=summary, status=status)
    save_validated(dispute, by=by, created=True)
    record_change(dispute, Change.Action.CREATED, f"dispute “{dispute.title}” opened", by=by)
    return dispute


@write_transaction()
def update_dispute(
    *, dispute: Dispute, by: User, expected_version: int | None = None, **fields: Any
) -> Dispute:
    return edit_logged(
        dispute,
        fields,
        allowed=DISPUTE_FIELDS,
        by=by,
        expected_version=expected_version,
        summary=lambda saved: f"dispute “{saved.title}” edited",
    )


@write_transaction()
def delete_dispute(*, dispute: Dispute, by: User, expected_version: int | None = None) -> None:
    """Delete a dispute with everything in it; each deletion enters the change log."""
    dispute = lock_current(dispute, expected_version)
    accounts = list(dispute.accounts.all())
    claims = list(Claim.objects.filter(account__dispute=dispute))
    corroborations = list(Corroboration.objects.filter(claim__account__dispute=dispute))
    entries: list[Entry] = [
        (c, Change.Action.DELETED, "deleted with its dispute") for c in corroborations
    ]
    entries += [(c, Change.Action.DELETED, "deleted with its dispute") for c in claims]
    entries += [(a, Change.Action.DELETED, "deleted with its dispute") for a in accounts]
    entries.append((dispute, Change.Action.DELETED, f"dispute “{dispute.title}” deleted"))
    # Logged before deleting: delete() clears the primary key of the objects.
    record_changes(entries, by=by)
    attribute(dispute, by)
    dispute.delete()


# Accounts

ACCOUNT_FIELDS = ("summary",)


@write_transaction()
def create_account(*, by: User, dispute: Dispute, party: Party, summary: str = "") -> Account:
    # The database constraint would say this too, but as a non-field error;
    # forms and the API need it on the field the user picked.
    if Account.objects.filter(dispute=dispute, party=party).exists():
        raise ValidationError({"party": f"{party} already has an account in this dispute."})
    account = Account(dispute=dispute, party=party, summary=summary)
    save_validated(account, by=by, created=True)
    _snapshot(account, cause="account opened")
    record_change(account, Change.Action.CREATED, f"account of {party} added to “{dispute}”", by=by)
    # The other accounts' sources are now an opposing party: rescore them.
    _rescore_dispute(dispute, cause=f"{party} joined the dispute", by=by)
    return account


@write_transaction()
def update_account(
    *, account: Account, by: User, expected_version: int | None = None, **fields: Any
) -> Account:
    return edit_logged(
        account,
        fields,
        allowed=ACCOUNT_FIELDS,
        by=by,
        expected_version=expected_version,
        summary=lambda saved: f"account of {saved.party} edited",
    )


@write_transaction()
def delete_account(*, account: Account, by: User, expected_version: int | None = None) -> None:
    account = lock_current(account, expected_version)
    dispute = account.dispute
    claims = list(account.claims.all())
    corroborations = list(Corroboration.objects.filter(claim__account=account))
    entries: list[Entry] = [
        (c, Change.Action.DELETED, "deleted with its account") for c in corroborations
    ]
    entries += [(c, Change.Action.DELETED, "deleted with its account") for c in claims]
    entries.append((account, Change.Action.DELETED, f"account of {account.party} deleted"))
    # Logged before deleting: delete() clears the primary key of the objects.
    record_changes(entries, by=by)
    attribute(account, by)
    account.delete()
    _rescore_dispute(dispute, cause=f"{account.party} left the dispute", by=by)


def _rescore_dispute(dispute: Dispute, *, cause: str, by: User) -> None:
    for account in Account.objects.select_for_update().filter(dispute=dispute).order_by("pk"):
        for claim in (
            Claim.objects.select_for_update().select_related("account").filter(account=account)
        ):
            rescore_claim(claim, cause=cause, by=by)
        rescore_account(account, cause=cause, by=by)


# Claims

CLAIM_FIELDS = ("text", "speaker", "stated_at", "appearance")


@write_transaction()
def create_claim(
    *,
    by: User,
    account: Account,
    text: str,
    speaker: Source,
    stated_at: datetime | None = None,
    appearance: str = "",
) -> Claim:
    account = lock(Account, account.pk)
    claim = Claim(
        account=account, text=text, speaker=speaker, stated_at=stated_at, appearance=appearance
    )
    save_validated(claim, by=by, created=True)
    _snapshot(claim, cause="claim recorded")
    record_change(claim, Change.Action.CREATED, f"claim by {speaker} recorded", by=by)
    rescore_account(account, cause=f"claim {claim.pk} recorded", by=by)
    return claim


@write_transaction()
def update_claim(
    *, claim: Claim, by: User, expected_version: int | None = None, **fields: Any
) -> Claim:
    account, claim = _lock_claim(claim.pk)
    check_version(claim, expected_version)
    apply_fields(claim, fields, CLAIM_FIELDS)
    if "speaker" in fields:
        refuse_speaker_support(claim)
    save_validated(claim, by=by)
    record_change(claim, Change.Action.UPDATED, f"claim {claim.pk} edited", by=by)
    if "speaker" in fields:
        rescore_claim(claim, cause=f"claim {claim.pk}: speaker changed", by=by)
        rescore_account(account, cause=f"claim {claim.pk}: speaker changed", by=by)
    return claim


def refuse_speaker_support(claim: Claim) -> None:
    """
    Refuse a speaker whom the claim's supporting evidence already is, or
    repeats (they share an origin): a speaker cannot corroborate their own
    claim, not even through a copy. Public so that forms (the admin's) can
    show the error before saving.
    """
    supporters = set(
        claim.corroborations.filter(stance__in=SUPPORTING_STANCES).values_list(
            "source_id", flat=True
        )
    )
    if not supporters:
        return
    roots = origin_roots({claim.speaker_id, *supporters})
    if any(roots[source_id] == roots[claim.speaker_id] for source_id in supporters):
        raise ValidationError(
            {
                "speaker": "This source already supports the claim as evidence (itself or "
                "through a source that repeats it); a speaker cannot corroborate their own claim."
            }
        )


@write_transaction()
def delete_claim(*, claim: Claim, by: User, expected_version: int | None = None) -> None:
    account, claim = _lock_claim(claim.pk)
    check_version(claim, expected_version)
    entries: list[Entry] = [
        (c, Change.Action.DELETED, "deleted with its claim") for c in claim.corroborations.all()
    ]
    entries.append((claim, Change.Action.DELETED, f"claim {claim.pk} deleted"))
    # Logged before deleting: delete() clears the primary key of the objects.
    record_changes(entries, by=by)
    attribute(claim, by)
    claim.delete()
    rescore_account(account, cause="a claim was deleted", by=by)


# Corroborations

CORROBORATION_FIELDS = ("source", "stance", "quote", "url", "observed_at")


def check_corroboration(corroboration: Corroboration, claim: Claim) -> None:
    # Public so that forms (the admin's) can show the error before saving.
    # The check constraints on stance and quote restate those fields' own
    # rules, which clean_fields applies (with their messages); checking them
    # again would cost a savepoint and a query each. Others are still checked.
    corroboration.full_clean(exclude=["claim", "recorded_by"], validate_constraints=False)
    corroboration.validate_constraints(exclude={"claim", "recorded_by", "stance", "quote"})
    if not corroboration.is_support:
        return
    if corroboration.source_id == claim.speaker_id:
        raise ValidationError(
            {
                "source": f"{claim.speaker} made this claim and cannot corroborate it. "
                "Record a retraction as “contradicts” instead."
            }
        )
    # A copy of the speaker (or the one the speaker repeats) is the speaker
    # again: the scoring would ignore its support, so it is refused here.
    # Two sources that repeat nobody have different origins: no need to ask.
    if corroboration.source.origin_id is None and claim.speaker.origin_id is None:
        return
    roots = origin_roots({corroboration.source_id, claim.speaker_id})
    if roots[corroboration.source_id] == roots[claim.speaker_id]:
        raise ValidationError(
            {
                "source": f"{corroboration.source} shares its origin with {claim.speaker}, "
                "who made this claim, so it cannot corroborate it."
            }
        )


def _describe(corroboration: Corroboration) -> str:
    return f"{corroboration.source} {corroboration.get_stance_display().lower()} claim {corroboration.claim_id}"


@write_transaction()
def record_corroboration(
    *,
    claim: Claim,
    by: User,
    source: Source,
    stance: str,
    quote: str,
    url: str = "",
    observed_at: datetime | None = None,
) -> Corroboration:
    account, claim = _lock_claim(claim.pk)
    corroboration = Corroboration(
        claim=claim,
        source=source,
        stance=stance,
        quote=quote.strip() if isinstance(quote, str) else quote,
        url=url,
        observed_at=observed_at or timezone.now(),
        recorded_by=actor_or_none(by),
    )
    check_corroboration(corroboration, claim)
    attribute(corroboration, by)
    corroboration.save()
    record_change(corroboration, Change.Action.CREATED, _describe(corroboration), by=by)
    cause = f"evidence recorded: {_describe(corroboration)}"
    rescore_after_evidence_change(claim, cause=cause, by=by)
    rescore_account(account, cause=cause, by=by)
    return corroboration


@write_transaction()
def update_corroboration(
    *,
    corroboration: Corroboration,
    by: User,
    expected_version: int | None = None,
    **fields: Any,
) -> Corroboration:
    account, claim = _lock_claim(corroboration.claim_id)
    corroboration = lock_current(corroboration, expected_version)
    if isinstance(fields.get("quote"), str):
        fields["quote"] = fields["quote"].strip()
    apply_fields(corroboration, fields, CORROBORATION_FIELDS)
    check_corroboration(corroboration, claim)
    corroboration.bump_version()
    attribute(corroboration, by)
    corroboration.save()
    record_change(corroboration, Change.Action.UPDATED, _describe(corroboration), by=by)
    cause = f"evidence edited: {_describe(corroboration)}"
    rescore_after_evidence_change(claim, cause=cause, by=by)
    rescore_account(account, cause=cause, by=by)
    return corroboration


@write_transaction()
def remove_corroboration(
    *, corroboration: Corroboration, by: User, expected_version: int | None = None
) -> None:
    account, claim = _lock_claim(corroboration.claim_id)
    corroboration = lock_current(corroboration, expected_version)
    description = _describe(corroboration)
    delete_logged(corroboration, description, by=by)
    cause = f"evidence removed: {description}"
    rescore_after_evidence_change(claim, cause=cause, by=by)
    rescore_account(account, cause=cause, by=by)


# Sources: their grade, party, anonymity and origin feed the scores, so a
# source's edit lives here, beside the rescoring it causes (its creation and
# deletion, which move no score, are sources.services').

# The fields of a source that the scoring reads.
SCORED_SOURCE_FIELDS = {"reliability", "affiliation", "is_anonymous", "origin"}


@write_transaction()
def update_source(
    *, source: Source, by: User, expected_version: int | None = None, **fields: Any
) -> Source:
    source = edit_logged(
        source,
        fields,
        allowed=SOURCE_FIELDS,
        by=by,
        expected_version=expected_version,
        summary=lambda saved: f"source {saved.name} edited",
    )
    if SCORED_SOURCE_FIELDS & set(fields):
        rescore_claims(_claims_citing(source), cause=f"source {source} edited", by=by)
    return source


def _family(source: Source) -> set[int]:
    """The source and every source that repeats it, directly or through others."""
    family = {source.pk}
    frontier = {source.pk}
    while frontier:
        frontier = (
            set(Source.objects.filter(origin_id__in=frontier).values_list("id", flat=True)) - family
        )
        family |= frontier
    return family


def _claims_citing(source: Source) -> set[int]:
    # The source itself and every source that repeats it: a new origin or
    # grade can change which of the copies counts.
    family = _family(source)
    return set(
        Corroboration.objects.filter(source_id__in=family).values_list("claim_id", flat=True)
    ) | set(Claim.objects.filter(speaker_id=source.pk).values_list("id", flat=True))


def rescore_claims(claim_ids: Iterable[int], *, cause: str, by: User = None) -> None:
    """Rescore some claims and their accounts, taking locks in account → claim order."""
    claim_ids = set(claim_ids)
    account_ids = sorted(
        set(Claim.objects.filter(pk__in=claim_ids).values_list("account_id", flat=True))
    )
    for account_id in account_ids:
        account = lock(Account, account_id)
        claims = (
            Claim.objects.select_for_update()
            .select_related("account")
            .filter(account_id=account_id, pk__in=claim_ids)
        )
        for claim in claims.order_by("pk"):
            rescore_claim(claim, cause=cause, by=by)
        rescore_account(account, cause=cause, by=by)


@write_transaction()
def merge_sources(
    *,
    source: Source,
    into: Source,
    by: User,
    expected_version: int | None = None,
    expected_into_version: int | None = None,
) -> Source:
    """
    Make `source` and `into` one source, `into`: the evidence `source` gave
    and the claims it made become `into`'s, the sources that repeated it
    repeat `into`, and `source` is deleted. Evidence is kept, not folded:
    where both had spoken on a claim, `into` now has both items, and the
    scoring counts its latest (each source counts once). Refused if the
    merged source would corroborate a claim it made (itself or through a copy).

    A caller that showed the two sources first passes the versions it showed
    (of `source`, of `into`): if either has changed since, StaleObjectError,
    and nothing is merged.
    """
    if source.pk == into.pk:
        raise ValidationError({"into": "A source cannot be merged into itself."})
    # Sources first, as update_source locks them, then accounts, then claims.
    locked = {
        row.pk: row
        for row in Source.objects.select_for_update().filter(pk__in=[source.pk, into.pk])
    }
    for wanted in (source, into):
        if wanted.pk not in locked:
            raise ValidationError(f"Source {wanted.pk} no longer exists.")
    source, into = locked[source.pk], locked[into.pk]
    check_version(source, expected_version)
    check_version(into, expected_into_version)
    if source.pk in _origin_chain(into):
        raise ValidationError(
            {
                "into": f"{into} repeats {source} (it is one of its copies): merging would "
                "make it its own origin. Merge the copy into the original instead."
            }
        )

    family = _family(source)
    evidence_claims = set(source.corroborations.values_list("claim_id", flat=True))
    spoken = set(source.claims.values_list("id", flat=True))
    claim_ids = (
        evidence_claims
        | set(Claim.objects.filter(speaker_id__in=family).values_list("id", flat=True))
        | set(Corroboration.objects.filter(source_id__in=family).values_list("claim_id", flat=True))
    )
    account_ids = sorted(
        set(Claim.objects.filter(pk__in=claim_ids).values_list("account_id", flat=True))
    )
    accounts = [lock(Account, account_id) for account_id in account_ids]
    claims = list(
        Claim.objects.select_for_update()
        .select_related("account")
        .filter(pk__in=claim_ids)
        .order_by("pk")
    )

    merged = f"{source} merged into {into}"
    entries: list[Entry] = []
    for corroboration in source.corroborations.select_for_update().order_by("pk"):
        corroboration.source = into
        corroboration.bump_version()
        attribute(corroboration, by)
        corroboration.save(update_fields=["source", "version", "updated_at"])
        entries.append((corroboration, Change.Action.UPDATED, f"evidence moved: {merged}"))
    for claim in claims:
        if claim.pk in spoken:
            claim.speaker = into
            claim.bump_version()
            attribute(claim, by)
            claim.save(update_fields=["speaker", "version", "updated_at"])
            entries.append((claim, Change.Action.UPDATED, f"claim {claim.pk}: speaker {merged}"))
    for copy in source.copies.select_for_update().order_by("pk"):
        copy.origin = into
        copy.bump_version()
        attribute(copy, by)
        copy.save(update_fields=["origin", "version", "updated_at"])
        entries.append((copy, Change.Action.UPDATED, f"source {copy} now repeats {into}: {merged}"))
    record_changes(entries, by=by)
    _refuse_self_corroboration(claims)

    delete_logged(source, f"source {merged}", by=by)
    # Its representation lists its evidence and copies, which have grown.
    into.bump_version()
    attribute(into, by)
    into.save(update_fields=["version", "updated_at"])
    record_change(into, Change.Action.UPDATED, f"source {merged}", by=by)

    cause = f"source {merged}"
    for claim in claims:
        if claim.pk in evidence_claims and claim.pk not in spoken:
            rescore_after_evidence_change(claim, cause=cause, by=by)
        else:
            rescore_claim(claim, cause=cause, by=by)
    for account in accounts:
        rescore_account(account, cause=cause, by=by)
    return into


def _origin_chain(source: Source) -> set[int]:
    """The sources that `source` repeats, directly or through others."""
    chain: set[int] = set()
    node = source.origin_id
    while node is not None and node not in chain:
        chain.add(node)
        node = Source.objects.filter(pk=node).values_list("origin_id", flat=True).first()
    return chain


def _refuse_self_corroboration(claims: list[Claim]) -> None:
    # The rule check_corroboration applies to new evidence, applied to the
    # claims a merge has changed: their speakers and supporters as they now are.
    speakers = {claim.pk: claim.speaker_id for claim in claims}
    supports = list(
        Corroboration.objects.filter(
            claim_id__in=speakers, stance__in=SUPPORTING_STANCES
        ).values_list("claim_id", "source_id")
    )
    roots = origin_roots({*speakers.values(), *(source_id for _, source_id in supports)})
    clashes = sorted(
        {
            claim_id
            for claim_id, source_id in supports
            if roots[source_id] == roots[speakers[claim_id]]
        }
    )
    if clashes:
        raise ValidationError(
            {
                "into": "After the merge the source would support claims it made itself "
                f"(itself or through a source that repeats it): claim(s) {', '.join(map(str, clashes))}. "
                "Record that evidence as the speaker's own word, or remove it, first."
            }
        )


# Whole-database recompute


@dataclass(frozen=True)
class Drift:
    label: str
    stored: float
    computed: float


@write_transaction()
def recompute_all(
    *, fix: bool = True, cause: str = "full recompute", by: User = None
) -> list[Drift]:
    """
    Rebuild every score from the evidence, in bulk: a handful of queries
    whatever the size of the database. Returns what had drifted from the
    stored value (nothing, on a healthy database); with fix, stores the
    recomputed scores and snapshots them.
    """
    # Every writer locks an account before it touches that account's claims
    # or evidence. Holding all of them (in pk order, as writers do) gives a
    # consistent read, so a write that commits mid-way is neither reported
    # as drift nor overwritten with a score computed from older evidence.
    list(Account.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    constants = scoring_constants()
    sources = {
        row["id"]: row for row in Source.objects.values("id", "origin_id", *SCORED_SOURCE_COLUMNS)
    }
    roots = roots_from_parents({pk: row["origin_id"] for pk, row in sources.items()})
    parties_by_dispute: dict[int, set[int]] = defaultdict(set)
    for dispute_id, party_id in Account.objects.values_list("dispute_id", "party_id"):
        parties_by_dispute[dispute_id].add(party_id)
    evidence: dict[int, list[scoring.Evidence]] = defaultdict(list)
    rows = Corroboration.objects.values("claim_id", *SCORED_CORROBORATION_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        source_id = row["source_id"]
        evidence[row["claim_id"]].append(
            scoring_evidence(row, source=sources[source_id], origin_root_id=roots[source_id])
        )

    drifts: list[Drift] = []
    claims_by_account: dict[int, list[tuple[float, float]]] = defaultdict(list)
    changed_claims: list[Claim] = []
    for claim in (
        Claim.objects.select_related("account")
        .only(
            "id",
            "score",
            "verdict",
            "evidence_weight",
            "speaker_id",
            "version",
            "account__id",
            "account__party_id",
            "account__dispute_id",
        )
        .iterator(chunk_size=5000)
    ):
        result = scoring.score_claim(
            evidence.get(claim.pk, ()),
            claim_party_id=claim.account.party_id,
            speaker_id=claim.speaker_id,
            speaker_root_id=roots[claim.speaker_id],
            disputing_party_ids=parties_by_dispute[claim.account.dispute_id],
            constants=constants,
        )
        claims_by_account[claim.account_id].append((result.score, result.evidence_weight))
        if _moved(claim, result.score, result.verdict, result.evidence_weight):
            drifts.append(Drift(f"claim {claim.pk}", claim.score, result.score))
            claim.score, claim.verdict, claim.evidence_weight = (
                result.score,
                result.verdict,
                result.evidence_weight,
            )
            claim.bump_version()
            changed_claims.append(claim)

    changed_accounts: list[Account] = []
    for account in Account.objects.only("id", "score", "verdict", "evidence_weight", "version"):
        account_result = scoring.score_account(
            claims_by_account.get(account.pk, []), constants=constants
        )
        if _moved(
            account, account_result.score, account_result.verdict, account_result.evidence_weight
        ):
            drifts.append(Drift(f"account {account.pk}", account.score, account_result.score))
            account.score, account.verdict, account.evidence_weight = (
                account_result.score,
                account_result.verdict,
                account_result.evidence_weight,
            )
            account.bump_version()
            changed_accounts.append(account)

    if fix and (changed_claims or changed_accounts):
        _store_bulk(changed_claims, changed_accounts, cause=cause, by=by)
    return drifts


# Claims or accounts, the two tables of scores; constrained rather than
# bound, so that the columns each model declares are known.
ScoredRow = TypeVar("ScoredRow", Claim, Account)


def _update_scores(model: type[ScoredRow], rows: list[ScoredRow]) -> None:
    """
    Write the score fields of many rows with one prepared UPDATE run per row.
    bulk_update() would build a CASE expression per batch instead, which took
    ~50 s for 20,000 claims (against under a second this way).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET score = %s, verdict = %s, "
        "evidence_weight = %s, version = %s, updated_at = %s WHERE id = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (r.score, r.verdict, r.evidence_weight, r.version, adapt(r.updated_at), r.pk)
                for r in rows
            ],
        )


@write_transaction()
def _store_bulk(claims: list[Claim], accounts: list[Account], *, cause: str, by: User) -> None:
    now = timezone.now()
    rows: list[Claim | Account] = [*claims, *accounts]
    for obj in rows:
        obj.updated_at = now
    _update_scores(Claim, claims)
    _update_scores(Account, accounts)
    ScoreSnapshot.objects.bulk_create(
        [
            ScoreSnapshot(
                claim=c,
                score=c.score,
                verdict=c.verdict,
                evidence_weight=c.evidence_weight,
                cause=cause,
            )
            for c in claims
        ]
        + [
            ScoreSnapshot(
                account=a,
                score=a.score,
                verdict=a.verdict,
                evidence_weight=a.evidence_weight,
                cause=cause,
            )
            for a in accounts
        ],
        batch_size=2000,
    )
    record_changes(
        [(obj, Change.Action.UPDATED, cause) for obj in [*claims, *accounts]],
        by=by,
        score_moves=True,
    )
