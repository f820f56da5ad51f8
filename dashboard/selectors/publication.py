"""
The dashboard's reads about publication (DESIGN.md §8): where a dispute
stands between the desk and its partners, as a badge; what the user may do
about it from there; what partners see of it; and, before an editor
publishes, what would change for partners.

The rules (which transition from which state, for whom; what a diff is)
are publishing's: this only reads them and puts them in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from claims.models import Dispute, Stance
from publishing.models import Publication, Revision
from publishing.representation import (
    ACCOUNT,
    CLAIM,
    CORROBORATION,
    Correction,
    Frozen,
    digest,
    freeze_dispute,
    render,
)
from publishing.selectors import (
    PartnerDiff,
    compare,
    corrections,
    pending_embargo,
    publication_of,
    released_rows,
)
from publishing.services import EDITOR_PERMISSION, TRANSITIONS

State = Publication.State


def utc(at: datetime) -> str:
    """A time as the dashboard writes it: UTC, 24-hour clock."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# The badge


@dataclass(frozen=True)
class Badge:
    state: str  # the publication's state, which gives the badge its colour
    label: str  # "Published · version 3"
    # A later revision waiting for its embargo while partners keep the one they have.
    detail: str = ""


def badge(state: str, *, version: int | None, embargoed_until: datetime | None) -> Badge:
    """
    Where a dispute stands, in a few words: its state, the version partners
    have while it is published, and the embargo a revision waits for.
    """
    if state == State.PUBLISHED:
        if version is None:
            label = f"Embargoed until {utc(embargoed_until)}" if embargoed_until else "Published"
            return Badge(state, label)
        detail = f"next version embargoed until {utc(embargoed_until)}" if embargoed_until else ""
        return Badge(state, f"Published · version {version}", detail)
    if state == State.PAUSED:
        return Badge(state, "Paused — withheld from partners")
    return Badge(state, State(state).label)


