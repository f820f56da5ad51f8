"""
Reads for the intake: the claims that say what a text says (similar_claims).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection

from changelog.jobs import enqueue_on_commit
from changelog.models import Change, Head
from claims.models import Claim, Dispute

from . import matching, services, tasks
from .models import ClaimEmbedding

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True)
class SimilarClaim:
    claim: int
    text: str
    score: float
    semantic: float
    lexical: float
    # "paraphrase": the same claim in other words; "related": about the same
    # thing, but another claim, or its opposite. A suggestion either way.
    label: matching.Label
    # Why a pair that is close in meaning may say opposite things ("" if
    # nothing says so): the reason a close pair is only "related".
    contrast: str = ""


# How many of the nearest vectors are scored in full (their words compared
# too) for each one asked for.
CANDIDATES_PER_RESULT = 4
MIN_CANDIDATES = 20


def similar_claims(
    text: str,
    *,
    language: str | None = None,
    exclude_claim: int | None = None,
    dispute: Dispute | int | None = None,
    limit: int = 5,
) -> list[SimilarClaim]:
    """
    The stored claims nearest to `text`, best first, each "paraphrase" or
    "related"; unrelated ones are left out. `language` is the text's (an
    article's), when the caller knows it; else it is read from the script.
    Suggestions only, nothing is merged. Its one write: the embeddings of
    claims changed since the last call are brought up to date first (usually
    there are none, which one cheap query tells).
    """
    if limit <= 0 or not matching.has_words(text):
        return []
    index = _INDEX.current()
    if not index.live.any():
        return []
    semantic = index.cosines(matching.embed([text])[0])
    allowed = np.ones(len(semantic), dtype=bool)
    if exclude_claim is not None:
        allowed &= index.claim_ids != exclude_claim
    if dispute is not None:
        in_dispute = (
            Claim.objects.filter(account__dispute=dispute).order_by().values_list("pk", flat=True)
        )
        allowed &= np.isin(index.claim_ids, np.fromiter(in_dispute, dtype=np.int64))
    semantic = np.where(allowed, semantic, -np.inf)

    wanted = min(max(limit * CANDIDATES_PER_RESULT, MIN_CANDIDATES), len(semantic))
    nearest = np.argpartition(-semantic, wanted - 1)[:wanted]
    nearest = nearest[semantic[nearest] > -np.inf]
    cosines = {int(index.claim_ids[row]): float(semantic[row]) for row in nearest}
    # A claim deleted since the matrix was read is simply not found here.
    texts = dict(Claim.objects.filter(pk__in=list(cosines)).order_by().values_list("pk", "text"))

    query_is_korean = language.lower().startswith("ko") if language else None
    found = []
    for claim_id, claim_text in texts.items():
        judgement = matching.judge(
            text, claim_text, semantic=cosines[claim_id], a_is_korean=query_is_korean
        )
        if judgement.label is None:
            continue
        found.append(
            SimilarClaim(
                claim=claim_id,
                text=claim_text,
                score=judgement.score,
                semantic=judgement.semantic,
                lexical=judgement.lexical,
                label=judgement.label,
                contrast=judgement.contrast,
            )
        )
    found.sort(key=lambda match: (-match.score, match.claim))
    return found[:limit]


# The stored vectors, as one matrix in this process's memory

# Stale claims embedded while a reader waits (about 2 ms each); more than
# that (a bulk import, a new model) is left to the background job, and the
# reader is answered from the vectors already stored meanwhile.
REFRESH_WHILE_WAITING = 64

Row = tuple[int, int, str, int, bytes]
_ROW = ("id", "claim_id", "model", "checksum", "vector")


# A snapshot grows by blocks of rows (what changed since); it is copied into
# one block again when it has this many, or when a quarter of its rows are
# dead, so that an edit costs a few rows' work and not a copy of the matrix.
MAX_BLOCKS = 16


@dataclass(frozen=True)
class _Snapshot:
    """
    The embeddings table as read: a row each, in blocks, the rows of claims
    changed or deleted since marked dead (and rows of another model, which
    score nothing). Never changed once made: a reader keeps the one it got
    while the next is built.
    """

    embedding_ids: NDArray[np.int64]
    claim_ids: NDArray[np.int64]
    checksums: NDArray[np.int64]
    live: NDArray[np.bool_]
    blocks: tuple[NDArray[np.float32], ...]

    @property
    def newest(self) -> tuple[int, int]:
        """The newest live row's (id, checksum), or (0, 0)."""
        if not self.live.any():
            return (0, 0)
        ids = np.where(self.live, self.embedding_ids, -1)
        row = int(np.argmax(ids))
        return (int(self.embedding_ids[row]), int(self.checksums[row]))

    def cosines(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        """Each row's cosine with `vector`; -inf for dead rows."""
        parts = [matching.cosines(block, vector) for block in self.blocks if len(block)]
        scores = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return np.where(self.live, scores, -np.inf)

    @classmethod
    def of(cls, rows: list[Row]) -> _Snapshot:
        current = np.array([row[2] == matching.MODEL_NAME for row in rows], dtype=bool)
        matrix = np.zeros((len(rows), matching.DIMENSIONS), dtype=np.float32)
        matrix[current] = matching.from_blobs(
            [bytes(row[4]) for row, ok in zip(rows, current, strict=True) if ok]
        )
        return cls(
            embedding_ids=np.array([row[0] for row in rows], dtype=np.int64),
            claim_ids=np.array([row[1] for row in rows], dtype=np.int64),
            checksums=np.array([row[3] for row in rows], dtype=np.int64),
            live=np.ones(len(rows), dtype=bool),
            blocks=(matrix,),
        )

    def changed(self, *, added: list[Row], gone: list[int]) -> _Snapshot:
        """With rows added (each superseding its claim's older row) and gone claims' rows dead."""
        if not added and not gone:
            return self
        new = _Snapshot.of(added)
        dead = np.isin(self.claim_ids, np.concatenate([new.claim_ids, np.array(gone, np.int64)]))
        grown = _Snapshot(
            embedding_ids=np.concatenate([self.embedding_ids, new.embedding_ids]),
            claim_ids=np.concatenate([self.claim_ids, new.claim_ids]),
            checksums=np.concatenate([self.checksums, new.checksums]),
            live=np.concatenate([self.live & ~dead, new.live]),
            blocks=self.blocks + new.blocks,
        )
        if len(grown.blocks) > MAX_BLOCKS or (~grown.live).sum() * 4 > len(grown.live):
            return grown.compacted()
        return grown

    def compacted(self) -> _Snapshot:
        keep = self.live
        return _Snapshot(
            embedding_ids=self.embedding_ids[keep],
            claim_ids=self.claim_ids[keep],
            checksums=self.checksums[keep],
            live=np.ones(int(keep.sum()), dtype=bool),
            blocks=(np.concatenate(self.blocks)[keep],),
        )


@dataclass
class _Index:
    """
    The stored vectors as one matrix, and the newest claim change after which
    they are known to be fresh; both kept current at a cost of one query of
    a few index lookups per call, from two facts.

    The claims' newest change-log entry (Head). When it moved, the claims
    changed since are read from the log: the deleted ones leave the matrix,
    the others are checked for stale embeddings (refreshed here). Every claim
    is checked, and the matrix read whole, the first time in a process and
    whenever the entry checked last is no longer there as it was (a rollback
    took it, as in every test).

    The table's newest row (its id and checksum). Rows are only added (a
    changed vector is a new row) or deleted with their claim, so a newer id
    means rows to read; and when, after reading them, the matrix's newest
    row is not the table's (rows deleted outside the services, or an id that
    SQLite handed out again after a rollback), the table is read whole.
    """

    snapshot: _Snapshot = field(default_factory=lambda: _Snapshot.of([]))
    # (change id, its time) of the newest claim change checked, or None.
    checked: tuple[int, Any] | None = None
    # Stale claims were left to the background job: look at all again.
    backlog: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> _Snapshot:
        with self.lock:
            state = _read_state(self.checked)
            if state.since is None:
                self.snapshot = _Snapshot.of([])
            if state.since is None or state.head != self.checked or self.backlog:
                everything = state.since is None or self.backlog
                self.backlog, gone, wrote = _refresh_changed(state, everything=everything)
                self.snapshot = self.snapshot.changed(added=[], gone=gone)
                self.checked = state.head
                if wrote:
                    state = _read_state(self.checked)
            self.snapshot = _reload(self.snapshot, state)
            return self.snapshot

    def forget(self) -> None:
        """Read everything again at the next call."""
        with self.lock:
            self.snapshot = _Snapshot.of([])
            self.checked = None
            self.backlog = False


_INDEX = _Index()


@dataclass(frozen=True)
class _State:
    head: tuple[int, Any]
    # Claims changed after this change id may be stale; None: any claim may be.
    since: int | None
    # The table's newest row: (id, checksum), (0, 0) when it is empty.
    newest: tuple[int, int]


def _read_state(checked: tuple[int, Any] | None) -> _State:
    # Plain SQL: it runs on every call, and is one statement of primary-key
    # lookups where the ORM would need four queries.
    quote = connection.ops.quote_name
    heads, changes = quote(Head._meta.db_table), quote(Change._meta.db_table)
    embeddings = quote(ClaimEmbedding._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.change_id, (SELECT c.at FROM {changes} c WHERE c.id = h.change_id), "
            f"(SELECT c.at FROM {changes} c WHERE c.id = %s), "
            f"(SELECT e.id FROM {embeddings} e ORDER BY e.id DESC LIMIT 1), "
            f"(SELECT e.checksum FROM {embeddings} e ORDER BY e.id DESC LIMIT 1) "
            f"FROM (SELECT 1 AS one) o LEFT JOIN {heads} h ON h.object_type = %s",
            [checked[0] if checked else 0, "claim"],
        )
        head_id, head_at, checked_at, newest_id, checksum = cursor.fetchone()
    head = (int(head_id or 0), head_at)
    # The entry checked last is still there as it was: only the claims
    # changed after it need a look.
    still = checked is not None and checked_at == checked[1] and head[0] >= checked[0]
    return _State(
        head=head,
        since=checked[0] if still and checked else None,
        newest=(int(newest_id or 0), int(checksum or 0)),
    )


def _refresh_changed(state: _State, *, everything: bool) -> tuple[bool, list[int], bool]:
    """
    Embed the stale ones among the claims changed since state.since (among
    all claims, when `everything`). Returns whether stale claims were left to
    the background job, the ids of the claims the log says were deleted, and
    whether any embedding was written.
    """
    changed: list[int] = []
    gone: list[int] = []
    if state.since is not None:
        for claim_id, action in Change.objects.filter(
            object_type="claim", id__gt=state.since, id__lte=state.head[0]
        ).values_list("object_id", "action"):
            (gone if action == Change.Action.DELETED else changed).append(claim_id)
    if not everything and not changed:
        return False, gone, False
    stale = services.stale_claim_ids(None if everything else changed)
    now, later = stale[:REFRESH_WHILE_WAITING], stale[REFRESH_WHILE_WAITING:]
    wrote = bool(now) and services.refresh_embeddings(stale=now) > 0
    if later:
        enqueue_on_commit(tasks.refresh_claim_embeddings, later)
    return bool(later), gone, wrote


def _reload(snapshot: _Snapshot, state: _State) -> _Snapshot:
    """The snapshot brought up to the table: the rows added since, or all of it."""
    rows = ClaimEmbedding.objects.order_by("id")
    known = snapshot.newest[0]
    if state.newest[0] > known:
        added = list(rows.filter(id__gt=known).values_list(*_ROW))
        snapshot = snapshot.changed(added=added, gone=[])
    if snapshot.newest != state.newest:
        snapshot = _Snapshot.of(list(rows.values_list(*_ROW)))
    return snapshot
