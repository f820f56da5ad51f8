"""Reads that more than one dashboard page makes: counts, score histories, pages, source names."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from claims.models import ScoreSnapshot
from sources.models import Source, normalise_name

# A sparkline shows the latest moves; older ones are in the activity log.
HISTORY_POINTS = 40
# How many sources a source picker offers for what the user typed.
SOURCE_OPTIONS = 20

Row = TypeVar("Row")


def count_of(rows: QuerySet[Any], outer: str) -> Coalesce:
    """
    How many `rows` belong to the outer row (`outer` names the column that
    points at it): a correlated subquery per count, rather than Count() over
    joins that would multiply each other's rows.
    """
    counted = (
        rows.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def with_rows(page: Page[Any], rows: list[Row]) -> Page[Row]:
    """
    The page with its rows replaced by what the page shows of them, read for
    the page's rows only once the paginator has cut them out.
    """
    return Page(rows, page.number, page.paginator)


def history_start(**owner: OuterRef) -> Subquery:
    """
    The id of the owner's HISTORY_POINTS-th newest score snapshot (NULL when
    it has fewer): where its sparkline starts. An owner's snapshots are
    written under its lock, so id order is time order, and reading them
    newest first is a short walk back from the end of the (owner, id)
    index: a long history costs no more than a short one.
    """
    newest = ScoreSnapshot.objects.filter(**owner).order_by("-id").values("id")
    return Subquery(newest[HISTORY_POINTS - 1 : HISTORY_POINTS])


def score_histories(
    *,
    accounts: Mapping[int, int | None] | None = None,
    claims: Mapping[int, int | None] | None = None,
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """
    The scores of each account and claim since its history start (see
    history_start; None for all of a short history), oldest first, in one
    query of one bounded index range per object.
    """
    # One "owner = ? AND id >= ?" range per object, OR'd: each is a seek into
    # the snapshots' (owner, id) index. Written as SQL because the ORM spends
    # ten times longer building fifty such lookups than the database spends
    # running them.
    ranges: list[str] = []
    params: list[int] = []
    for column, starts in (("account_id", accounts or {}), ("claim_id", claims or {})):
        for owner_id, start in starts.items():
            ranges.append(f"({column} = %s AND id >= %s)")
            params += [owner_id, start or 0]
    account_scores: dict[int, list[float]] = defaultdict(list)
    claim_scores: dict[int, list[float]] = defaultdict(list)
    if not ranges:
        return account_scores, claim_scores
    in_ranges = RawSQL(" OR ".join(ranges), params, output_field=BooleanField())
    rows = (
        ScoreSnapshot.objects.filter(in_ranges)
        .order_by("id")
        .values_list("account_id", "claim_id", "score")
    )
    for account_id, claim_id, score in rows:
        if account_id is not None:
            account_scores[account_id].append(score)
        else:
            claim_scores[claim_id].append(score)
    return account_scores, claim_scores


def source_options(text: str) -> QuerySet[Source]:
    """
    A few sources whose name holds every word the user has typed, those
    that start with the first word first; none before they type. Names
    compare as a source's name_key does (normalise_name: case, spacing and
    accents ignored), and words also split at hyphens and other punctuation,
    so "Rì  Yong-ho" finds "Ri Yong Ho". They fill the source pickers: the
    evidence form's source, a claim's speaker, a source's origin, a merge.
    """
    words = typed_words(text[:200])
    if not words:
        return Source.objects.none()
    # Plain LIKEs on the stored key: the typed text is normalised once, here,
    # rather than every name in SQL (UPPER(name), unaccent …) for each search.
    matching = Source.objects.all()
    for word in words:
        matching = matching.filter(name_key__contains=word)
    starts = Case(When(name_key__startswith=words[0], then=Value(0)), default=Value(1))
    return matching.select_related("affiliation").order_by(starts, "name", "id")[:SOURCE_OPTIONS]


def typed_words(text: str) -> list[str]:
    """
    The words of what was typed, normalised as source names are: split at
    spaces and punctuation ("yong-ho" is "yong" and "ho"), or, for text of
    punctuation only, that text as one word.
    """
    key = normalise_name(text)
    return [word for word in re.split(r"[\W_]+", key) if word] or ([key] if key else [])
