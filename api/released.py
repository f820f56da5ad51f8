"""
What partners read: only what editors released (DESIGN.md §4 and §8).

A partner key reads the released revisions of usable disputes
(publishing.selectors), served as the JSON stored at release, never the
live desk. Staff (tokens, sessions) read the live desk, and may ask for
exactly what a partner sees with `?view=partner` (docs/api.md).

Here: who reads which; the partners' filters, parsed as strictly as the
desk's (the same parameters, the same 400s) but applied to the columns a
revision froze with each object; their orderings; and the pages of stored
JSON, written out without being decoded.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from claims.models import Dispute, Stance, Verdict
from publishing.models import RevisionObject
from publishing.representation import ACCOUNT, DISPUTE, SOURCE
from publishing.selectors import partner_detail, partner_object, visible
from sources.models import Reliability, SourceKind

from .auth import is_partner
from .conditional import feed_head
from .filters import OrderingFilter, UTCDateTimeField, refuse_empty_parameters
from .renderers import RenderedItems, RenderedJSON

VIEW = "view"
DESK, PARTNER = "desk", "partner"

VIEW_PARAMETER = OpenApiParameter(
    VIEW,
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=[PARTNER, DESK],
    description="`partner`: what partner keys read, the released revisions only (staff may ask "
    "for it to check what partners see); `desk`: the live desk, what staff read by default. "
    "Partner keys always read `partner`.",
)


def reads_released(request: Request) -> bool:
    """Does this request read the released revisions (a partner, or staff asking for its view)?"""
    view = request.query_params.get(VIEW)
    if view is not None:
        refuse_empty_parameters(request, [VIEW])
        if view not in (DESK, PARTNER):
            raise exceptions.ValidationError(
                {
                    VIEW: [
                        f"Unknown view {view!r}: `{PARTNER}` (what partner keys read) or "
                        f"`{DESK}` (the live desk, for staff)."
                    ]
                }
            )
    if is_partner(request):
        if view == DESK:
            raise exceptions.PermissionDenied(
                "Partner keys read only what editors released: `view=desk` is for staff."
            )
        return True
    return view == PARTNER


# The partners' filters


class ReleasedQuery(forms.Form):
    """
    A list's query parameters for partners. Each subclass names the same
    parameters as the desk's filter of that list, so one schema documents
    both; the values are checked against what partners can see (a dispute
    slug must be a released dispute's), so that a 400 never tells a partner
    that something unreleased exists.
    """

    def __init__(self, request: Request) -> None:
        names = [name for name in self.base_fields if name in request.query_params]
        refuse_empty_parameters(request, names)
        super().__init__({name: request.query_params[name] for name in names})
        self.sent = names

    def values(self) -> dict[str, Any]:
        """The parameters sent, parsed; a 400 naming each one that is not valid."""
        if not self.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in messages] for name, messages in self.errors.items()}
            )
        return {name: self.cleaned_data[name] for name in self.sent}


class SlugField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=100, **kwargs)


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=1, **kwargs)


class ScoreField(forms.FloatField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=0, max_value=1, **kwargs)


def choice(choices: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, required=False)


def exists(object_type: str, **columns: Any) -> bool:
    return visible(object_type).filter(**columns).exists()


def refuse(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def check_released_dispute(slug: str, name: str = "dispute") -> None:
    if not exists(DISPUTE, dispute_slug=slug):
        raise refuse(name, f"No released dispute has the slug {slug!r}.")


def check_released_party(slug: str, name: str = "party") -> None:
    # A party partners can see is one a released account or source names.
    if not (exists(ACCOUNT, party_slug=slug) or exists(SOURCE, party_slug=slug)):
        raise refuse(name, f"No released account or source names the party {slug!r}.")


def check_released_object(object_type: str, object_id: int, name: str) -> None:
    if not exists(object_type, object_id=object_id):
        raise refuse(name, f"No released {object_type} has the id {object_id}.")


class ClaimQuery(ReleasedQuery):
    dispute = SlugField()
    party = SlugField()
    account = IdField()
    speaker = IdField()
    verdict = choice(Verdict.choices)
    min_score = ScoreField()
    max_score = ScoreField()
    updated_since = UTCDateTimeField(required=False)
    search = forms.CharField(required=False)


class AccountQuery(ReleasedQuery):
    dispute = SlugField()
    party = SlugField()
    verdict = choice(Verdict.choices)


class CorroborationQuery(ReleasedQuery):
    claim = IdField()
    source = IdField()
    dispute = SlugField()
    stance = choice(Stance.choices)


class SourceQuery(ReleasedQuery):
    party = SlugField()
    reliability = choice(Reliability.choices)
    kind = choice(SourceKind.choices)
    search = forms.CharField(required=False)


class DisputeQuery(ReleasedQuery):
    status = choice(Dispute.Status.choices)
    search = forms.CharField(required=False)


def common_filters(
    rows: QuerySet[RevisionObject], values: dict[str, Any]
) -> QuerySet[RevisionObject]:
    """The filters several lists share, on the released columns (the sources' party aside)."""
    if "dispute" in values:
        check_released_dispute(values["dispute"])
        rows = rows.filter(dispute_slug=values["dispute"])
    if "party" in values:
        check_released_party(values["party"])
        rows = rows.filter(party_slug=values["party"])
    if "verdict" in values:
        rows = rows.filter(verdict=values["verdict"])
    if values.get("search", "").strip():
        # For now a plain search of the released JSON, fields and values
        # alike (DESIGN.md §9 asks for the desk's text index; partners'
        # search will read it once it exists).
        rows = rows.filter(content__icontains=values["search"].strip())
    return rows


def own_text_field(name: str, value: str) -> dict[str, str]:
    """
    A filter on one of an object's own top-level JSON fields, a text: in
    the compact JSON partners read, `"name":"value",` with its quotes
    unescaped can only be that field (a quote inside a text is escaped).
    """
    return {"content__contains": f'"{name}":"{value}",'}


# Orderings


def ordering_terms(request: Request, view: Any) -> list[str]:
    """The terms of `ordering` (checked as for the desk), id breaking ties; id order by default."""
    if OrderingFilter.ordering_param not in request.query_params:
        return ["id"]
    return OrderingFilter().get_ordering(request, RevisionObject.objects.none(), view)


def order_by_columns(
    rows: QuerySet[RevisionObject], terms: Sequence[str], columns: dict[str, str]
) -> QuerySet[RevisionObject]:
    """Order released rows by the columns the terms name (`id` is the object's id)."""
    columns = {"id": "object_id", **columns}
    return rows.order_by(
        *(("-" if term.startswith("-") else "") + columns[term.lstrip("-")] for term in terms)
    )


def sort_items(items: list[dict[str, Any]], terms: Sequence[str]) -> list[dict[str, Any]]:
    """Sort decoded objects by the terms, in Python: for the fields no column holds."""
    for term in reversed(terms):
        name = term.lstrip("-")
        items.sort(key=lambda item: _sort_key(name, item[name]), reverse=term.startswith("-"))
    return items


def _sort_key(name: str, value: Any) -> tuple[bool, Any]:
    if value is None:
        return (False, "")  # nulls first, as SQLite orders them
    if name.endswith("_at"):
        # Times as times: their texts have microseconds only when not 0.
        return (True, datetime.fromisoformat(value))
    return (True, value)


# Stored JSON, as it is


def released_detail(object_type: str, pk: str) -> RenderedJSON:
    """One object as partners read it, or 404."""
    row = partner_object(object_type, int(pk))
    if row is None:
        raise exceptions.NotFound()
    return RenderedJSON(partner_detail(row).encode())


def rendered_page(view: Any, texts: QuerySet[Any] | Sequence[str]) -> Response:
    """A page of stored JSON texts, in the list envelope, spliced without decoding."""
    page = view.paginate_queryset(texts)
    assert page is not None  # every list is paginated (DEFAULT_PAGINATION_CLASS)
    return view.get_paginated_response(RenderedItems(text.encode() for text in page))


def rendered_page_by_id(view: Any, rows: QuerySet[RevisionObject], object_type: str) -> Response:
    """
    A page of visible rows of one type, each object once (claims: one
    dispute's each), found by their ids alone, then their stored JSON read
    for that page only. The ids, in order, come from released_ids().
    """
    page = view.paginate_queryset(released_ids(view.request, rows))
    assert page is not None  # every list is paginated (DEFAULT_PAGINATION_CLASS)
    ids = list(page)
    texts = visible(object_type).filter(object_id__in=ids).values_list("object_id", "data")
    return view.get_paginated_response(
        RenderedItems(text.encode() for text in in_order(texts, ids))
    )


# How long a list's ids stay cached once the feed has moved on (a partner
# still paging through what it started reading keeps its pages).
IDS_TIMEOUT = 600


def released_ids(request: Request, rows: QuerySet[RevisionObject]) -> Sequence[int]:
    """
    The object ids of a partners' list, in its order: read once for the
    feed's head and kept in the cache, since nothing a partner can see
    changes until the feed moves (every release, pause, resume and
    retraction writes to it). A partner syncing page after page then pays
    for the page's own rows only: counting 20,000 rows again for each page,
    and skipping to a deep page's OFFSET, were most of a page's time.
    The head is read before the ids, so an entry is never older than its key.
    """
    head = feed_head(request)
    ids_query = rows.values_list("object_id", flat=True)
    sql, params = ids_query.query.sql_with_params()
    query_key = hashlib.blake2b(repr((sql, params)).encode(), digest_size=16).hexdigest()
    key = f"released-ids:{head.id}:{query_key}"
    ids = array("q")
    cached = cache.get(key)
    if isinstance(cached, bytes):
        ids.frombytes(cached)
        return ids
    ids.extend(ids_query)
    # Eight bytes an id: 160 KB for the 20,000 claims of the demo desk.
    cache.set(key, ids.tobytes(), IDS_TIMEOUT)
    return ids


def page_of(view: Any, items: Sequence[Any] | QuerySet[Any, Any]) -> list[Any]:
    page = view.paginate_queryset(items)
    assert page is not None
    return list(page)


def in_order(texts: Iterable[tuple[int, str]], ids: Sequence[int]) -> list[str]:
    by_id = dict(texts)
    return [by_id[pk] for pk in ids if pk in by_id]
