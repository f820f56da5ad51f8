from __future__ import annotations

from django.db import models

from claims.models import Claim


class ClaimEmbedding(models.Model):
    """
    A claim's sentence vector for claim matching (intake/matching.py), derived
    from its text: never edited, only computed (intake/services.py).

    Stale when claim_version is not the claim's version: every claim write
    moves the version, and claims/ (a floor below) cannot tell this app, so
    readers find the stale ones by comparing the two. A row is replaced (a new
    id) when its vector changes, and only has its claim_version moved when
    the text is the same (a score move); so rows with a newer id are exactly
    the vectors the selectors' in-memory matrix has yet to read.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="embedding")
    # The unit vector as little-endian float16 (matching.to_blob): 1 KB.
    vector = models.BinaryField()
    model = models.CharField(max_length=100)
    claim_version = models.PositiveIntegerField()
    # What the vector was computed from, so that a version move that left the
    # text alone (evidence changed, a score moved) costs no new vector.
    text_digest = models.CharField(max_length=32)
    # A number from (claim, model, text): it tells the in-memory matrix
    # whether the table's newest row is still the one it read, where SQLite
    # hands out an id again after a rollback.
    checksum = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The stale check reads every claim's (id, version) against this
            # index alone, never the table and its vectors.
            models.Index(fields=["claim", "claim_version", "model"], name="embedding_freshness"),
        ]

    def __str__(self) -> str:
        return f"embedding of claim {self.claim_id} (version {self.claim_version})"
