"""
The activity page's reads: the change log a page at a time, by cursor,
optionally one kind of change, each change with a label and a link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from changelog.models import Change, ChangeQuerySet
from claims.models import Account, Claim, Corroboration, Dispute
from sources.models import Party, Source

from .plain_words import (
    cited_claims,
    claims_named_in,
    deleted_claim_names,
    live_claim_names,
    name_claims,
)

CHANGES_PER_PAGE = 50


@dataclass(frozen=True)
class ActivityKind:
    label: str
    object_types: tuple[str, ...]
    # Which of those types' changes: score moves, people's edits, or all.
    narrow: Callable[[ChangeQuerySet], ChangeQuerySet]


ACTIVITY_KINDS: dict[str, ActivityKind] = {
    "claims": ActivityKind("Claims", ("claim",), ChangeQuerySet.edits),
    "evidence": ActivityKind("Evidence", ("corroboration",), ChangeQuerySet.all),
    "sources": ActivityKind("Sources and parties", ("source", "party"), ChangeQuerySet.all),
    "scores": ActivityKind("Score moves", ("claim", "account"), ChangeQuerySet.score_moves),
    "disputes": ActivityKind("Disputes and accounts", ("dispute", "account"), ChangeQuerySet.edits),
}


def activity(
    kind: str = "", *, limit: int, before: int | None = None, after: int | None = None
) -> list[Change]:
    """
    Up to `limit` changes of a kind (all kinds for ""), newest first: the
    latest, or the ones just before the change id `before`, or just after
    `after`. A cursor rather than a page number, so that no page counts the
    whole log or skips over the rows above it: each is one index seek.
    """
    newest_first = after is None

    def near_cursor(changes: QuerySet[Change]) -> QuerySet[Change]:
        if before is not None:
            changes = changes.filter(id__lt=before)
        if after is not None:
            changes = changes.filter(id__gt=after)
        return changes.order_by("-id" if newest_first else "id")[:limit]

    changes = Change.objects.all()
    if kind in ACTIVITY_KINDS:
        chosen = ACTIVITY_KINDS[kind]
        # One cut index range per object type: an IN over two types would
        # have the database sort every change of both before the first row.
        in_ranges = Q()
        for object_type in chosen.object_types:
            of_type = chosen.narrow(Change.objects.filter(object_type=object_type))
            in_ranges |= Q(id__in=near_cursor(of_type).values("id"))
        changes = changes.filter(in_ranges)
    rows = list(near_cursor(changes.select_related("actor")))
    return rows if newest_first else rows[::-1]


@dataclass(frozen=True)
class ChangesPage:
    """
    A page of the log, newest first, with the cursors of the pages beside
    it: `newer` for ?after=, `older` for ?before= (None at either end).
    """

    changes: list[Change]
    newer: int | None
    older: int | None


def changes_page(kind: str, *, before: int | None, after: int | None) -> ChangesPage:
    # One row more than a page says whether there is more in that direction.
    changes = activity(kind, limit=CHANGES_PER_PAGE + 1, before=before, after=after)
    if after is not None:
        if len(changes) <= CHANGES_PER_PAGE:
            # Back at the newest end: the latest page, full, not a short one.
            return changes_page(kind, before=None, after=None)
        # A page after a cursor has older changes below it (the log is
        # append-only, and the cursor came from them).
        changes = changes[1:]
        return ChangesPage(changes, newer=changes[0].pk, older=changes[-1].pk)
    more = len(changes) > CHANGES_PER_PAGE
    changes = changes[:CHANGES_PER_PAGE]
    return ChangesPage(
        changes,
        newer=changes[0].pk if before is not None and changes else None,
        older=changes[-1].pk if more else None,
    )


OBJECT_LABELS = {
    "claim": "Claim",
    "corroboration": "Evidence",
    "source": "Source",
    "party": "Party",
    "dispute": "Dispute",
    "account": "Account",
}


@dataclass(frozen=True)
class ActivityEntry:
    """
    A change as the page lists it: its kind's label, its summary with the
    claims it cites named by their words, the claim it changed when the
    summary does not name it, and a link to its object while it exists.
    """

    change: Change
    label: str
    url: str | None
    summary: str
    subject: str | None = None


def describe_changes(changes: Iterable[Change]) -> list[ActivityEntry]:
    """
    Each change with a label for its kind and a url to its object while
    that object still exists (None once it is deleted), and the claims it
    touches named by their words: one query per kind of object on the page
    (and one for the claims since deleted), never one per row.
    """
    changes = list(changes)
    ids: dict[str, set[int]] = {}
    for change in changes:
        ids.setdefault(change.object_type, set()).add(change.object_id)

    # The claims changed and those the summaries cite, in one read: the
    # ones still there have a page; the others are named from their history.
    cited = claims_named_in(changes)
    names = live_claim_names(cited)
    urls: dict[tuple[str, int], str] = {
        ("claim", pk): Claim(pk=pk).get_absolute_url() for pk in names
    }
    names |= deleted_claim_names(cited - set(names))
    if "corroboration" in ids:
        evidence = Corroboration.objects.filter(pk__in=ids["corroboration"])
        for pk, claim_id in evidence.values_list("pk", "claim_id"):
            urls["corroboration", pk] = Claim(pk=claim_id).get_absolute_url()
    if "source" in ids:
        for pk in Source.objects.filter(pk__in=ids["source"]).values_list("pk", flat=True):
            urls["source", pk] = Source(pk=pk).get_absolute_url()
    if "dispute" in ids:
        for pk, slug in Dispute.objects.filter(pk__in=ids["dispute"]).values_list("pk", "slug"):
            urls["dispute", pk] = Dispute(slug=slug).get_absolute_url()
    if "account" in ids:
        accounts = Account.objects.filter(pk__in=ids["account"])
        for pk, slug in accounts.values_list("pk", "dispute__slug"):
            urls["account", pk] = Dispute(slug=slug).get_absolute_url()
    if "party" in ids:
        for pk, slug in Party.objects.filter(pk__in=ids["party"]).values_list("pk", "slug"):
            urls["party", pk] = f"{reverse('dashboard:sources')}?party={slug}"

    entries = []
    for change in changes:
        label = OBJECT_LABELS.get(change.object_type, change.object_type.capitalize())
        summary = name_claims(change.summary, names)
        subject = None
        if change.object_type == "claim" and change.object_id not in cited_claims(change):
            subject = names.get(change.object_id)
        entries.append(
            ActivityEntry(
                change=change,
                label=f"{label} score" if change.is_score_move else label,
                url=urls.get((change.object_type, change.object_id)),
                summary=summary,
                subject=subject,
            )
        )
    return entries
