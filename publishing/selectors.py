"""
Reads about publication: where a dispute stands, what partners see of it,
and what republishing it would change for them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import (
    Case,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from changelog.models import Change
from claims.models import Dispute
from claims.services import SCORE_DIGITS

from .models import Publication, Revision, RevisionObject
from .representation import (
    ACCOUNT,
    CLAIM,
    CORROBORATION,
    DISPUTE,
    SOURCE,
    Correction,
    Frozen,
    digest,
    freeze_dispute,
    iso,
    publication_fields,
    render,
    source_representation,
    tombstone,
)


def pending_embargo(**publication: OuterRef) -> Subquery:
    """
    When the revision waiting for its embargo (the newest pending one) of
    the outer row's publication is released, or NULL: `publication` names
    it, e.g. publication=OuterRef("pk") or publication__dispute=OuterRef("pk").
    """
    pending = Revision.objects.filter(state=Revision.State.PENDING, **publication)
    return Subquery(pending.order_by("-id").values("embargoed_until")[:1])


def publication_of(dispute: Dispute, *, with_pending_embargo: bool = False) -> Publication:
    """
    The dispute's publication; a draft's, unsaved, if it has never left the
    draft stage. With its pending revision's embargo (`pending_embargo`, None
    when there is none) in the same query, when asked.
    """
    publications = Publication.objects.filter(dispute=dispute).select_related("released")
    if with_pending_embargo:
        publications = publications.annotate(
            pending_embargo=pending_embargo(publication=OuterRef("pk"))
        )
    found = publications.first()
    if found is not None:
        return found
    return Publication(
        dispute=dispute, dispute_key=dispute.pk, slug=dispute.slug, title=dispute.title
    )


def corrections(publication: Publication, *, upto: Revision | None = None) -> list[Correction]:
    """The corrections partners have been given, oldest first (released revisions with a note)."""
    revisions = publication.revisions.filter(state=Revision.State.RELEASED).exclude(
        correction_note=""
    )
    if upto is not None and upto.number is not None:
        revisions = revisions.filter(number__lte=upto.number)
    return [
        Correction(at=at, note=note)
        for at, note in revisions.order_by("number").values_list("released_at", "correction_note")
        if at is not None
    ]


def due_revisions(now: datetime) -> QuerySet[Revision]:
    """Embargoed revisions whose embargo has ended, the earliest first."""
    return Revision.objects.filter(state=Revision.State.PENDING, embargoed_until__lte=now).order_by(
        "embargoed_until", "id"
    )


# What partners see


def visible(object_type: str) -> QuerySet[RevisionObject]:
    """The rows partners read of one type: those of every usable dispute's released revision."""
    return RevisionObject.objects.filter(object_type=object_type, visible=True)


