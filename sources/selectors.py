"""Reads about sources that the scoring needs: where each one's origin chain ends."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import Source


def origin_roots(source_ids: Iterable[int]) -> dict[int, int]:
    """
    Map each source id to the root of its origin chain: one query, however
    long the chains (a recursive query reads every source they pass through;
    UNION drops rows already read, so a loop ends it too).
    """
    source_ids = sorted(set(source_ids))
    if not source_ids:
        return {}
    table = connection.ops.quote_name(Source._meta.db_table)
    origin = connection.ops.quote_name(Source._meta.get_field("origin").column)
    placeholders = ", ".join(["%s"] * len(source_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE chain(id, origin_id) AS ("
            f" SELECT id, {origin} FROM {table} WHERE id IN ({placeholders})"
            f" UNION SELECT s.id, s.{origin} FROM {table} s JOIN chain ON s.id = chain.origin_id"
            f") SELECT id, origin_id FROM chain",
            source_ids,
        )
        parent = dict(cursor.fetchall())
    return roots_from_parents(parent, source_ids)


def roots_from_parents(
    parent: dict[int, int | None], source_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Follow each id's chain of parents to its end (a loop ends where it closes)."""
    roots: dict[int, int] = {}
    for start in parent if source_ids is None else source_ids:
        node, seen = start, set()
        while (parent_node := parent.get(node)) is not None and node not in seen:
            seen.add(node)
            node = parent_node
        roots[start] = node
    return roots
