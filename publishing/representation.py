"""
What a partner reads of a dispute, built from the live rows when an editor
publishes it, and frozen from then on.

The shapes are the API's (api/resources/disputes.py, accounts.py,
claim_json.py, corroborations.py, sources.py), field for field, so that the
API can serve partners these rows as they are (tests/publishing/
test_representation.py holds the two equal). The API cannot be imported
here (it is a floor above), hence the builders of its shapes live here.

What differs for partners: each object carries the publication fields of
IPTC ninjs (publication_fields()) instead of the row's version, the live
`version` of the desk meaning nothing to them; and a source, which several
disputes may cite, is put together when it is read, from the released rows
of every dispute that cites it (source_representation()).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from django.db.models import Count

from claims import scoring
from claims.models import Account, Claim, Corroboration, Dispute
from claims.selectors import explain_claims, track_record
from sources.models import Source

# The object types of a revision, parents before children.
DISPUTE, ACCOUNT, SOURCE, CLAIM, CORROBORATION = (
    "dispute",
    "account",
    "source",
    "claim",
    "corroboration",
)
OBJECT_TYPES = (DISPUTE, ACCOUNT, SOURCE, CLAIM, CORROBORATION)


def render(data: Any) -> str:
    """JSON as the API's renderer writes it: compact, UTF-8, U+2028/9 escaped."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def iso(value: datetime | None) -> str | None:
    """A datetime as the API writes it: UTC, with a Z."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


@dataclass
class Frozen:
    """One object of a dispute as partners will read it, with what filters need."""

    object_type: str
    object_id: int
    content: dict[str, Any]
    detail: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        return self.object_type, self.object_id


# Building a dispute's objects from the live rows

ACCOUNT_COLUMNS = (
    "id",
    "party_id",
    "party__slug",
    "party__name",
    "summary",
    "score",
    "verdict",
    "evidence_weight",
    "claim_count",
    "created_at",
    "updated_at",
)
EVIDENCE_COLUMNS = (
    "id",
    "claim_id",
    "source_id",
    "stance",
    "quote",
    "url",
    "observed_at",
    "created_at",
    "updated_at",
)
SOURCE_COLUMNS = (
    "id",
    "name",
    "kind",
    "affiliation_id",
    "affiliation__slug",
    "affiliation__name",
    "is_anonymous",
    "reliability",
    "url",
    "notes",
    "origin_id",
    "version",
    "created_at",
    "updated_at",
)


def party_ref(party_id: int | None, slug: str | None, name: str | None) -> dict[str, Any] | None:
    if party_id is None:
        return None
    return {"id": party_id, "slug": slug, "name": name}


def source_ref(row: dict[str, Any]) -> dict[str, Any]:
    """A source named inside another object (SourceRefSerializer)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "reliability": row["reliability"],
        "is_anonymous": row["is_anonymous"],
        "affiliation": party_ref(
            row["affiliation_id"], row["affiliation__slug"], row["affiliation__name"]
        ),
    }


def credibility(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": row["score"],
        "verdict": row["verdict"],
        "evidence_weight": row["evidence_weight"],
    }


def explanation(result: scoring.ClaimScore) -> dict[str, Any]:
    """A claim's explanation (ExplanationSerializer)."""
    return {
        "formula": "score = (1 + S) / (2 + S + C)",
        "score": result.score,
        "verdict": result.verdict,
        "support": result.support,
        "contradiction": result.contradiction,
        "evidence_weight": result.evidence_weight,
        "items": [item.as_dict() for item in result.items],
    }