def partner_claims(
    *,
    dispute: str | None = None,
    party: str | None = None,
    verdict: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[RevisionObject]:
    """
    The claims partners see, by the released values of each filter (slugs
    for dispute and party), in id order: what the API's partner claims list
    pages through, serving each row's `data` as it is. `updated_since` is
    when the claim last changed for partners (its revision's release), so
    that a partner polling with it never misses what an embargo held back.
    """
    rows = visible(CLAIM)
    if dispute is not None:
        rows = rows.filter(dispute_slug=dispute)
    if party is not None:
        rows = rows.filter(party_slug=party)
    if verdict is not None:
        rows = rows.filter(verdict=verdict)
    if min_score is not None:
        rows = rows.filter(score__gte=min_score)
    if max_score is not None:
        rows = rows.filter(score__lte=max_score)
    if updated_since is not None:
        rows = rows.filter(changed_at__gte=updated_since)
    return rows.order_by("object_id")


def partner_object(object_type: str, object_id: int) -> RevisionObject | None:
    """One object as partners read it now, or None when they see nothing of it."""
    return visible(object_type).filter(object_id=object_id).first()


def partner_detail(row: RevisionObject) -> str:
    """The JSON of an object's detail: its list JSON with what the detail adds."""
    if not row.detail or row.detail == "{}":
        return row.data
    return row.data[:-1] + "," + row.detail[1:]


def partner_dispute(slug: str) -> tuple[Publication, str] | None:
    """
    A released dispute by slug, as partners read it: its JSON while usable,
    its tombstone while withheld or once canceled. None: never released.
    """
    # By the slug its released revision froze, not the publication's: that
    # one is the desk's as last published, which an embargo may still hold
    # back. One query: the released dispute row, its revision, its publication.
    row = (
        RevisionObject.objects.filter(
            object_type=DISPUTE,
            dispute_slug=slug,
            revision__publication__released=F("revision"),
        )
        .select_related("revision__publication")
        .order_by("-visible", "-revision__publication__changed_at")
        .first()
    )
    if row is None:
        return None
    publication = row.revision.publication
    publication.released = row.revision
    if publication.visible_to_partners:
        return publication, row.data
    return publication, render(dispute_tombstone(publication, slug=row.dispute_slug))


def dispute_tombstone(publication: Publication, *, slug: str | None = None) -> dict[str, Any]:
    """
    The publication fields of a withheld or canceled dispute, with none of
    its content; `slug`, the released revision's (the publication's may be
    one an embargo held back).
    """
    released = publication.released
    assert released is not None and released.number is not None and released.released_at
    assert publication.first_published_at is not None and publication.pub_status is not None
    retraction = None
    if publication.retracted_at is not None:
        retraction = Correction(at=publication.retracted_at, note=publication.retraction_note)
    return tombstone(
        dispute_id=publication.dispute_key,
        slug=slug or publication.slug,
        pub_status=publication.pub_status,
        fields=publication_fields(
            object_type=DISPUTE,
            pub_status=publication.pub_status,
            version=released.number,
            first_published_at=publication.first_published_at,
            version_created_at=released.created_at,
            embargoed_until=released.embargoed_until,
            corrections=[item.as_dict() for item in corrections(publication, upto=released)],
        ),
        retraction=retraction,
    )


def partner_sources(source_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """
    The sources partners see (those cited in the released claims and
    evidence of a usable dispute), each put together from the released rows
    of every such dispute: three queries. All of them, or those asked for.
    """
    sources = visible(SOURCE)
    evidence = visible(CORROBORATION)
    if source_ids is not None:
        source_ids = set(source_ids)
        sources = sources.filter(object_id__in=source_ids)
        evidence = evidence.filter(source_id__in=source_ids)
    # A source cited by two disputes is in both revisions, maybe as edited
    # in between: its newest row (last updated on the desk, then last
    # released) is its own fields now. Picked by the database: a source a
    # few dozen disputes cite has as many rows, and decoding them all was
    # most of the time of publishing one of those disputes.
    newest = sources.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("object_id")],
            order_by=[F("updated_at").desc(), F("id").desc()],
        )
    ).filter(rank=1)
    own: dict[int, dict[str, Any]] = {
        object_id: json.loads(content)
        for object_id, content in newest.values_list("object_id", "content")
    }
    cited: dict[int, list[dict[str, Any]]] = defaultdict(list)
    claim_ids: set[int] = set()
    # What a source lists of its evidence is in the rows' columns: reading
    # them, rather than decoding each row's JSON, was most of the time of
    # publishing a dispute whose sources other disputes cite.
    # A row released before its stated_at was written has its JSON read instead.
    legacy = Case(
        When(stated_at__isnull=True, then="content"), default=Value(""), output_field=TextField()
    )
    columns = evidence.values_list(
        "object_id", "source_id", "claim_id", "stance", "stated_at", legacy
    )
    for object_id, source_id, claim_id, stance, observed_at, content in columns:
        if content:
            item = json.loads(content)
            source_id, claim_id = item["source"]["id"], item["claim"]
        else:
            item = {"id": object_id, "claim": claim_id, "stance": stance}
            item["observed_at"] = iso(observed_at)
        cited[source_id].append(item)
        claim_ids.add(claim_id)
    verdicts = dict(
        visible(CLAIM).filter(object_id__in=claim_ids).values_list("object_id", "verdict")
    )
    return {
        pk: source_representation(item, cited.get(pk, []), verdicts)
        for pk, item in sorted(own.items())
    }


