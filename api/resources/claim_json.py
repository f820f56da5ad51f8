"""
A claim's JSON, in one place: the columns it is built from, the builders
that make it from rows (what ClaimSerializer and ClaimDetailSerializer
describe, byte for byte: tests/api/test_claims.py holds them equal), and
the cache that keeps each claim's rendering, with the rule for when an
entry is retired.

The claims list is what partners poll all day, and building a claim's
representation (its evidence with each source, a few dozen values each) costs
far more than reading it. So each claim's JSON is kept in the cache under a key
that names everything it was built from. An entry is never deleted: it is
retired when any part of its key moves, because a write makes new keys and
the old entries expire unread (TIMEOUT). The key:

- the claim's id, version and updated_at: the version moves on every edit of
  the claim, every score change and every change to its evidence
  (claims.services.rescore_after_evidence_change); updated_at tells apart a claim
  that reuses an id and a version after the database was rebuilt;
- the reference epoch: the newest change-log id among disputes, parties and
  sources (their heads, changelog.Head), whose names, slugs and grades the representation repeats. Editing
  any of them retires every cached claim at once: such edits are rare next to
  evidence, and finding exactly the claims a source's affiliation reaches
  would cost more than rebuilding them on demand. Change ids commit in order
  (changelog.writes), so an epoch never covers a write still in flight;
- FORMAT, which a deploy that changes the representation's shape must bump
  (tests/api/test_claim_json.py fails until it does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from django.core.cache import cache
from django.utils import timezone

from changelog.models import Head
from claims import scoring
from claims.models import Claim, Corroboration, ScoreSnapshot
from claims.selectors import explain_claim

from ..renderers import SplicingJSONRenderer

# Building a claim's JSON from rows

CLAIM_COLUMNS = (
    "id",
    "text",
    "account_id",
    "account__dispute__slug",
    "account__party_id",
    "account__party__slug",
    "account__party__name",
    "speaker_id",
    "speaker__name",
    "speaker__kind",
    "speaker__reliability",
    "speaker__is_anonymous",
    "speaker__affiliation_id",
    "speaker__affiliation__slug",
    "speaker__affiliation__name",
    "stated_at",
    "appearance",
    "score",
    "verdict",
    "evidence_weight",
    "version",
    "created_at",
    "updated_at",
)
EVIDENCE_COLUMNS = (
    "id",
    "claim_id",
    "stance",
    "quote",
    "url",
    "observed_at",
    "source_id",
    "source__name",
    "source__kind",
    "source__reliability",
    "source__is_anonymous",
    "source__affiliation_id",
    "source__affiliation__slug",
    "source__affiliation__name",
)


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    """A datetime as DRF's DateTimeField writes it (in `tz`, UTC with a Z)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _party(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    if row[f"{prefix}_id"] is None:
        return None
    return {
        "id": row[f"{prefix}_id"],
        "slug": row[f"{prefix}__slug"],
        "name": row[f"{prefix}__name"],
    }


def _source(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        "id": row[f"{prefix}_id"],
        "name": row[f"{prefix}__name"],
        "kind": row[f"{prefix}__kind"],
        "reliability": row[f"{prefix}__reliability"],
        "is_anonymous": row[f"{prefix}__is_anonymous"],
        "affiliation": _party(row, f"{prefix}__affiliation"),
    }


def claim_representations(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """
    ClaimSerializer's output for claim rows (.values(*CLAIM_COLUMNS)), with
    the evidence of all of them read in one more query.
    """
    rows = list(rows)
    tz = timezone.get_current_timezone()
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    items = (
        Corroboration.objects.filter(claim_id__in=[row["id"] for row in rows])
        .order_by("observed_at", "id")
        .values(*EVIDENCE_COLUMNS)
    )
    # A few sources give most of the evidence: build each one's dict once.
    sources: dict[int, dict[str, Any]] = {}
    for item in items:
        source = sources.get(item["source_id"])
        if source is None:
            source = sources[item["source_id"]] = _source(item, "source")
        evidence[item["claim_id"]].append(
            {
                "id": item["id"],
                "source": source,
                "stance": item["stance"],
                "quote": item["quote"],
                "url": item["url"],
                "observed_at": iso(item["observed_at"], tz),
            }
        )
    return [
        {
            "id": row["id"],
            "text": row["text"],
            "account": row["account_id"],
            "dispute": row["account__dispute__slug"],
            "party": _party(row, "account__party"),
            "speaker": _source(row, "speaker"),
            "stated_at": iso(row["stated_at"], tz),
            "appearance": row["appearance"],
            "credibility": {
                "score": row["score"],
                "verdict": row["verdict"],
                "evidence_weight": row["evidence_weight"],
            },
            "corroborations": evidence[row["id"]],
            "version": row["version"],
            "created_at": iso(row["created_at"], tz),
            "updated_at": iso(row["updated_at"], tz),
        }
        for row in rows
    ]


SNAPSHOT_COLUMNS = ("score", "verdict", "evidence_weight", "at", "cause")


def history_representation(claim_id: int, *, upto: datetime | None = None) -> list[dict[str, Any]]:
    """
    SnapshotSerializer's output for the claim's score history (up to a
    time: a released revision's), from rows: a claim gathers hundreds of
    snapshots, and a model instance and a field-by-field serialization for
    each was half the cost of a claim's detail.
    """
    tz = timezone.get_current_timezone()
    rows = ScoreSnapshot.objects.filter(claim_id=claim_id)
    if upto is not None:
        rows = rows.filter(at__lte=upto)
    values = rows.order_by("at", "id").values(*SNAPSHOT_COLUMNS)
    return [{**row, "at": iso(row["at"], tz)} for row in values]


def claim_detail_representation(claim: Claim) -> dict[str, Any]:
    """ClaimDetailSerializer's output for one claim (its account loaded)."""
    [data] = claim_representations(Claim.objects.filter(pk=claim.pk).values(*CLAIM_COLUMNS))
    data["explanation"] = explanation(explain_claim(claim))
    data["history"] = history_representation(claim.pk)
    return data


def explanation(result: scoring.ClaimScore) -> dict[str, Any]:
    """ExplanationSerializer's output for a claim's score."""
    return {
        "formula": "score = (1 + S) / (2 + S + C)",
        "score": result.score,
        "verdict": result.verdict,
        "support": result.support,
        "contradiction": result.contradiction,
        "evidence_weight": result.evidence_weight,
        "items": [item.as_dict() for item in result.items],
    }


# The cache

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
    """The newest change-log id among the objects claims repeat: one read of their heads."""
    return Head.newest(REFERENCED_TYPES)


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
    missing = [stamp.id for stamp, key in zip(stamps, keys, strict=True) if key not in found]
    if missing:
        rows = Claim.objects.filter(pk__in=missing).values(*CLAIM_COLUMNS)
        built = {
            item["id"]: SplicingJSONRenderer.render_item(item)
            for item in claim_representations(rows)
        }
        fresh = {
            key: built[stamp.id]
            for stamp, key in zip(stamps, keys, strict=True)
            if stamp.id in built and key not in found
        }
        cache.set_many(fresh, timeout=TIMEOUT)
        found.update(fresh)
    # A claim deleted since its stamp was read is left out, as if the page
    # had been read a moment later.
    return [found[key] for key in keys if key in found]
