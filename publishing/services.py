"""
Every write about publication, whichever door it comes from (admin, API,
dashboard, commands, the worker): the workflow's transitions, recording a
revision, releasing it, and the partners' feed.

The workflow of a dispute:

    draft → in review → published ⇄ paused
                            ↘        ↙
                            retracted (final)

Reporters (who may add claims) submit a draft for review; editors
(publishing.publish_dispute) publish, republish, pause, resume and retract.
A transition the state does not allow is a ValidationError saying why; one
the user may not make, PermissionDenied. A caller of None is the system
(commands, jobs), which may do what the state allows.

Each transition runs in one write_transaction: it queues on the change log's
lock, then locks the dispute's row, then its publication's, so transitions
and the worker's releases of one dispute happen one at a time; it is logged
in the change log and in the publication's history, with who and when.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import timezone

from changelog.jobs import enqueue_on_commit
from changelog.models import Change
from changelog.writes import (
    User,
    actor_or_none,
    attribute,
    check_version,
    lock,
    record_change,
    write_transaction,
)
from claims.models import Claim, Corroboration, Dispute

from .models import FeedEvent, Publication, PubStatus, Revision, RevisionObject
from .representation import (
    ACCOUNT,
    CLAIM,
    CORROBORATION,
    DISPUTE,
    SOURCE,
    Correction,
    digest,
    freeze_dispute,
    publication_fields,
    render,
    with_fields,
)
from .selectors import (
    SourceChanges,
    compare,
    corrections,
    due_revisions,
    partner_sources,
    released_rows,
)

State = Publication.State

EDITOR_PERMISSION = "publishing.publish_dispute"
REPORTER_PERMISSION = "claims.add_claim"


@dataclass(frozen=True)
class Transition:
    verb: str
    allowed_from: frozenset[str]
    to: str
    permission: str
    who: str


TRANSITIONS = {
    "submit": Transition(
        "submit for review",
        frozenset({State.DRAFT}),
        State.IN_REVIEW,
        REPORTER_PERMISSION,
        "reporters and editors",
    ),
    "publish": Transition(
        "publish", frozenset({State.IN_REVIEW}), State.PUBLISHED, EDITOR_PERMISSION, "editors"
    ),
    "republish": Transition(
        "republish", frozenset({State.PUBLISHED}), State.PUBLISHED, EDITOR_PERMISSION, "editors"
    ),
    "pause": Transition(
        "pause", frozenset({State.PUBLISHED}), State.PAUSED, EDITOR_PERMISSION, "editors"
    ),
    "resume": Transition(
        "resume", frozenset({State.PAUSED}), State.PUBLISHED, EDITOR_PERMISSION, "editors"
    ),
    "retract": Transition(
        "retract",
        frozenset({State.PUBLISHED, State.PAUSED}),
        State.RETRACTED,
        EDITOR_PERMISSION,
        "editors",
    ),
}

# What to do instead, when a transition is refused in a state.
HINTS: dict[tuple[str, str], str] = {
    ("submit", State.IN_REVIEW): "It is already in review.",
    ("publish", State.DRAFT): "Submit it for review first.",
    ("publish", State.PUBLISHED): "It is already published: republish it to release what changed.",
    ("publish", State.PAUSED): "Resume it to show partners its revision again.",
    (
        "republish",
        State.DRAFT,
    ): "It has never been published: submit it for review, then publish it.",
    ("republish", State.IN_REVIEW): "It has never been published: publish it.",
    ("republish", State.PAUSED): "Resume it first, then republish it.",
    ("pause", State.PAUSED): "It is already paused.",
    ("resume", State.PUBLISHED): "It is not paused.",
}


def _refusal(action: str, publication: Publication) -> ValidationError:
    transition = TRANSITIONS[action]
    state = State(publication.state)
    if state == State.RETRACTED:
        hint = "A retracted dispute stays retracted."
    else:
        hint = HINTS.get((action, state), "")
        if not hint:
            allowed = " or ".join(State(s).label.lower() for s in sorted(transition.allowed_from))
            hint = f"Only a dispute that is {allowed} can be {_past(action)}."
    return ValidationError(
        f"“{publication.title}” is {state.label.lower()}: it cannot be {_past(action)}. {hint}",
        code="transition_not_allowed",
    )


def _past(action: str) -> str:
    return {
        "submit": "submitted for review",
        "publish": "published",
        "republish": "republished",
        "pause": "paused",
        "resume": "resumed",
        "retract": "retracted",
    }[action]


def _allow(action: str, publication: Publication, by: User) -> None:
    """Refuse a user without the permission (PermissionDenied), then a state that does not allow it."""
    transition = TRANSITIONS[action]
    if by is not None:
        has_perm = getattr(by, "has_perm", None)
        if has_perm is None or not has_perm(transition.permission):
            raise PermissionDenied(
                f"Only {transition.who} may {transition.verb} a dispute "
                f"(permission {transition.permission})."
            )
    if publication.state not in transition.allowed_from:
        raise _refusal(action, publication)


def _lock(dispute: Dispute, expected_version: int | None) -> Publication:
    """The dispute's publication, its row locked (made, for a draft that has none yet)."""
    live = lock(Dispute, dispute.pk)
    publication = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("released")
        .filter(dispute=live)
        .first()
    )
    if publication is None:
        publication = Publication(
            dispute=live, dispute_key=live.pk, slug=live.slug, title=live.title
        )
    else:
        publication.dispute = live
    check_version(publication, expected_version)
    return publication