def freeze_dispute(dispute: Dispute) -> list[Frozen]:
    """
    The dispute, its accounts, claims and evidence, and the sources they cite,
    as partners will read them: seven queries whatever the dispute's size
    (the explanations are worked out for all claims at once).
    """
    slug = dispute.slug
    accounts = list(
        Account.objects.filter(dispute=dispute)
        .annotate(claim_count=Count("claims"))
        .order_by("party__name", "id")
        .values(*ACCOUNT_COLUMNS)
    )
    claims = list(Claim.objects.with_related().filter(account__dispute=dispute).order_by("id"))
    evidence = list(
        Corroboration.objects.filter(claim__account__dispute=dispute)
        .order_by("observed_at", "id")
        .values(*EVIDENCE_COLUMNS)
    )
    explained = explain_claims(claims)
    source_ids = {claim.speaker_id for claim in claims} | {row["source_id"] for row in evidence}
    sources = {
        row["id"]: row
        for row in Source.objects.filter(pk__in=source_ids).order_by("id").values(*SOURCE_COLUMNS)
    }
    refs = {pk: source_ref(row) for pk, row in sources.items()}

    account_items = [_account(row, dispute_slug=slug) for row in accounts]
    frozen = [
        Frozen(
            DISPUTE,
            dispute.pk,
            {
                "id": dispute.pk,
                "slug": slug,
                "title": dispute.title,
                "summary": dispute.summary,
                "status": dispute.status,
                "accounts": [
                    {name: item.content[name] for name in DISPUTE_ACCOUNT_FIELDS}
                    for item in account_items
                ],
                "created_at": iso(dispute.created_at),
                "updated_at": iso(dispute.updated_at),
            },
            columns={"dispute_slug": slug, "updated_at": dispute.updated_at},
        ),
        *account_items,
        *(_source(row, dispute_slug=slug) for row in sources.values()),
    ]
    by_claim: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in evidence:
        by_claim[row["claim_id"]].append(
            {
                "id": row["id"],
                "source": refs[row["source_id"]],
                "stance": row["stance"],
                "quote": row["quote"],
                "url": row["url"],
                "observed_at": iso(row["observed_at"]),
            }
        )
    party_slugs = {row["id"]: row["party__slug"] for row in accounts}
    account_of = {claim.pk: claim.account_id for claim in claims}
    for claim in claims:
        frozen.append(
            _claim(
                claim,
                dispute_slug=slug,
                speaker=refs[claim.speaker_id],
                evidence=by_claim[claim.pk],
                explained=explained[claim.pk],
            )
        )
    for row in evidence:
        frozen.append(
            _corroboration(
                row,
                dispute_slug=slug,
                party_slug=party_slugs[account_of[row["claim_id"]]],
                source=refs[row["source_id"]],
            )
        )
    return frozen


# What a dispute lists of each account (DisputeAccountSerializer).
DISPUTE_ACCOUNT_FIELDS = ("id", "party", "summary", "credibility", "claim_count", "updated_at")


