"""
Claims as the API lists them, rendered to JSON once and kept in the cache.

The claims list is what partners poll all day, and building a claim's
representation (its evidence with each source, a few dozen values each) costs
far more than reading it. So each claim's JSON is kept in the cache under a key
that names everything it was built from; a write never has to find and delete
entries, it makes new keys, and the old entries expire unread:

- the claim's id, version and updated_at: the version moves on every edit of
  the claim, every score change and every change to its evidence
  (services.rescore_after_evidence_change); updated_at tells apart a claim
  that reuses an id and a version after the database was rebuilt;
- the reference epoch: the newest change-log id among disputes, parties and
  sources, whose names, slugs and grades the representation repeats. Editing
  any of them retires every cached claim at once: such edits are rare next to
  evidence, and finding exactly the claims a source's affiliation reaches
  would cost more than rebuilding them on demand. Change ids commit in order
  (sources.services), so an epoch never covers a write still in flight;
- FORMAT, which a deploy that changes the representation's shape must bump
  (tests/claims/test_claim_cache.py fails until it does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection

from config.api_views import SplicingJSONRenderer
from sources.models import Change

from .models import Claim
from .serializers import CLAIM_COLUMNS, claim_representations

FORMAT = 1
# Long enough to serve a day of polling; unused entries age out on their own.
TIMEOUT = 24 * 3600
# What the representation repeats of other objects (see the module docstring).
REFERENCED_TYPES = ("dispute", "party", "source")


class ClaimStamp(NamedTuple):
    """What a claim's cached representation is keyed by, besides the epoch."""

    id: int
    version: int
    updated_at: datetime


STAMP_COLUMNS = ("pk", "version", "updated_at")


def reference_epoch() -> int:
    """The newest change-log id among the objects claims repeat (one index step each)."""
    table = connection.ops.quote_name(Change._meta.db_table)
    newest = "(SELECT id FROM {table} WHERE object_type = %s ORDER BY id DESC LIMIT 1)"
    sql = "SELECT " + ", ".join(newest.format(table=table) for _ in REFERENCED_TYPES)
    with connection.cursor() as cursor:
        cursor.execute(sql, REFERENCED_TYPES)
        return max((value or 0 for value in cursor.fetchone()), default=0)


def cache_key(stamp: ClaimStamp, epoch: int) -> str:
    return f"claim-json:{FORMAT}:{stamp.id}:{stamp.version}:{stamp.updated_at.timestamp()}:{epoch}"


def rendered_claims(stamps: Sequence[ClaimStamp]) -> list[bytes]:
    """
    The JSON of each claim, in order: from the cache where it holds the claim
    as it is now, built from the database (in two queries) for the rest.
    """
    epoch = reference_epoch()
    keys = [cache_key(stamp, epoch) for stamp in stamps]
    found = cache.get_many(keys)
    missing = [stamp.id for stamp, key in zip(stamps, keys) if key not in found]
    if missing:
        rows = Claim.objects.filter(pk__in=missing).values(*CLAIM_COLUMNS)
        built = {item["id"]: SplicingJSONRenderer.render_item(item) for item in claim_representations(rows)}
        fresh = {
            key: built[stamp.id]
            for stamp, key in zip(stamps, keys)
            if stamp.id in built and key not in found
        }
        cache.set_many(fresh, timeout=TIMEOUT)
        found.update(fresh)
    # A claim deleted since its stamp was read is left out, as if the page
    # had been read a moment later.
    return [found[key] for key in keys if key in found]