def _save(publication: Publication, *, by: User) -> None:
    publication.bump_version()
    attribute(publication, by)
    publication.save()


def _log(publication: Publication, summary: str, *, by: User) -> None:
    # On the dispute, where the desk looks for what happened to it (the
    # dashboard's activity links it); on the publication once it is deleted.
    subject: Dispute | Publication = publication.dispute or publication
    record_change(subject, Change.Action.UPDATED, f"dispute “{publication.title}” {summary}", by=by)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# The transitions


@write_transaction()
def submit_for_review(
    *, dispute: Dispute, by: User, expected_version: int | None = None
) -> Publication:
    publication = _lock(dispute, expected_version)
    _allow("submit", publication, by)
    publication.state = State.IN_REVIEW
    _save(publication, by=by)
    _log(publication, "submitted for review", by=by)
    return publication


@write_transaction()
def publish(
    *,
    dispute: Dispute,
    by: User,
    embargo_until: datetime | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Revision:
    """
    Publish a dispute in review: freeze a revision of it and release it to
    partners, at once or when its embargo ends.
    """
    publication = _lock(dispute, expected_version)
    _allow("publish", publication, by)
    return _publish(publication, by=by, embargo_until=embargo_until, note="", now=_now(now))


@write_transaction()
def republish(
    *,
    dispute: Dispute,
    by: User,
    note: str = "",
    embargo_until: datetime | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Revision:
    """
    Freeze a new revision of a published dispute for partners. If any
    verdict they were given reads otherwise in it, `note` must say why:
    partners show it as a correction. Until its embargo ends, partners keep
    the revision they have; republishing again before then replaces it.
    """
    publication = _lock(dispute, expected_version)
    _allow("republish", publication, by)
    return _publish(publication, by=by, embargo_until=embargo_until, note=note, now=_now(now))


@write_transaction()
def pause(
    *,
    dispute: Dispute,
    by: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Publication:
    """Withhold a published dispute from partners (its revision stays, to resume)."""
    publication = _lock(dispute, expected_version)
    _allow("pause", publication, by)
    now = _now(now)
    publication.state = State.PAUSED
    _drop_pending(publication, "the dispute was paused before its embargo ended")
    _save(publication, by=by)
    _show(publication, visible=False, event=FeedEvent.Event.WITHHELD, note=note.strip(), now=now)
    _log(publication, "paused: withheld from partners", by=by)
    return publication


@write_transaction()
def resume(
    *, dispute: Dispute, by: User, expected_version: int | None = None, now: datetime | None = None
) -> Publication:
    """Show partners a paused dispute's released revision again."""
    publication = _lock(dispute, expected_version)
    _allow("resume", publication, by)
    publication.state = State.PUBLISHED
    _save(publication, by=by)
    _show(publication, visible=True, event=FeedEvent.Event.PUBLISHED, note="", now=_now(now))
    _log(publication, "resumed: usable by partners again", by=by)
    return publication


@write_transaction()
def retract(
    *,
    by: User,
    note: str,
    dispute: Dispute | None = None,
    publication: Publication | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Publication:
    """
    Retract a published or paused dispute for good: partners are told it is
    canceled, with `note`, and see none of its content. A dispute deleted
    from the desk is retracted through its publication.
    """
    if dispute is not None:
        publication = _lock(dispute, expected_version)
    elif publication is not None:
        publication = lock(Publication, publication.pk)
        check_version(publication, expected_version)
    else:
        raise TypeError("retract() needs a dispute or a publication.")
    _allow("retract", publication, by)
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say why it is retracted: partners show this note."})
    now = _now(now)
    was_visible = publication.visible_to_partners
    publication.state = State.RETRACTED
    publication.retracted_at = now
    publication.retraction_note = note
    _drop_pending(publication, "the dispute was retracted before its embargo ended")
    _save(publication, by=by)
    if publication.released_id is not None:
        if was_visible:
            _show(publication, visible=False, event=FeedEvent.Event.CANCELED, note=note, now=now)
        else:
            _feed([_dispute_event(publication, FeedEvent.Event.CANCELED, note=note, now=now)])
    _log(publication, f"retracted: {note}", by=by)
    return publication


# Recording a revision


def _check_embargo(embargo_until: datetime | None, now: datetime) -> datetime | None:
    if embargo_until is None:
        return None
    if timezone.is_naive(embargo_until):
        raise ValidationError(
            {"embargo_until": "Give the embargo's time zone (e.g. 2026-03-01T09:00:00Z)."}
        )
    if embargo_until <= now:
        raise ValidationError(
            {
                "embargo_until": f"{embargo_until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC is not "
                "in the future: an embargo must end later than now."
            }
        )
    return embargo_until


def _drop_pending(publication: Publication, because: str) -> None:
    if publication.pk is not None:
        publication.revisions.filter(state=Revision.State.PENDING).update(
            state=Revision.State.DROPPED, dropped_because=because
        )


def _publish(
    publication: Publication,
    *,
    by: User,
    embargo_until: datetime | None,
    note: str,
    now: datetime,
    feed_sources: bool = True,
) -> Revision:
    embargo = _check_embargo(embargo_until, now)
    dispute = publication.dispute
    if dispute is None:
        raise ValidationError(
            f"“{publication.title}” was deleted from the desk: it can only be retracted."
        )
    note = note.strip()
    frozen = freeze_dispute(dispute)
    released = publication.released
    before = released_rows(released)
    if released is not None:
        diff = compare(frozen, before, released_version=released.number)
        if diff.needs_correction and not note:
            raise ValidationError(
                {
                    "note": "Partners were given other verdicts than this revision's ("
                    f"{diff.describe_verdict_moves()}): say what was corrected, partners "
                    "show the note to their readers."
                }
            )
    elif note:
        raise ValidationError(
            {"note": "Partners have seen nothing of this dispute yet: there is nothing to correct."}
        )

    # Only a publication in review or published gets here: its row exists.
    publication.state = State.PUBLISHED
    publication.slug, publication.title = dispute.slug, dispute.title
    _drop_pending(publication, "superseded by a later revision before its embargo ended")
    revision = Revision.objects.create(
        publication=publication,
        created_at=now,
        created_by=actor_or_none(by),
        embargoed_until=embargo,
        correction_note=note,
    )
    rows = [
        RevisionObject(
            revision=revision,
            object_type=item.object_type,
            object_id=item.object_id,
            content=(content := render(item.content)),
            digest=digest(content),
            detail=render(item.detail) if item.detail else "",
            **item.columns,
        )
        for item in frozen
    ]
    if embargo is None:
        _release(
            publication,
            revision,
            rows,
            previous_rows=before,
            now=now,
            saved=False,
            feed_sources=feed_sources,
        )
        _save(publication, by=by)
        _log(publication, f"published: revision {revision.number} released", by=by)
    else:
        _insert(RevisionObject, rows)
        _schedule_release(embargo)
        _save(publication, by=by)
        _log(
            publication,
            f"published under embargo until {embargo.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            by=by,
        )
    return revision


def _schedule_release(at: datetime) -> None:
    # Imported here: the job calls back into this module.
    from .tasks import release_embargoed_revisions

    enqueue_on_commit(release_embargoed_revisions, run_after=at)


# Releasing a revision


@write_transaction()
def release(*, revision: Revision, now: datetime | None = None) -> bool:
    """
    Release a pending revision whose embargo has ended: partners read it
    from now on. Idempotent: a revision already released, dropped, or not
    yet due is left alone, and False returned; two workers releasing the
    same revision at once release it once.
    """
    now = _now(now)
    publication_id = (
        Revision.objects.filter(pk=revision.pk).values_list("publication_id", flat=True).first()
    )
    if publication_id is None:
        return False
    publication = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("released", "dispute")
        .get(pk=publication_id)
    )
    pending = Revision.objects.get(pk=revision.pk)
    due = pending.embargoed_until is None or pending.embargoed_until <= now
    if pending.state != Revision.State.PENDING or not due or publication.state != State.PUBLISHED:
        return False
    rows = list(pending.rows.all())
    if not _release(
        publication,
        pending,
        rows,
        previous_rows=released_rows(publication.released),
        now=now,
        saved=True,
    ):
        return False
    _save(publication, by=None)
    _log(publication, f"revision {pending.number} released: its embargo ended", by=None)
    revision.state, revision.number, revision.released_at = (
        pending.state,
        pending.number,
        pending.released_at,
    )
    return True


def release_embargoed(*, now: datetime | None = None) -> list[Revision]:
    """
    Release every revision whose embargo has ended, the earliest first, each
    in its own transaction: what the scheduled job does, and the sweep that
    catches up after the worker was down.
    """
    now = _now(now)
    return [revision for revision in due_revisions(now) if release(revision=revision, now=now)]


@write_transaction()
def publish_many(
    *, disputes: Iterable[Dispute], by: User, now: datetime | None = None
) -> list[Revision]:
    """
    Submit and publish many disputes still in the workflow's first steps,
    at once and in one transaction: what loading a whole desk does (make
    bench's generated newsroom). Each dispute gets what submit_for_review()
    and publish() would give it (its revision, rows, change-log entries,
    history, feed events), with one difference that makes it minutes
    faster: the sources' feed events, which publish() works out for each
    dispute by comparing every source it cites as partners see it across
    all the others, are worked out once, before and after, and follow the
    disputes' events. A dispute past review is refused, as publish() would.
    """
    now = _now(now)
    disputes = list(disputes)
    # The sources their revisions will hold (freeze_dispute: the claims'
    # speakers and the evidence's sources), as partners see them now.
    cited_now = set(
        Claim.objects.filter(account__dispute__in=disputes).values_list("speaker_id", flat=True)
    ) | set(
        Corroboration.objects.filter(claim__account__dispute__in=disputes).values_list(
            "source_id", flat=True
        )
    )
    sources_before = partner_sources(cited_now)
    revisions: list[Revision] = []
    publications: dict[int, Publication] = {}
    for dispute in disputes:
        publication = _lock(dispute, None)
        if publication.state == State.DRAFT:
            _allow("submit", publication, by)
            publication.state = State.IN_REVIEW
            _save(publication, by=by)
            _log(publication, "submitted for review", by=by)
        _allow("publish", publication, by)
        revision = _publish(
            publication, by=by, embargo_until=None, note="", now=now, feed_sources=False
        )
        revisions.append(revision)
        publications[revision.pk] = publication
    # Each source's event goes with the first of these disputes to cite it.
    cited = (
        RevisionObject.objects.filter(revision__in=revisions, object_type=SOURCE)
        .order_by("revision_id")
        .values_list("object_id", "revision_id")
    )
    first_citing: dict[int, Publication] = {}
    for source_id, revision_id in cited:
        first_citing.setdefault(source_id, publications[revision_id])
    sources_after = partner_sources(set(first_citing) | set(sources_before))
    events = []
    for pk, action in _source_changes(sources_before, sources_after):
        if pk not in first_citing:
            continue  # only these disputes' sources can read otherwise
        publication = first_citing[pk]
        events.append(
            FeedEvent(
                at=now,
                action=action,
                object_type=SOURCE,
                object_id=pk,
                dispute_key=publication.dispute_key,
                version=publication.released.number if publication.released else None,
                summary=f"source {pk} {action} with “{publication.title}”"[:300],
            )
        )
    _feed(events)
    return revisions


def _release(
    publication: Publication,
    revision: Revision,
    rows: list[RevisionObject],
    *,
    previous_rows: dict[tuple[str, int], RevisionObject],
    now: datetime,
    saved: bool,
    feed_sources: bool = True,
) -> bool:
    """
    Make `revision` the one partners read: number it, write each row's
    partner JSON with its publication fields, show its rows instead of the
    previous revision's, and write what changed for partners to the feed.
    The caller holds the publication's row lock, and saves it afterwards.
    Without `feed_sources`, the sources' events are left to the caller
    (publish_many(), which works them out once for many disputes).
    """
    previous = publication.released
    number = (previous.number or 0) + 1 if previous is not None else 1
    # The conditional UPDATE is what makes a release happen once, whoever
    # else (another worker, the sweep) got here with the same revision.
    won = Revision.objects.filter(pk=revision.pk, state=Revision.State.PENDING).update(
        state=Revision.State.RELEASED, number=number, released_at=now
    )
    if not won:
        return False
    revision.state, revision.number, revision.released_at = Revision.State.RELEASED, number, now

    first_published_at = publication.first_published_at or now
    note = revision.correction_note
    correction = Correction(at=now, note=note) if note else None
    # This revision's own correction among them: it was released just above.
    given = [item.as_dict() for item in corrections(publication)]
    sources = SourceChanges(previous_rows, rows, replaced=previous) if feed_sources else None

    for row in rows:
        _finish(
            row,
            previous_rows.get((row.object_type, row.object_id)),
            revision=revision,
            first_published_at=first_published_at,
            correction=correction,
            dispute_corrections=given,
            now=now,
        )
        row.visible = True
    if saved:
        _write_finished(rows)
    else:
        _insert(RevisionObject, rows)
    if previous is not None:
        RevisionObject.objects.filter(revision=previous).update(visible=False)
    publication.released = revision
    publication.first_published_at = first_published_at

    event = FeedEvent.Event.CORRECTED if note else FeedEvent.Event.PUBLISHED
    events = [_dispute_event(publication, event, note=note, now=now, first=previous is None)]
    events += _object_events(
        publication,
        rows_before=previous_rows,
        rows_after=rows,
        source_changes=sources.changes() if sources is not None else [],
        now=now,
    )
    _feed(events)
    return True


def _finish(
    row: RevisionObject,
    before: RevisionObject | None,
    *,
    revision: Revision,
    first_published_at: datetime,
    correction: Correction | None,
    dispute_corrections: list[dict[str, Any]],
    now: datetime,
) -> None:
    """
    Write a row's partner JSON. An object unchanged since the revision
    partners had keeps the JSON it had (its version is the revision in which
    it last changed); a changed one gets this revision's publication fields,
    and, if its verdict moved, this revision's correction as well.
    """
    assert revision.number is not None
    if row.object_type != DISPUTE and before is not None and before.digest == row.digest:
        row.data, row.version, row.changed_at = before.data, before.version, before.changed_at
        return
    given: list[dict[str, Any]] = []
    first = first_published_at if row.object_type == DISPUTE else now
    if row.object_type == DISPUTE:
        given = dispute_corrections
    elif before is not None:
        earlier = json.loads(before.data)
        first = datetime.fromisoformat(earlier["first_published_at"])
        given = list(earlier.get("corrections", []))
        if correction is not None and before.verdict != row.verdict:
            given.append(correction.as_dict())
    fields = publication_fields(
        object_type=row.object_type,
        pub_status=PubStatus.USABLE,
        version=revision.number,
        first_published_at=first,
        version_created_at=revision.created_at,
        embargoed_until=revision.embargoed_until,
        corrections=given,
    )
    row.data = with_fields(row.content, fields)
    row.version, row.changed_at = revision.number, now


def _write_finished(rows: list[RevisionObject]) -> None:
    """Write the rows' partner JSON: one prepared UPDATE run per row (see claims.services._update_scores)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(RevisionObject._meta.db_table)} SET data = %s, version = %s, "
        "changed_at = %s, visible = %s WHERE id = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(r.data, r.version, adapt(r.changed_at), r.visible, r.pk) for r in rows]
        )


# Showing and hiding a released revision (pause, resume, retract)


def _show(publication: Publication, *, visible: bool, event: str, note: str, now: datetime) -> None:
    """Show partners the released revision's rows, or hide them, and tell the feed."""
    revision = publication.released
    if revision is None:
        # Nothing was ever released (an embargo had not ended): partners
        # know nothing of this dispute, and are told nothing.
        return
    rows = list(
        RevisionObject.objects.filter(revision=revision).only("id", "object_type", "object_id")
    )
    sources = {row.object_id for row in rows if row.object_type == SOURCE}
    before = partner_sources(sources)
    RevisionObject.objects.filter(revision=revision).update(visible=visible)
    shown = {(row.object_type, row.object_id): row for row in rows}
    events = [_dispute_event(publication, event, note=note, now=now)]
    events += _object_events(
        publication,
        rows_before={} if visible else shown,
        rows_after=rows if visible else [],
        source_changes=_source_changes(before, partner_sources(sources)),
        now=now,
    )
    _feed(events)


# The partners' feed

# The types the feed lists objects of, parents first: the dispute's own
# event says what happened to it; sources, which several disputes share, are
# compared as partners see them, the others row by row.
FEED_TYPES = (ACCOUNT, SOURCE, CLAIM, CORROBORATION)


def _dispute_event(
    publication: Publication, event: str, *, note: str, now: datetime, first: bool = False
) -> FeedEvent:
    released = publication.released
    version = released.number if released is not None else None
    words = {
        FeedEvent.Event.PUBLISHED: f"version {version} published",
        FeedEvent.Event.CORRECTED: f"version {version} published with a correction",
        FeedEvent.Event.WITHHELD: "withheld",
        FeedEvent.Event.CANCELED: "canceled",
    }[FeedEvent.Event(event)]
    return FeedEvent(
        at=now,
        action=Change.Action.CREATED if first else Change.Action.UPDATED,
        object_type=DISPUTE,
        object_id=publication.dispute_key,
        event=event,
        dispute_key=publication.dispute_key,
        version=version,
        note=note,
        summary=f"“{publication.title}” {words}"[:300],
    )


def _object_events(
    publication: Publication,
    *,
    rows_before: dict[tuple[str, int], RevisionObject],
    rows_after: list[RevisionObject],
    source_changes: list[tuple[int, str]],
    now: datetime,
) -> list[FeedEvent]:
    """
    What partners now see otherwise: created and updated objects parents
    first, then deleted ones children first.
    """
    version = publication.released.number if publication.released is not None else None
    changes: dict[str, list[tuple[int, str]]] = {object_type: [] for object_type in FEED_TYPES}
    after = {(row.object_type, row.object_id): row for row in rows_after}
    for key in sorted(set(rows_before) | set(after)):
        if key[0] not in changes or key[0] == SOURCE:
            continue
        earlier, now_row = rows_before.get(key), after.get(key)
        if earlier is None:
            changes[key[0]].append((key[1], Change.Action.CREATED))
        elif now_row is None:
            changes[key[0]].append((key[1], Change.Action.DELETED))
        elif earlier.digest != now_row.digest:
            changes[key[0]].append((key[1], Change.Action.UPDATED))
    changes[SOURCE] = source_changes

    def event(object_type: str, object_id: int, action: str) -> FeedEvent:
        return FeedEvent(
            at=now,
            action=action,
            object_type=object_type,
            object_id=object_id,
            dispute_key=publication.dispute_key,
            version=version,
            summary=f"{object_type} {object_id} {action} with “{publication.title}”"[:300],
        )

    upserts = [
        event(object_type, pk, action)
        for object_type in FEED_TYPES
        for pk, action in changes[object_type]
        if action != Change.Action.DELETED
    ]
    deletions = [
        event(object_type, pk, action)
        for object_type in reversed(FEED_TYPES)
        for pk, action in changes[object_type]
        if action == Change.Action.DELETED
    ]
    return upserts + deletions


def _source_changes(
    before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]
) -> list[tuple[int, str]]:
    """The sources partners now see otherwise (created, deleted, updated), by id."""
    changes: list[tuple[int, str]] = []
    for pk in sorted(set(before) | set(after)):
        if pk not in before:
            changes.append((pk, Change.Action.CREATED))
        elif pk not in after:
            changes.append((pk, Change.Action.DELETED))
        elif render(before[pk]) != render(after[pk]):
            changes.append((pk, Change.Action.UPDATED))
    return changes


def _feed(events: list[FeedEvent]) -> None:
    _insert(FeedEvent, events)
    if any(event.event for event in events):
        # Imported here: only this function of the module sends it.
        from .signals import dispute_events_written

        # Wakes webhooks' dispatcher when this commits; the feed is its outbox.
        dispute_events_written.send(sender=FeedEvent)


def _insert(model: type[models.Model], objects: list[Any]) -> None:
    """
    INSERT the rows with one prepared statement run per row, in one query.
    bulk_create() builds its SQL value by value, which took three quarters
    of publishing a dispute of 50 claims (400 rows, 9,000 values); and on
    SQLite it splits the rows in INSERTs of 999 values.
    """
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields if f.column]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    datetimes = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [adapt(getattr(obj, n)) if n in datetimes else getattr(obj, n) for n in names]
                for obj in objects
            ],
        )