class SourceChanges:
    """
    Which sources partners will see otherwise once one dispute's released
    rows are replaced by others (`before` by `after`): worked out from those
    rows, and from the other disputes' copies of each source's own fields.

    A source partners read is its newest copy's own fields, the evidence of
    every usable dispute that cites it, and its track record on those
    claims' verdicts (partner_sources()). Only this dispute's part moves: so
    its evidence changed for partners exactly when this dispute's evidence
    citing it did, and its own fields when the newest copy's digest did.
    Only when this dispute's evidence stayed but its claims' verdicts moved
    could the track record change or not: those sources alone are put
    together in full, before the write (here) and after it (changes()).
    Putting every cited source together twice, with the evidence and
    verdicts of the other disputes that cite it, was most of the time of
    republishing a dispute whose sources a few dozen others cite.
    """

    def __init__(
        self,
        before: dict[tuple[str, int], RevisionObject],
        after: Iterable[RevisionObject],
        *,
        replaced: Revision | None,
    ) -> None:
        # What partners saw of this dispute: nothing while it was paused.
        old, new = [row for row in before.values() if row.visible], list(after)
        cited_before, cited_after = _cited(old), _cited(new)
        copies_before, copies_after = _copies(old), _copies(new)
        verdicts_before, verdicts_after = _verdicts(old), _verdicts(new)
        ids = set(copies_before) | set(copies_after) | set(cited_before) | set(cited_after)
        others = _newest_other_copies(ids, replaced=replaced)
        self.decided: list[tuple[int, str]] = []
        self.undecided: set[int] = set()
        for pk in sorted(ids):
            seen_before = pk in others or pk in copies_before
            seen_after = pk in others or pk in copies_after
            if seen_after and not seen_before:
                self.decided.append((pk, Change.Action.CREATED))
                continue
            if seen_before and not seen_after:
                self.decided.append((pk, Change.Action.DELETED))
                continue
            if _LEGACY in cited_before[pk] or _LEGACY in cited_after[pk]:
                self.undecided.add(pk)
                continue
            own_before = _newest(others.get(pk), copies_before.get(pk))
            own_after = _newest(others.get(pk), copies_after.get(pk))
            if own_before != own_after or cited_before[pk] != cited_after[pk]:
                self.decided.append((pk, Change.Action.UPDATED))
            elif any(
                verdicts_before.get(item[1]) != verdicts_after.get(item[1])
                for item in cited_after[pk]
            ):
                self.undecided.add(pk)
        self._undecided_before = partner_sources(self.undecided) if self.undecided else {}

    def changes(self) -> list[tuple[int, str]]:
        """The sources partners see otherwise, by id: to be called after the write."""
        changes = list(self.decided)
        if self.undecided:
            after = partner_sources(self.undecided)
            for pk in sorted(self.undecided):
                if render(self._undecided_before.get(pk)) != render(after.get(pk)):
                    changes.append((pk, Change.Action.UPDATED))
        return sorted(changes)


def _cited(rows: Iterable[RevisionObject]) -> defaultdict[int, Counter[Any]]:
    """Per source, what partners read of the evidence citing it among these rows."""
    cited: defaultdict[int, Counter[Any]] = defaultdict(Counter)
    for row in rows:
        if row.object_type == CORROBORATION and row.source_id is not None:
            item = (row.object_id, row.claim_id, row.stance, row.stated_at)
            # A row released before stated_at was kept: its source is read in full.
            cited[row.source_id][_LEGACY if row.stated_at is None else item] += 1
    return cited


_LEGACY = ("legacy",)


def _copies(rows: Iterable[RevisionObject]) -> dict[int, RevisionObject]:
    return {row.object_id: row for row in rows if row.object_type == SOURCE}


def _verdicts(rows: Iterable[RevisionObject]) -> dict[int, str]:
    return {row.object_id: row.verdict for row in rows if row.object_type == CLAIM}


def _newest_other_copies(
    ids: set[int], *, replaced: Revision | None
) -> dict[int, tuple[datetime | None, int, str]]:
    """The newest visible copy of each source in other revisions: (updated_at, row id, digest)."""
    if not ids:
        return {}
    copies = visible(SOURCE).filter(object_id__in=ids)
    if replaced is not None:
        copies = copies.exclude(revision=replaced)
    newest = copies.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("object_id")],
            order_by=[F("updated_at").desc(), F("id").desc()],
        )
    ).filter(rank=1)
    return {
        object_id: (updated_at, pk, digest)
        for object_id, updated_at, pk, digest in newest.values_list(
            "object_id", "updated_at", "id", "digest"
        )
    }


def _newest(
    other: tuple[datetime | None, int, str] | None,
    own: RevisionObject | None,
) -> str | None:
    """The digest of the newest of two copies of a source, as partner_sources() picks it."""
    candidates = [other] if other is not None else []
    if own is not None:
        # A row not written yet will have the highest id of all.
        candidates.append((own.updated_at, own.pk or _LATEST, own.digest))
    if not candidates:
        return None
    return max(candidates, key=lambda copy: (copy[0] or _EARLIEST, copy[1]))[2]


_LATEST = 2**63
_EARLIEST = datetime.min.replace(tzinfo=UTC)


# What republishing would change for partners


@dataclass(frozen=True)
class Move:
    """A claim's or an account's credibility, as released and as it is now."""

    object_type: str
    object_id: int
    label: str
    verdict_before: str
    verdict_after: str
    score_before: float
    score_after: float

    @property
    def verdict_moved(self) -> bool:
        return self.verdict_before != self.verdict_after


