"""
The intake's writes. Claim embeddings are derived data: computed here from
the claims' text, never edited, and never written to the change log (no
reader of the feed sees them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from claims.models import Claim

from . import matching
from .models import ClaimEmbedding

# Claims embedded per round: the model runs them as one batch (about 1 ms a
# claim, where one at a time costs 2 ms), and a round's transaction stays short.
BATCH_SIZE = 256

# (done, total), after each round: the backfill command's progress bar.
Progress = Callable[[int, int], None]


def text_digest(text: str) -> str:
    return hashlib.sha256(matching.normalise(text).encode()).hexdigest()[:32]


def checksum(*, claim_id: int, model: str, digest: str) -> int:
    """28 bits of (claim, model, text): what tells a row from another that took its id."""
    return int(hashlib.sha256(f"{claim_id}:{model}:{digest}".encode()).hexdigest()[:7], 16)


def stale_claim_ids(claim_ids: Iterable[int] | None = None) -> list[int]:
    """
    The claims (of claim_ids, or all) whose embedding is missing, from an
    older version of the claim, or from another model: one query, which
    reads the embeddings' freshness index, never their vectors.
    """
    fresh = ClaimEmbedding.objects.filter(
        claim=OuterRef("pk"), claim_version=OuterRef("version"), model=matching.MODEL_NAME
    )
    claims = Claim.objects.filter(~Exists(fresh))
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids))
    return list(claims.order_by("pk").values_list("pk", flat=True))


def refresh_embeddings(
    claim_ids: Iterable[int] | None = None,
    *,
    stale: list[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """
    Bring the embeddings of claim_ids (or of every claim) up to date: compute
    the missing and stale ones, in batches. `stale`, when the caller has just
    asked stale_claim_ids(), saves asking again. Returns how many claims had
    a vector computed or its version moved.

    Safe to run at the same time as claim writes and other refreshes: it
    takes no lock, and a vector computed from a text that was edited (or a
    claim deleted) meanwhile is simply stale (or gone) for the next refresh.
    """
    ids = stale_claim_ids(claim_ids) if stale is None else stale
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        done += _refresh_batch(batch)
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(ids)), len(ids))
    return done


def _refresh_batch(claim_ids: list[int], *, attempts: int = 3) -> int:
    for attempt in range(attempts):
        # Text and version read together: the vector is of that version.
        claims = list(
            Claim.objects.filter(pk__in=claim_ids).order_by().only("id", "text", "version")
        )
        stored = {
            row.claim_id: row
            for row in ClaimEmbedding.objects.filter(claim_id__in=claim_ids).only(
                "id", "claim_id", "model", "text_digest"
            )
        }
        digests = {claim.pk: text_digest(claim.text) for claim in claims}
        moved = [
            claim
            for claim in claims
            if (row := stored.get(claim.pk)) is not None
            and row.model == matching.MODEL_NAME
            and row.text_digest == digests[claim.pk]
        ]
        moved_ids = {claim.pk for claim in moved}
        changed = [claim for claim in claims if claim.pk not in moved_ids]
        # Outside the transaction: the model's time holds no database lock.
        vectors = matching.embed([claim.text for claim in changed])
        try:
            with transaction.atomic():
                # Same text: the vector stands and only its version moves, so
                # the selectors' matrix stays valid.
                for claim in moved:
                    stored[claim.pk].claim_version = claim.version
                ClaimEmbedding.objects.bulk_update(
                    [stored[claim.pk] for claim in moved], ["claim_version"]
                )
                # A changed vector is a new row, with a new id (see the model).
                ClaimEmbedding.objects.filter(claim_id__in=[c.pk for c in changed]).delete()
                ClaimEmbedding.objects.bulk_create(
                    [
                        ClaimEmbedding(
                            claim_id=claim.pk,
                            vector=matching.to_blob(vector),
                            model=matching.MODEL_NAME,
                            claim_version=claim.version,
                            text_digest=digests[claim.pk],
                            checksum=checksum(
                                claim_id=claim.pk,
                                model=matching.MODEL_NAME,
                                digest=digests[claim.pk],
                            ),
                        )
                        for claim, vector in zip(changed, vectors, strict=True)
                    ]
                )
            return len(claims)
        except IntegrityError:
            # A claim deleted since it was read, or another refresh that
            # stored the same claim first: read the batch again.
            if attempt == attempts - 1:
                raise
    return 0