def with_publication(disputes: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """
    The disputes with what their badge needs, in the same query: their
    publication's state (a draft has no publication row), the version
    partners have, and the embargo a pending revision waits for.
    """
    return disputes.annotate(
        pub_state=Coalesce(F("publication__state"), Value(State.DRAFT)),
        pub_version=F("publication__released__number"),
        pub_embargo=pending_embargo(publication__dispute=OuterRef("pk")),
    )


def in_state(disputes: QuerySet[Dispute], state: str) -> QuerySet[Dispute]:
    """The disputes whose publication is in `state` (a draft may have no publication row)."""
    if state == State.DRAFT:
        return disputes.filter(Q(publication__isnull=True) | Q(publication__state=State.DRAFT))
    return disputes.filter(publication__state=state)


def badge_of(dispute: Dispute) -> Badge:
    """The badge of a dispute read through with_publication()."""
    return badge(
        dispute.pub_state,  # type: ignore[attr-defined]
        version=dispute.pub_version,  # type: ignore[attr-defined]
        embargoed_until=dispute.pub_embargo,  # type: ignore[attr-defined]
    )


# The dispute page's panel


@dataclass(frozen=True)
class Action:
    name: str  # a key of publishing.services.TRANSITIONS
    label: str
    url_name: str
    # Opens a step of its own (what would change, a note, an embargo)
    # rather than posting at once.
    confirm: bool


ACTIONS = [
    Action("submit", "Submit for review", "dashboard:dispute_submit", confirm=False),
    Action("publish", "Publish…", "dashboard:dispute_publish", confirm=True),
    Action("republish", "Republish…", "dashboard:dispute_republish", confirm=True),
    Action("pause", "Pause", "dashboard:dispute_pause", confirm=False),
    Action("resume", "Resume", "dashboard:dispute_resume", confirm=False),
    Action("retract", "Retract…", "dashboard:dispute_retract", confirm=True),
]


def allowed(action: str, state: str) -> bool:
    """Whether the workflow allows the transition from this state (whoever asks)."""
    return state in TRANSITIONS[action].allowed_from


def actions_for(state: str, user: User) -> list[Action]:
    """The transitions the state allows and the user's role may make."""
    return [
        action
        for action in ACTIONS
        if allowed(action.name, state) and user.has_perm(TRANSITIONS[action.name].permission)
    ]


@dataclass(frozen=True)
class PublicationPanel:
    dispute: Dispute
    publication: Publication  # unsaved for a draft
    badge: Badge
    actions: list[Action]
    # When the revision waiting for its embargo is released, if one is.
    embargo: datetime | None
    # The corrections partners were given, shown to editors only (None for others).
    corrections: list[Correction] | None

    @property
    def version(self) -> int:
        """The publication's version, which each transition's form sends back."""
        return self.publication.version

    @property
    def released(self) -> Revision | None:
        return self.publication.released

    @property
    def shows_partner_view(self) -> bool:
        return self.corrections is not None


def publication_panel(dispute: Dispute, user: User) -> PublicationPanel:
    """
    The dispute page's publication panel: one query (the publication, the
    revision partners have, and the embargo of one waiting for release),
    and one more for an editor, who also sees the corrections partners were
    given.
    """
    publication = publication_of(dispute, with_pending_embargo=True)
    # A draft has no publication row yet (publication_of makes an unsaved one).
    found = publication.pk is not None
    embargo = getattr(publication, "pending_embargo", None)
    released = publication.released
    is_editor = user.has_perm(EDITOR_PERMISSION)
    return PublicationPanel(
        dispute=dispute,
        publication=publication,
        badge=badge(
            publication.state,
            version=released.number if released is not None else None,
            embargoed_until=embargo,
        ),
        actions=actions_for(publication.state, user),
        embargo=embargo,
        corrections=(corrections(publication) if found else []) if is_editor else None,
    )


# What publishing would change for partners


@dataclass(frozen=True)
class Listed:
    """A claim or a piece of evidence, in words, for the lists of what is new or gone."""

    object_id: int
    words: str


@dataclass(frozen=True)
class PartnerChanges:
    """
    What partners would see change if the dispute were (re)published now,
    with each claim and piece of evidence named by its words.
    """

    publication: Publication
    diff: PartnerDiff
    new_claims: list[Listed]
    gone_claims: list[Listed]
    new_evidence: list[Listed]
    gone_evidence: list[Listed]
    # How much a first publication shows partners.
    account_count: int
    claim_count: int
    evidence_count: int
    # What the editor confirms: the content a release would carry and the
    # version partners have. It moves with any edit to the dispute since.
    seen: str

    @property
    def first(self) -> bool:
        return self.diff.released_version is None

    @property
    def edited_evidence_count(self) -> int:
        return len(self.diff.changed_evidence)

    @property
    def anything(self) -> bool:
        return bool(self.diff)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _claim_words(claim: dict[str, Any]) -> str:
    speaker = (claim.get("speaker") or {}).get("name", "")
    words = f"“{_short(claim.get('text', ''))}”"
    return f"{words} ({speaker})" if speaker else words


def _evidence_words(evidence: dict[str, Any], claims: dict[int, dict[str, Any]]) -> str:
    source = (evidence.get("source") or {}).get("name", "A source")
    stance = evidence.get("stance", "")
    how = Stance(stance).label.lower() if stance in Stance.values else stance
    claim = claims.get(evidence.get("claim", 0))
    on = f"“{_short(claim.get('text', ''), 60)}”" if claim else "a claim"
    quote = evidence.get("quote", "")
    return f"{source} {how} {on}" + (f": “{_short(quote, 70)}”" if quote else "")


def partner_changes(dispute: Dispute) -> PartnerChanges:
    """
    What (re)publishing the dispute now would change for partners, against
    the revision they have: the seven queries of freezing the dispute, its
    publication, and the released revision's rows. What is new is named as
    it reads now, what is gone as partners were given it.
    """
    publication = publication_of(dispute)
    released = publication.released if publication.pk is not None else None
    frozen = freeze_dispute(dispute)
    rows = released_rows(released)
    diff = compare(frozen, rows, released_version=released.number if released else None)

    now: dict[str, dict[int, dict[str, Any]]] = {CLAIM: {}, CORROBORATION: {}, ACCOUNT: {}}
    for item in frozen:
        if item.object_type in now:
            now[item.object_type][item.object_id] = item.content
    given: dict[str, dict[int, dict[str, Any]]] = {CLAIM: {}, CORROBORATION: {}}
    for (object_type, object_id), row in rows.items():
        if object_type in given and object_id not in now[object_type]:
            given[object_type][object_id] = json.loads(row.data)
    claims = {**given[CLAIM], **now[CLAIM]}

    def claims_in(ids: list[int], contents: dict[int, dict[str, Any]]) -> list[Listed]:
        return [Listed(pk, _claim_words(contents[pk])) for pk in ids if pk in contents]

    def evidence_in(ids: list[int], contents: dict[int, dict[str, Any]]) -> list[Listed]:
        return [Listed(pk, _evidence_words(contents[pk], claims)) for pk in ids if pk in contents]

    return PartnerChanges(
        publication=publication,
        diff=diff,
        new_claims=claims_in(diff.new_claims, now[CLAIM]),
        gone_claims=claims_in(diff.gone_claims, given[CLAIM]),
        new_evidence=evidence_in(diff.new_evidence, now[CORROBORATION]),
        gone_evidence=evidence_in(diff.gone_evidence, given[CORROBORATION]),
        account_count=len(now[ACCOUNT]),
        claim_count=len(now[CLAIM]),
        evidence_count=len(now[CORROBORATION]),
        seen=_fingerprint(frozen, diff.released_version),
    )


def _fingerprint(frozen: list[Frozen], released_version: int | None) -> str:
    lines = sorted(f"{item.object_type}:{item.object_id}:{render(item.content)}" for item in frozen)
    return digest(f"{released_version}\n" + "\n".join(lines))[:32]