def _account(row: dict[str, Any], *, dispute_slug: str) -> Frozen:
    return Frozen(
        ACCOUNT,
        row["id"],
        {
            "id": row["id"],
            "dispute": dispute_slug,
            "party": party_ref(row["party_id"], row["party__slug"], row["party__name"]),
            "summary": row["summary"],
            "credibility": credibility(row),
            "claim_count": row["claim_count"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        columns={
            "dispute_slug": dispute_slug,
            "party_slug": row["party__slug"],
            "verdict": row["verdict"],
            "score": row["score"],
            "updated_at": row["updated_at"],
        },
    )


def _source(row: dict[str, Any], *, dispute_slug: str) -> Frozen:
    """A source's own fields; what it has corroborated is added when read."""
    return Frozen(
        SOURCE,
        row["id"],
        {
            "id": row["id"],
            "name": row["name"],
            "kind": row["kind"],
            "affiliation": party_ref(
                row["affiliation_id"], row["affiliation__slug"], row["affiliation__name"]
            ),
            "is_anonymous": row["is_anonymous"],
            "reliability": row["reliability"],
            "url": row["url"],
            "notes": row["notes"],
            "origin": row["origin_id"],
            "version": row["version"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        columns={
            "dispute_slug": dispute_slug,
            "party_slug": row["affiliation__slug"] or "",
            "reliability": row["reliability"],
            "updated_at": row["updated_at"],
        },
    )


def _claim(
    claim: Claim,
    *,
    dispute_slug: str,
    speaker: dict[str, Any],
    evidence: list[dict[str, Any]],
    explained: scoring.ClaimScore,
) -> Frozen:
    party = claim.account.party
    return Frozen(
        CLAIM,
        claim.pk,
        {
            "id": claim.pk,
            "text": claim.text,
            "account": claim.account_id,
            "dispute": dispute_slug,
            "party": party_ref(party.pk, party.slug, party.name),
            "speaker": speaker,
            "stated_at": iso(claim.stated_at),
            "appearance": claim.appearance,
            "credibility": {
                "score": claim.score,
                "verdict": claim.verdict,
                "evidence_weight": claim.evidence_weight,
            },
            "corroborations": evidence,
            "created_at": iso(claim.created_at),
            "updated_at": iso(claim.updated_at),
        },
        detail={"explanation": explanation(explained)},
        columns={
            "dispute_slug": dispute_slug,
            "party_slug": party.slug,
            "source_id": claim.speaker_id,
            "verdict": claim.verdict,
            "score": claim.score,
            "stated_at": claim.stated_at,
            "updated_at": claim.updated_at,
        },
    )


def _corroboration(
    row: dict[str, Any], *, dispute_slug: str, party_slug: str, source: dict[str, Any]
) -> Frozen:
    return Frozen(
        CORROBORATION,
        row["id"],
        {
            "id": row["id"],
            "claim": row["claim_id"],
            "source": source,
            "stance": row["stance"],
            "quote": row["quote"],
            "url": row["url"],
            "observed_at": iso(row["observed_at"]),
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        },
        columns={
            "dispute_slug": dispute_slug,
            "party_slug": party_slug,
            "claim_id": row["claim_id"],
            "source_id": row["source_id"],
            "stance": row["stance"],
            # When the source said it, as a claim's stated_at: what the
            # partners' evidence list orders by (ordering=observed_at).
            "stated_at": row["observed_at"],
            "updated_at": row["updated_at"],
        },
    )


# The publication fields (IPTC ninjs)


@dataclass(frozen=True)
class Correction:
    at: datetime
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "note": self.note}


# The types whose objects carry the corrections that concern them: the
# dispute all of them, a claim or an account those of the revisions that
# changed its verdict.
CORRECTED_TYPES = (DISPUTE, ACCOUNT, CLAIM)


def publication_fields(
    *,
    object_type: str,
    pub_status: str,
    version: int,
    first_published_at: datetime,
    version_created_at: datetime,
    embargoed_until: datetime | None,
    corrections: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What every partner object carries about its publication, as IPTC ninjs names it."""
    fields: dict[str, Any] = {
        "pub_status": pub_status,
        "version": version,
        "first_published_at": iso(first_published_at),
        "version_created_at": iso(version_created_at),
        "embargoed_until": iso(embargoed_until),
    }
    if object_type in CORRECTED_TYPES:
        fields["corrections"] = list(corrections)
    return fields


def with_fields(content: str, fields: dict[str, Any]) -> str:
    """An object's JSON text with more fields after its own (both rendered by render())."""
    return content[:-1] + "," + render(fields)[1:]


def tombstone(
    *,
    dispute_id: int,
    slug: str,
    pub_status: str,
    fields: dict[str, Any],
    retraction: Correction | None = None,
) -> dict[str, Any]:
    """
    What a partner reads of a withheld or canceled dispute: who it was and
    its publication fields, none of its content.
    """
    return {
        "id": dispute_id,
        "slug": slug,
        **fields,
        "pub_status": pub_status,
        "retraction": retraction.as_dict() if retraction else None,
    }


# A source, put together when read


def source_representation(
    own: dict[str, Any], evidence: list[dict[str, Any]], verdicts: dict[int, str]
) -> dict[str, Any]:
    """
    A source as partners read it (SourceSerializer): its own fields as last
    released (`own`, a source row's content), what it has corroborated in
    the released evidence of every usable dispute (corroboration rows'
    content), and its track record on those claims' released verdicts.
    """
    items = sorted(evidence, key=lambda item: (_when(item["observed_at"]), item["id"]))
    record = track_record(
        # What track_record() reads of a corroboration, without a model
        # instance each: building those was nine tenths of publishing a
        # dispute whose sources other released disputes cite too.
        cast(
            Corroboration,
            _Cited(item["stance"], item["claim"], _Verdict(verdicts[item["claim"]])),
        )
        for item in items
    )
    return {
        **{name: own[name] for name in SOURCE_OWN_FIELDS[:9]},
        "corroborations": [
            {
                "id": item["id"],
                "claim": item["claim"],
                "stance": item["stance"],
                "observed_at": item["observed_at"],
            }
            for item in items
        ],
        "track_record": {
            "stances": record.stances,
            **{
                taken.side: {
                    "total": taken.total,
                    "held_up": taken.held_up,
                    "verdicts": taken.verdicts,
                }
                for taken in (record.supported, record.contradicted)
            },
        },
        **{name: own[name] for name in SOURCE_OWN_FIELDS[9:]},
    }


SOURCE_OWN_FIELDS = (
    "id",
    "name",
    "kind",
    "affiliation",
    "is_anonymous",
    "reliability",
    "url",
    "notes",
    "origin",
    "version",
    "created_at",
    "updated_at",
)


class _Verdict(NamedTuple):
    verdict: str


class _Cited(NamedTuple):
    """A corroboration as track_record() reads it: its stance, its claim and that claim's verdict."""

    stance: str
    claim_id: int
    claim: _Verdict


def _when(text: str) -> datetime:
    # The texts are ISO 8601 but not all of one length (no microseconds when
    # they are 0), so they are compared as times, not as strings.
    return datetime.fromisoformat(text)