@dataclass(frozen=True)
class PartnerDiff:
    """
    What partners would see change if the dispute were republished now,
    against the revision they have (nothing released: everything is new).
    """

    released_version: int | None
    moves: list[Move] = field(default_factory=list)
    new_claims: list[int] = field(default_factory=list)
    gone_claims: list[int] = field(default_factory=list)
    new_evidence: list[int] = field(default_factory=list)
    gone_evidence: list[int] = field(default_factory=list)
    changed_evidence: list[int] = field(default_factory=list)
    changed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def verdict_moves(self) -> list[Move]:
        return [move for move in self.moves if move.verdict_moved]

    @property
    def needs_correction(self) -> bool:
        """A verdict partners were given reads otherwise now (or its claim is gone)."""
        return self.released_version is not None and bool(self.verdict_moves or self.gone_claims)

    def __bool__(self) -> bool:
        return bool(
            self.released_version is None
            or self.moves
            or self.new_claims
            or self.gone_claims
            or self.new_evidence
            or self.gone_evidence
            or self.changed
        )

    def describe_verdict_moves(self) -> str:
        """The verdicts that move, in words, for the message that asks for a correction note."""
        words = [
            f"{move.object_type} {move.object_id} “{move.label}”: "
            f"{move.verdict_before.replace('_', ' ')} → {move.verdict_after.replace('_', ' ')}"
            for move in self.verdict_moves
        ]
        words += [f"claim {pk} is no longer in the dispute" for pk in self.gone_claims]
        return "; ".join(words)


# The columns of a released row that comparing and carrying over need.
RELEASED_COLUMNS = (
    "id",
    "object_type",
    "object_id",
    "digest",
    "verdict",
    "score",
    "data",
    "version",
    "changed_at",
    # What a source shows of its evidence, and which of its copies is newest
    # (SourceChanges).
    "claim_id",
    "source_id",
    "stance",
    "stated_at",
    "updated_at",
    "visible",
)


def released_rows(revision: Revision | None) -> dict[tuple[str, int], RevisionObject]:
    """The rows of a released revision, by (type, id), without their frozen content."""
    if revision is None:
        return {}
    rows = RevisionObject.objects.filter(revision=revision).only(*RELEASED_COLUMNS)
    return {(row.object_type, row.object_id): row for row in rows}


def compare(
    frozen: list[Frozen],
    released: dict[tuple[str, int], RevisionObject],
    *,
    released_version: int | None,
) -> PartnerDiff:
    """What changes between the rows partners have and objects frozen from the desk now."""
    moves: list[Move] = []
    changed: list[tuple[str, int]] = []
    new: dict[str, list[int]] = defaultdict(list)
    changed_evidence: list[int] = []
    now_keys = set()
    for item in frozen:
        now_keys.add(item.key)
        before = released.get(item.key)
        if before is None:
            new[item.object_type].append(item.object_id)
            continue
        if digest(render(item.content)) == before.digest:
            continue
        changed.append(item.key)
        if item.object_type == CORROBORATION:
            changed_evidence.append(item.object_id)
        if item.object_type in (CLAIM, ACCOUNT):
            move = _move(item, before)
            if move is not None:
                moves.append(move)
    gone: dict[str, list[int]] = defaultdict(list)
    for key in sorted(set(released) - now_keys):
        gone[key[0]].append(key[1])
    return PartnerDiff(
        released_version=released_version,
        moves=moves,
        new_claims=new[CLAIM],
        gone_claims=gone[CLAIM],
        new_evidence=new[CORROBORATION],
        gone_evidence=gone[CORROBORATION],
        changed_evidence=changed_evidence,
        changed=changed,
    )


def _move(item: Frozen, before: RevisionObject) -> Move | None:
    verdict, score = item.columns["verdict"], item.columns["score"]
    if verdict == before.verdict and round(score, SCORE_DIGITS) == round(
        before.score or 0.0, SCORE_DIGITS
    ):
        return None
    label = item.content.get("text") or (item.content.get("party") or {}).get("name", "")
    return Move(
        object_type=item.object_type,
        object_id=item.object_id,
        label=label if len(label) <= 80 else label[:79] + "…",
        verdict_before=before.verdict,
        verdict_after=verdict,
        score_before=before.score or 0.0,
        score_after=score,
    )


def partner_diff(dispute: Dispute) -> PartnerDiff:
    """
    What would change for partners if the dispute were republished now:
    which claims' and accounts' verdicts and scores move, which claims and
    evidence are new or gone, against the revision partners have.
    """
    publication = publication_of(dispute)
    released = publication.released if publication.pk else None
    return compare(
        freeze_dispute(dispute),
        released_rows(released),
        released_version=released.number if released else None,
    )
