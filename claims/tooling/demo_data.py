"""
Synthetic data at newsroom scale, for demos and benchmarks: fictional parties,
thousands of sources, hundreds of disputes with their accounts, claims and
evidence, and a score history so the timelines have a shape.

Rows go in with bulk_create in batches: no per-row services and no
simple-history rows, which would take hours at full size. The rules the
services enforce still hold (a speaker never supports their own claim, origin
chains end, every object gets a "created" entry in the change log), and the
scores are then computed once, for everything, by services.recompute_all, so
that they are exactly what the model gives.

The same seed gives the same data; times count back from `end` (by default
today, midnight UTC).
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from changelog.models import Change
from changelog.writes import object_type
from claims import scoring
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot, Stance, Verdict
from claims.selectors import scoring_constants
from claims.services import recompute_all
from sources.models import Party, Source, SourceKind, normalise_name, with_name_keys
from sources.selectors import roots_from_parents

from .dataset import batched, explicit_timestamps

BATCH_SIZE = 2000

# Called as progress(stage, done, total) after each batch.
Progress = Callable[[str, int, int], None]

Row = TypeVar("Row", bound=models.Model)
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    disputes: int = 1000
    claims: int = 20000
    corroborations: int = 200000
    sources: int = 5000


def slug_prefix(seed: int) -> str:
    return f"demo-{seed}-"


# Fictional on purpose: invented quotes must not be put in real governments' mouths.
PARTIES = [
    ("aldora", "Republic of Aldora", "government"),
    ("belvania", "Kingdom of Belvania", "government"),
    ("corvenia", "Corvenia", "government"),
    ("drusk", "Drusk Federation", "government"),
    ("elyria", "Elyrian Union", "bloc of states"),
    ("fenmark", "Fenmark", "government"),
    ("galdor", "Galdor Republic", "government"),
    ("harrowland", "Harrowland", "government"),
    ("istrovia", "Istrovia", "government"),
    ("jarrah-coalition", "Jarrah Coalition", "rebel coalition"),
    ("kestrel-islands", "Kestrel Islands", "territory"),
    ("lunaria", "Lunaria", "government"),
    ("northern-council", "Northern Alliance Council", "alliance"),
    ("port-sable", "Port Sable City Council", "city council"),
    ("coastal-fishers", "Coastal Fishers' Union", "trade union"),
    ("trans-valley-power", "Trans-Valley Power Company", "company"),
]

FIRST = [
    "Amara",
    "Boris",
    "Chen",
    "Dalia",
    "Emeka",
    "Farah",
    "Goran",
    "Hana",
    "Ivan",
    "Jae-won",
    "Kofi",
    "Leila",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tamar",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zofia",
    "Anil",
    "Bea",
    "Carlos",
    "Dmitri",
    "Elif",
    "Femi",
    "Greta",
    "Hiroshi",
    "Ines",
    "Jonas",
    "Katya",
    "Luis",
    "Mina",
    "Nikos",
]
LAST = [
    "Abara",
    "Baptiste",
    "Castillo",
    "Dimitrov",
    "Eriksen",
    "Fofana",
    "Gupta",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kim",
    "Lindqvist",
    "Mensah",
    "Novak",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rahman",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Wojcik",
    "Xu",
    "Yilmaz",
    "Zhou",
    "Adeyemi",
    "Bauer",
    "Costa",
    "Diallo",
    "Esposito",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ibrahim",
    "Jovanovic",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
]
WIRES = [
    "Meridian Press Agency",
    "Continental Wire",
    "Global Dispatch Service",
    "Harbor News Agency",
    "Polar Wire",
    "Equator Press",
    "Atlas News Service",
    "Northstar Wire",
    "Compass Newswire",
    "Longitude Press",
]
CITIES = [
    "Northport",
    "Lisbon",
    "Valparaiso",
    "Accra",
    "Tbilisi",
    "Osaka",
    "Bergen",
    "Krakow",
    "Mombasa",
    "Halifax",
    "Cebu",
    "Porto Alegre",
    "Tallinn",
    "Marseille",
    "Lahore",
    "Daejeon",
    "Rosario",
    "Aarhus",
    "Izmir",
    "Durban",
]
EDITIONS = ["", "Evening ", "Sunday ", "Weekly ", "Online "]
MASTHEADS = [
    "Courier",
    "Herald",
    "Gazette",
    "Tribune",
    "Observer",
    "Post",
    "Ledger",
    "Chronicle",
    "Dispatch",
    "Sentinel",
    "Monitor",
    "Record",
    "Times",
    "Express",
    "Journal",
]
OFFICES = [
    "Foreign Ministry",
    "Defence Ministry",
    "Interior Ministry",
    "Presidential Office",
    "Energy Ministry",
    "Mission to the Council",
]
DOCUMENTS = [
    "communiqué",
    "cable",
    "incident report",
    "satellite imagery brief",
    "meeting minutes",
    "court filing",
    "budget annex",
]
FIELDS_OF_STUDY = [
    "arms control",
    "energy",
    "maritime law",
    "elections",
    "public health",
    "geospatial",
    "regional security",
]
PLACES = [
    "Port Varna",
    "the Kessel Pass",
    "Lake Orrin",
    "the Talmar Dam",
    "Redcliff",
    "the Vesna Strait",
    "Marrow Field",
    "Old Harbour",
    "the Sorrel Valley",
    "Greywater",
    "the Hollins Bridge",
    "Fort Ardent",
    "Cinder Bay",
    "the Maren Plateau",
    "Saltmarsh",
]
DISPUTE_TITLES = [
    "What did {a} offer at the talks in {place}?",
    "Who started the fire at {place}?",
    "Did {a} break the ceasefire at {place}?",
    "How many people attended the rally in {place}?",
    "Was the convoy at {place} carrying aid or weapons?",
    "Did {a} agree to inspections at {place}?",
    "Who cut the power line near {place}?",
    "What did {a} promise the fishermen of {place}?",
    "Did {a}'s patrol cross the line at {place}?",
    "Was the vote count in {place} accurate?",
    "Who walked out of the summit at {place} first?",
    "What caused the explosion at the depot in {place}?",
]
CLAIM_TEXTS = [
    "{a} negotiators offered to halt work at {place} in exchange for lifting the tariffs.",
    "{b} moved {n} armoured vehicles towards {place} in the night before the incident.",
    "Only about {n} hundred people were at {place}, not the {m} thousand reported.",
    "{a} never received a written proposal from {b} before the deadline.",
    "The incident at {place} began at {hour}:00, before any warning was given.",
    "{b} officials were told in advance and raised no objection at the time.",
    "Independent monitors were denied access to {place} for {n} days.",
    "The damage at {place} was caused by an accident, not by an attack.",
    "{a} has kept every commitment it made in the agreement on {place}.",
    "{b} demanded the removal of all {a} personnel from {place}.",
    "The shipment seized near {place} held medical supplies only.",
    "{n} ballots from {place} were counted twice, according to {a}.",
]
QUOTES = {
    Stance.SUPPORTS: [
        "Our correspondent at {place} saw the same thing: the account holds.",
        "Documents reviewed for this report match the statement in every detail.",
        "Three people present confirmed it independently.",
        "The records we obtained show exactly what was said.",
    ],
    Stance.PARTLY_SUPPORTS: [
        "Broadly right, though the figures given were rounded up.",
        "The core of it is confirmed; the timing is less clear.",
        "Partly borne out by the logs we have seen from {place}.",
    ],
    Stance.PARTLY_CONTRADICTS: [
        "The sequence of events at {place} was not quite as described.",
        "Some of the numbers do not match the official tallies.",
        "Witnesses dispute parts of this account.",
    ],
    Stance.CONTRADICTS: [
        "That is not what happened at {place}, according to the footage.",
        "The records flatly contradict the statement.",
        "Nobody we spoke to at {place} recalls anything of the kind.",
        "The claim was denied in full in a written statement.",
    ],
}

# How the sources divide between kinds, and the grades each tends to get:
# mostly B and C, as on a real desk.
KIND_SHARES = {
    SourceKind.NEWS_OUTLET: 34,
    SourceKind.OFFICIAL: 15,
    SourceKind.EXPERT: 12,
    SourceKind.DOCUMENT: 10,
    SourceKind.SPOKESPERSON: 8,
    SourceKind.ANONYMOUS_OFFICIAL: 8,
    SourceKind.WITNESS: 7,
    SourceKind.OTHER: 5,
}
GRADE_SHARES = {"A": 6, "B": 34, "C": 32, "D": 12, "E": 6, "F": 10}
WIRE_GRADE_SHARES = {"A": 35, "B": 55, "C": 10}
ANONYMOUS_GRADE_SHARES = {"B": 20, "C": 40, "D": 15, "E": 5, "F": 20}
# The chance that a source of this kind speaks for a party.
AFFILIATED_SHARE = {
    SourceKind.NEWS_OUTLET: 0.25,
    SourceKind.OFFICIAL: 1.0,
    SourceKind.SPOKESPERSON: 1.0,
    SourceKind.ANONYMOUS_OFFICIAL: 1.0,
    SourceKind.DOCUMENT: 0.6,
    SourceKind.EXPERT: 0.1,
    SourceKind.WITNESS: 0.0,
    SourceKind.OTHER: 0.3,
    SourceKind.WIRE_SERVICE: 0.0,
}
SPEAKER_KINDS = {
    SourceKind.OFFICIAL,
    SourceKind.SPOKESPERSON,
    SourceKind.ANONYMOUS_OFFICIAL,
    SourceKind.DOCUMENT,
    SourceKind.NEWS_OUTLET,
}
# Days after a dispute opens at which its scores are snapshotted.
CHECKPOINT_DAYS = (4, 12, 30, 70)


@dataclass
class SourcePlan:
    name: str
    kind: str
    party: int | None  # index into the parties list
    anonymous: bool
    grade: str
    origin: int | None = None  # index into the sources list
    tier: int = 0  # 0 for originals, n for a copy n steps from its root
    pk: int | None = None

    @property
    def inserted_pk(self) -> int:
        # Read only once the row is in: its bulk insert set the pk.
        return cast(int, self.pk)


@dataclass
class ClaimPlan:
    account: int  # index into the accounts list
    speaker: int  # index into the sources list
    stated_at: datetime
    truth: float
    pk: int | None = None
    evidence: list[tuple[datetime, int, int, str]] = field(default_factory=list)

    @property
    def inserted_pk(self) -> int:
        # Read only once the row is in: its bulk insert set the pk.
        return cast(int, self.pk)


def _noop(stage: str, done: int, total: int) -> None:
    pass


def generate(
    *,
    sizes: Sizes = Sizes(),
    seed: int = 1,
    end: datetime | None = None,
    progress: Progress = _noop,
) -> dict[str, int]:
    """
    Add a generated desk to the database, in one transaction; returns how
    many rows of each kind were added. Raises ValidationError for sizes that
    cannot make a desk, or if this seed's data is already loaded.
    """
    _check_sizes(sizes, seed)
    if end is None:
        end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return _Generator(
        sizes=sizes, rng=random.Random(seed), seed=seed, end=end, progress=progress
    ).run()


def _check_sizes(sizes: Sizes, seed: int) -> None:
    errors = {}
    for name in ("disputes", "claims", "corroborations", "sources"):
        if getattr(sizes, name) < 0:
            errors[name] = "Must be zero or more."
    if sizes.claims and not sizes.disputes:
        errors["disputes"] = "Claims need at least one dispute to belong to."
    if sizes.claims and not sizes.sources:
        errors["sources"] = "Claims need at least one source to speak them."
    if sizes.corroborations and not sizes.claims:
        errors["claims"] = "Corroborations need at least one claim."
    if sizes.corroborations and sizes.sources < 2:
        errors["sources"] = "Corroborations need at least two sources (a speaker and a witness)."
    if errors:
        raise ValidationError(errors)
    if Dispute.objects.filter(slug__startswith=slug_prefix(seed)).exists():
        raise ValidationError(
            {
                "seed": f"Demo data for seed {seed} is already loaded (disputes {slug_prefix(seed)}…); "
                "use another seed, or flush the database first."
            }
        )


class _Generator:
    def __init__(
        self, *, sizes: Sizes, rng: random.Random, seed: int, end: datetime, progress: Progress
    ) -> None:
        self.sizes = sizes
        self.rng = rng
        self.seed = seed
        self.end = end
        self.start = end - timedelta(days=270)
        self.progress = progress
        self.changes: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.counts: dict[str, int] = {}

    @transaction.atomic
    def run(self) -> dict[str, int]:
        with explicit_timestamps(
            Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot
        ):
            self.parties = self._parties()
            self.sources = self._sources()
            self.disputes, self.accounts = self._disputes_and_accounts()
            self.claims = self._claims()
            self._corroborations()
            self._history()
        self._log_changes()
        self.progress("scores", 0, 1)
        # Every score that moved gets a snapshot and an "updated" change.
        moved = len(recompute_all(cause="demo data generated"))
        self.counts["score snapshots"] += moved
        self.counts["changes"] += moved
        self.progress("scores", 1, 1)
        return self.counts

    # Insertion

    def _insert(
        self,
        stage: str,
        model: type[Row],
        objs: Sequence[Row],
        *,
        total: int | None = None,
    ) -> None:
        before = self.counts.get(stage, 0)
        for done, batch in _progressive(objs, BATCH_SIZE):
            model._default_manager.bulk_create(batch)
            self.progress(stage, before + done, total or len(objs))
        self.counts[stage] = before + len(objs)

    def _parties(self) -> list[Party]:
        slugs = [slug for slug, _, _ in PARTIES]
        names = [name for _, name, _ in PARTIES]
        existing = list(Party.objects.filter(Q(slug__in=slugs) | Q(name__in=names)))
        by_slug = {p.slug: p for p in existing}
        by_name = {p.name: p for p in existing}
        parties, new = [], []
        for slug, name, kind in PARTIES:
            party = by_slug.get(slug) or by_name.get(name)
            if party is None:
                party = Party(
                    slug=slug,
                    name=name,
                    description=f"A fictional {kind} of the generated demo data.",
                    created_at=self.start,
                    updated_at=self.start,
                )
                new.append(party)
            parties.append(party)
        self._insert("parties", Party, new)
        self.changes["parties"] = [(p.pk, f"party {p.name} added") for p in new]
        return parties

    def _sources(self) -> list[SourcePlan]:
        plans = self._plan_sources()
        for tier in sorted({plan.tier for plan in plans}):
            members = [plan for plan in plans if plan.tier == tier]
            objs = with_name_keys(
                Source(
                    name=plan.name,
                    kind=plan.kind,
                    affiliation=None if plan.party is None else self.parties[plan.party],
                    is_anonymous=plan.anonymous,
                    reliability=plan.grade,
                    url="" if plan.anonymous else f"https://{_slug(plan.name)}.example/",
                    origin_id=None if plan.origin is None else plans[plan.origin].pk,
                    created_at=self.start,
                    updated_at=self.start,
                )
                for plan in members
            )
            self._insert("sources", Source, objs, total=len(plans))
            for plan, obj in zip(members, objs, strict=True):
                plan.pk = obj.pk
        self.changes["sources"] = [
            (plan.inserted_pk, f"source {plan.name} added") for plan in plans
        ]
        return plans

    def _plan_sources(self) -> list[SourcePlan]:
        rng, n = self.rng, self.sizes.sources
        kinds = list(KIND_SHARES)
        weights = list(KIND_SHARES.values())
        # Names are unique once case, spacing and accents are ignored, also
        # against the sources already on the desk (another seed's, the Hanoi story's).
        names = _Names(rng, taken=set(Source.objects.values_list("name_key", flat=True)))
        plans: list[SourcePlan] = []
        wires = max(1, n // 100) if n >= 10 else 0
        for index in range(n):
            kind = SourceKind.WIRE_SERVICE if index < wires else rng.choices(kinds, weights)[0]
            party = (
                rng.randrange(len(self.parties)) if rng.random() < AFFILIATED_SHARE[kind] else None
            )
            anonymous = kind == SourceKind.ANONYMOUS_OFFICIAL or (
                kind in (SourceKind.WITNESS, SourceKind.OTHER) and rng.random() < 0.2
            )
            if kind == SourceKind.WIRE_SERVICE:
                grade = _pick(rng, WIRE_GRADE_SHARES)
            elif anonymous:
                grade = _pick(rng, ANONYMOUS_GRADE_SHARES)
            else:
                grade = _pick(rng, GRADE_SHARES)
            party_name = None if party is None else self.parties[party].name
            plans.append(
                SourcePlan(
                    name=names.make(kind, party_name, anonymous),
                    kind=kind,
                    party=party,
                    anonymous=anonymous,
                    grade=grade,
                )
            )
        # Copies: papers repeating a wire story, state papers repeating their
        # agency, and a few copies of copies, so that origin chains run deep.
        wire_ids = [i for i, p in enumerate(plans) if p.kind == SourceKind.WIRE_SERVICE]
        outlets = [i for i, p in enumerate(plans) if p.kind == SourceKind.NEWS_OUTLET]
        state_outlets: dict[int, list[int]] = defaultdict(list)
        for i in outlets:
            owner = plans[i].party
            if owner is not None:
                state_outlets[owner].append(i)
        for i in outlets:
            plan = plans[i]
            if plan.party is None and wire_ids and rng.random() < 0.35:
                plan.origin, plan.tier = rng.choice(wire_ids), 1
            elif plan.party is not None and rng.random() < 0.3:
                agency = state_outlets[plan.party][0]
                if agency != i:
                    plan.origin, plan.tier = agency, 1
        copies = [i for i in outlets if plans[i].tier == 1]
        for i in outlets:
            plan = plans[i]
            if plan.tier == 0 and plan.party is None and copies and rng.random() < 0.12:
                plan.origin, plan.tier = rng.choice(copies), 2
        return plans

    def _disputes_and_accounts(self) -> tuple[list[Dispute], list[Account]]:
        rng = self.rng
        disputes, accounts = [], []
        self.dispute_parties: list[list[int]] = []
        self.dispute_opened: list[datetime] = []
        for index in range(self.sizes.disputes):
            party_count = 3 if rng.random() < 0.3 else 2
            members = rng.sample(range(len(self.parties)), party_count)
            opened = self.start + timedelta(
                seconds=rng.uniform(0, (self.end - self.start).total_seconds() - 7 * 86400)
            )
            names = [self.parties[m].name for m in members]
            title = rng.choice(DISPUTE_TITLES).format(a=names[0], place=rng.choice(PLACES))
            disputes.append(
                Dispute(
                    slug=f"{slug_prefix(self.seed)}{index + 1:05d}",
                    title=title,
                    summary=f"{' and '.join(names)} give conflicting accounts. (Generated demo data.)",
                    status=Dispute.Status.SETTLED if rng.random() < 0.15 else Dispute.Status.OPEN,
                    created_at=opened,
                    updated_at=opened,
                )
            )
            self.dispute_parties.append(members)
            self.dispute_opened.append(opened)
        self._insert("disputes", Dispute, disputes)
        self.account_dispute: list[int] = []
        self.account_party: list[int] = []
        self.account_truth: list[float] = []
        for index, dispute in enumerate(disputes):
            for member in self.dispute_parties[index]:
                self.account_party.append(member)
                accounts.append(
                    Account(
                        dispute=dispute,
                        party=self.parties[member],
                        summary=f"{self.parties[member].name}'s version of events.",
                        created_at=self.dispute_opened[index],
                        updated_at=self.dispute_opened[index],
                    )
                )
                self.account_dispute.append(index)
                # How far this side's story holds up: the claims scatter around it.
                self.account_truth.append(rng.betavariate(2, 2))
        self._insert("accounts", Account, accounts)
        self.changes["disputes"] = [(d.pk, f"dispute “{d.title}” opened") for d in disputes]
        self.changes["accounts"] = [
            (a.pk, f"account of {a.party.name} added to “{a.dispute.title}”") for a in accounts
        ]
        return disputes, accounts

    def _claims(self) -> list[ClaimPlan]:
        rng, n = self.rng, self.sizes.claims
        if not self.accounts:
            return []
        account_count = len(self.accounts)
        # Every account gets a claim before any gets a second.
        owners = list(range(min(n, account_count))) + [
            rng.randrange(account_count) for _ in range(max(0, n - account_count))
        ]
        owners.sort()
        speakers = self._speaker_pools()
        plans: list[ClaimPlan] = []
        objs: list[Claim] = []
        for account_index in owners:
            dispute_index = self.account_dispute[account_index]
            party = self.account_party[account_index]
            others = [p for p in self.dispute_parties[dispute_index] if p != party]
            pool = speakers.get(party) or speakers[None]
            speaker = rng.choice(pool)
            stated_at = min(
                self.dispute_opened[dispute_index] + timedelta(seconds=rng.uniform(0, 10 * 86400)),
                self.end,
            )
            truth = min(0.98, max(0.02, self.account_truth[account_index] + rng.gauss(0, 0.15)))
            text = rng.choice(CLAIM_TEXTS).format(
                a=self.parties[party].name,
                b=self.parties[rng.choice(others)].name,
                place=rng.choice(PLACES),
                n=rng.randint(2, 40),
                m=rng.randint(5, 90),
                hour=rng.randint(0, 23),
            )
            plans.append(
                ClaimPlan(account=account_index, speaker=speaker, stated_at=stated_at, truth=truth)
            )
            objs.append(
                Claim(
                    account=self.accounts[account_index],
                    text=text,
                    speaker_id=self.sources[speaker].inserted_pk,
                    stated_at=stated_at,
                    appearance=f"https://news.example/{self.disputes[dispute_index].slug}/{len(objs) + 1}"
                    if rng.random() < 0.6
                    else "",
                    created_at=stated_at,
                    updated_at=stated_at,
                )
            )
        self._insert("claims", Claim, objs)
        for plan, obj in zip(plans, objs, strict=True):
            plan.pk = obj.pk
        self.changes["claims"] = [
            (plan.inserted_pk, f"claim by {self.sources[plan.speaker].name} recorded")
            for plan in plans
        ]
        return plans

    def _speaker_pools(self) -> dict[int | None, list[int]]:
        # Who speaks for each party; None holds everyone, for parties
        # without a spokesperson of their own in a small run.
        pools: dict[int | None, list[int]] = defaultdict(list)
        for index, plan in enumerate(self.sources):
            if plan.party is not None and plan.kind in SPEAKER_KINDS:
                pools[plan.party].append(index)
        pools[None] = list(range(len(self.sources)))
        return pools

    def _corroborations(self) -> None:
        rng, total = self.rng, self.sizes.corroborations
        self.counts["corroborations"] = 0
        if not total:
            return
        # Attention is uneven: a few claims draw much of the evidence (but
        # capped, so that no claim drowns in hundreds of items).
        weights = [min(rng.paretovariate(1.6), 15.0) for _ in self.claims]
        per_claim = [0] * len(self.claims)
        for index in rng.choices(range(len(self.claims)), weights=weights, k=total):
            per_claim[index] += 1
        by_party: dict[int | None, list[int]] = defaultdict(list)
        for index, plan in enumerate(self.sources):
            by_party[plan.party].append(index)
        everyone = list(range(len(self.sources)))

        def rows() -> Iterator[tuple[ClaimPlan, Corroboration]]:
            for claim, count in zip(self.claims, per_claim, strict=True):
                for _ in range(count):
                    yield claim, self._corroboration(claim, by_party, everyone)

        done = 0
        for batch in batched(rows(), BATCH_SIZE):
            Corroboration.objects.bulk_create([obj for _, obj in batch])
            for claim, obj in batch:
                claim.evidence.append((obj.observed_at, obj.pk, obj.source_id, obj.stance))
            done += len(batch)
            self.progress("corroborations", done, total)
        self.counts["corroborations"] = done

    def _corroboration(
        self, claim: ClaimPlan, by_party: dict[int | None, list[int]], everyone: list[int]
    ) -> Corroboration:
        rng = self.rng
        party = self.account_party[claim.account]
        members = self.dispute_parties[self.account_dispute[claim.account]]
        roll = rng.random()
        if roll < 0.25:
            side, pool = "own", by_party.get(party)
        elif roll < 0.5:
            side, pool = "opposing", by_party.get(rng.choice([m for m in members if m != party]))
        elif roll < 0.95:
            side, pool = "independent", by_party.get(None)
        else:
            side, pool = "independent", everyone
        source = rng.choice(pool or everyone)
        if source == claim.speaker and rng.random() < 0.8:
            source = rng.choice(everyone)
        if side == "own":
            supporting = rng.random() < 0.9
        elif side == "opposing":
            supporting = rng.random() < 0.1 + 0.2 * claim.truth
        else:
            supporting = rng.random() < claim.truth
        if source == claim.speaker:
            # The rule the services enforce: a speaker cannot back their own
            # claim, only retract it.
            supporting = False
        if supporting:
            stance = Stance.SUPPORTS if rng.random() < 0.7 else Stance.PARTLY_SUPPORTS
        else:
            stance = Stance.CONTRADICTS if rng.random() < 0.65 else Stance.PARTLY_CONTRADICTS
        observed_at = min(claim.stated_at + timedelta(days=rng.expovariate(1 / 12)), self.end)
        plan = self.sources[source]
        return Corroboration(
            claim_id=claim.inserted_pk,
            source_id=plan.inserted_pk,
            stance=stance,
            quote=rng.choice(QUOTES[stance]).format(place=rng.choice(PLACES)),
            url=""
            if plan.anonymous or rng.random() < 0.4
            else f"https://{_slug(plan.name)}.example/{claim.pk}",
            observed_at=observed_at,
            created_at=observed_at,
            updated_at=observed_at,
        )

    # Score history

    def _history(self) -> None:
        """
        Snapshots of each claim and account as the evidence came in: "claim
        recorded" / "account opened" at 0.5, then the score as of a few days
        in each dispute's life, so the sparklines have a shape. The current
        scores come after, from the one recompute.
        """
        constants = scoring_constants()
        roots = roots_from_parents(
            {plan.inserted_pk: _pk(self.sources, plan.origin) for plan in self.sources}
        )
        by_pk = {plan.inserted_pk: plan for plan in self.sources}
        party_pks = [party.pk for party in self.parties]
        claims_by_account: dict[int, list[ClaimPlan]] = defaultdict(list)
        for claim in self.claims:
            claims_by_account[claim.account].append(claim)

        snapshots: list[ScoreSnapshot] = []
        total = len(self.accounts)
        inserted = 0
        for account_index, account in enumerate(self.accounts):
            dispute_index = self.account_dispute[account_index]
            opened = self.dispute_opened[dispute_index]
            disputing = [party_pks[m] for m in self.dispute_parties[dispute_index]]
            snapshots.append(_snapshot(account=account, at=opened, cause="account opened"))
            last_account: tuple[float, str, float] = (0.5, Verdict.UNVERIFIED, 0.0)
            claims = claims_by_account.get(account_index, [])
            evidence = {claim.inserted_pk: self._evidence(claim, by_pk, roots) for claim in claims}
            times = {pk: [item.observed_at for item in items] for pk, items in evidence.items()}
            last_claim: dict[int, tuple[float, str, float]] = {
                claim.inserted_pk: (0.5, Verdict.UNVERIFIED, 0.0) for claim in claims
            }
            for claim in claims:
                snapshots.append(
                    _snapshot(claim_id=claim.pk, at=claim.stated_at, cause="claim recorded")
                )
            for days in CHECKPOINT_DAYS:
                moment = opened + timedelta(days=days)
                if moment >= self.end:
                    break
                cause = f"evidence up to {moment:%d %b %Y}"
                pairs = []
                for claim in claims:
                    if claim.stated_at > moment:
                        continue
                    seen = evidence[claim.inserted_pk][
                        : bisect.bisect_right(times[claim.inserted_pk], moment)
                    ]
                    result = scoring.score_claim(
                        seen,
                        claim_party_id=account.party_id,
                        speaker_id=self.sources[claim.speaker].inserted_pk,
                        speaker_root_id=roots[self.sources[claim.speaker].inserted_pk],
                        disputing_party_ids=disputing,
                        constants=constants,
                    )
                    pairs.append((result.score, result.evidence_weight))
                    state = (result.score, result.verdict, result.evidence_weight)
                    if state != last_claim[claim.inserted_pk]:
                        last_claim[claim.inserted_pk] = state
                        snapshots.append(
                            _snapshot(claim_id=claim.pk, at=moment, cause=cause, state=state)
                        )
                account_result = scoring.score_account(pairs, constants=constants)
                state = (
                    account_result.score,
                    account_result.verdict,
                    account_result.evidence_weight,
                )
                if state != last_account:
                    last_account = state
                    snapshots.append(
                        _snapshot(account=account, at=moment, cause=cause, state=state)
                    )
            if len(snapshots) >= BATCH_SIZE or account_index == total - 1:
                ScoreSnapshot.objects.bulk_create(snapshots)
                inserted += len(snapshots)
                snapshots = []
                self.progress("score history", account_index + 1, total)
        self.counts["score snapshots"] = inserted

    def _evidence(
        self, claim: ClaimPlan, by_pk: dict[int, SourcePlan], roots: dict[int, int]
    ) -> list[scoring.Evidence]:
        items = []
        for observed_at, pk, source_pk, stance in sorted(claim.evidence):
            source = by_pk[source_pk]
            items.append(
                scoring.Evidence(
                    id=pk,
                    source_id=source_pk,
                    source_name=source.name,
                    stance=stance,
                    reliability=source.grade,
                    source_party_id=None if source.party is None else self.parties[source.party].pk,
                    is_anonymous=source.anonymous,
                    origin_root_id=roots[source_pk],
                    observed_at=observed_at,
                )
            )
        return items

    # Change log

    def _log_changes(self) -> None:
        entries = [
            (model_type, pk, summary)
            for name, model_type in (
                ("parties", "party"),
                ("sources", "source"),
                ("disputes", "dispute"),
                ("accounts", "account"),
                ("claims", "claim"),
            )
            for pk, summary in self.changes[name]
        ]
        total = len(entries) + self.counts["corroborations"]
        done = 0
        for batch in batched(entries, BATCH_SIZE):
            Change.objects.bulk_create(
                Change(
                    action=Change.Action.CREATED,
                    object_type=kind,
                    object_id=pk,
                    summary=summary[:300],
                )
                for kind, pk, summary in batch
            )
            done += len(batch)
            self.progress("change log", done, total)
        names = {plan.pk: plan.name for plan in self.sources}
        labels = dict(Stance.choices)
        corroborations = (
            (claim.pk, pk, source_pk, stance)
            for claim in self.claims
            for _, pk, source_pk, stance in claim.evidence
        )
        for batch in batched(corroborations, BATCH_SIZE):
            Change.objects.bulk_create(
                Change(
                    action=Change.Action.CREATED,
                    object_type=object_type(Corroboration),
                    object_id=pk,
                    summary=f"{names[source_pk]} {labels[stance].lower()} claim {claim_pk}"[:300],
                )
                for claim_pk, pk, source_pk, stance in batch
            )
            done += len(batch)
            self.progress("change log", done, total)
        self.counts["changes"] = done


def _snapshot(
    *,
    at: datetime,
    cause: str,
    state: tuple[float, str, float] = (0.5, Verdict.UNVERIFIED, 0.0),
    account: Account | None = None,
    claim_id: int | None = None,
) -> ScoreSnapshot:
    score, verdict, weight = state
    return ScoreSnapshot(
        account=account,
        claim_id=claim_id,
        score=score,
        verdict=verdict,
        evidence_weight=weight,
        at=at,
        cause=cause,
    )


def _pk(plans: list[SourcePlan], index: int | None) -> int | None:
    return None if index is None else plans[index].pk


def _pick(rng: random.Random, shares: dict[str, int]) -> str:
    return rng.choices(list(shares), list(shares.values()))[0]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:60] or "source"


def _progressive(items: Sequence[T], size: int) -> Iterator[tuple[int, list[T]]]:
    for start in range(0, len(items), size):
        batch = list(items[start : start + size])
        yield start + len(batch), batch


class _Names:
    """Plausible, distinct names for each kind of source."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None) -> None:
        self.rng = rng
        # Normalised, as the database compares them.
        self.used: set[str] = set(taken or ())
        self.wires = iter(WIRES)
        self.counter = 0

    def make(self, kind: str, party: str | None, anonymous: bool) -> str:
        candidate = name = self._candidate(kind, party, anonymous)
        while normalise_name(name) in self.used:
            self.counter += 1
            name = f"{candidate} ({self.counter})"
        self.used.add(normalise_name(name))
        return name

    def _candidate(self, kind: str, party: str | None, anonymous: bool) -> str:
        rng = self.rng
        person = f"{rng.choice(FIRST)} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {rng.choice(LAST)}"
        where = party or "independent"
        if kind == SourceKind.WIRE_SERVICE:
            return next(self.wires, None) or f"{rng.choice(CITIES)} Wire Service"
        if kind == SourceKind.NEWS_OUTLET:
            paper = f"The {rng.choice(CITIES)} {rng.choice(EDITIONS)}{rng.choice(MASTHEADS)}"
            return f"{paper} ({party} state media)" if party else paper
        if kind == SourceKind.ANONYMOUS_OFFICIAL:
            return f"Unnamed {where} {rng.choice(OFFICES).lower()} official"
        if kind in (SourceKind.OFFICIAL, SourceKind.SPOKESPERSON):
            role = "spokesperson" if kind == SourceKind.SPOKESPERSON else "official"
            return f"{person}, {where} {rng.choice(OFFICES)} {role}"
        if kind == SourceKind.DOCUMENT:
            return f"{where.capitalize() if not party else party} {rng.choice(DOCUMENTS)} no. {rng.randint(1, 999)}"
        if kind == SourceKind.EXPERT:
            return f"{person}, {rng.choice(FIELDS_OF_STUDY)} analyst"
        if kind == SourceKind.WITNESS:
            return "Eyewitness (name withheld)" if anonymous else f"{person}, eyewitness"
        return "Confidential tip" if anonymous else f"{person}, {rng.choice(CITIES)} resident"
