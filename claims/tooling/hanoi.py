"""
The story claimdesk ships with: the February 2019 Hanoi summit, as the
Associated Press reported it ("Officials say Trump overstated Kim's demand on
sanctions", shared/seed/hanoi-summit-article.txt). Every quote below is from
that report.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from changelog.writes import write_transaction
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute
from sources import services as source_services
from sources.models import Party, Source


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


PARTIES = [
    {
        "slug": "united-states",
        "name": "United States",
        "description": "The U.S. delegation led by President Donald Trump.",
    },
    {
        "slug": "north-korea",
        "name": "North Korea",
        "description": "The North Korean delegation led by Kim Jong Un.",
    },
]

# key: name, kind, party slug (None = independent), anonymous, grade
SOURCES = {
    "trump": ("Donald Trump", "official", "united-states", False, "C"),
    "ri": ("Ri Yong Ho", "official", "north-korea", False, "C"),
    "choe": ("Choe Sun Hui", "official", "north-korea", False, "C"),
    "us_official": (
        "Senior U.S. official (unnamed)",
        "anonymous_official",
        "united-states",
        True,
        "B",
    ),
    "ap": ("The Associated Press", "wire_service", None, False, "B"),
}
SOURCE_NOTES = {
    "trump": "President of the United States.",
    "ri": "Foreign Minister of North Korea.",
    "choe": "Vice Foreign Minister of North Korea.",
    "us_official": "Briefed the media on condition he not be named because he was not "
    "authorized to discuss the negotiations publicly.",
    "ap": "Reported from Hanoi, 1 March 2019.",
}

DISPUTE = {
    "slug": "hanoi-summit-sanctions",
    "title": "What did Kim demand on sanctions in Hanoi?",
    "summary": "President Trump said he walked away from the second summit because Kim Jong Un "
    "demanded that all U.S. sanctions be lifted. North Korea's delegation called a news "
    "conference in the middle of the night to say Kim had asked only for partial relief.",
}

ACCOUNTS = {
    "united-states": "Kim demanded that the sanctions be lifted in their entirety, "
    "so the U.S. walked away.",
    "north-korea": "North Korea asked only for partial sanctions relief, in exchange for "
    "shutting down its main nuclear complex.",
}

# key: account party, speaker, text, stated_at
CLAIMS = {
    "all_sanctions": (
        "united-states",
        "trump",
        "Basically, they wanted the sanctions lifted in their entirety, and we couldn't do that.",
        utc(2019, 2, 28, 8, 0),
    ),
    "partial_relief": (
        "north-korea",
        "ri",
        "Kim asked only for partial sanctions relief in exchange for shutting down "
        "the North's main nuclear complex.",
        utc(2019, 2, 28, 17, 0),
    ),
    "test_halt": (
        "north-korea",
        "ri",
        "North Korea was ready to offer in writing a permanent halt of the country's nuclear "
        "and intercontinental ballistic missile tests.",
        utc(2019, 2, 28, 17, 0),
    ),
    "lost_will": (
        "north-korea",
        "choe",
        "Trump's reaction puzzled Kim, who \"may have lost his will (to continue) "
        'North Korea-U.S. dealings."',
        utc(2019, 2, 28, 17, 10),
    ),
}

# claim, source, stance, quote, observed_at
CORROBORATIONS = [
    (
        "all_sanctions",
        "ri",
        "contradicts",
        "They insisted Kim had asked only for partial sanctions relief in exchange for shutting "
        "down the North's main nuclear complex.",
        utc(2019, 2, 28, 17, 0),
    ),
    (
        "all_sanctions",
        "choe",
        "contradicts",
        "Two senior members of the North's delegation told reporters that was not what Kim had "
        "demanded.",
        utc(2019, 2, 28, 17, 5),
    ),
    (
        "all_sanctions",
        "us_official",
        "partly_supports",
        'The North Koreans "basically asked for the lifting of all sanctions."',
        utc(2019, 3, 1, 2, 0),
    ),
    (
        "all_sanctions",
        "us_official",
        "partly_contradicts",
        "But he acknowledged the North's demand was only for Washington to back the lifting of "
        "United Nations Security Council sanctions imposed since March 2016 and didn't include "
        "the other resolutions going back a decade more.",
        utc(2019, 3, 1, 2, 5),
    ),
    (
        "all_sanctions",
        "ap",
        "contradicts",
        "So who's telling the truth? In this case, it seems that the North Koreans are.",
        utc(2019, 3, 1, 6, 0),
    ),
    (
        "partial_relief",
        "ap",
        "supports",
        "In this case, it seems that the North Koreans are. And it's a demand they have been "
        "pushing for weeks in lower-level talks.",
        utc(2019, 3, 1, 6, 0),
    ),
    (
        "partial_relief",
        "us_official",
        "supports",
        "What Pyongyang was seeking, he said, was the lifting of sanctions that impede the "
        "civilian economy and the people's livelihood — as Ri had claimed.",
        utc(2019, 3, 1, 2, 5),
    ),
    (
        "partial_relief",
        "choe",
        "supports",
        "They insisted Kim had asked only for partial sanctions relief in exchange for shutting "
        "down the North's main nuclear complex.",
        utc(2019, 2, 28, 17, 5),
    ),
]


@dataclass(frozen=True)
class Loaded:
    dispute: Dispute
    added: int


@write_transaction()
def load() -> Loaded:
    """
    Write the story through the services, each record only if it is not
    there yet (idempotent): `manage.py load_hanoi`, which also publishes it.
    """
    added = 0
    parties = {}
    for data in PARTIES:
        party = Party.objects.filter(slug=data["slug"]).first()
        if party is None:
            party = source_services.create_party(by=None, **data)
            added += 1
        parties[data["slug"]] = party

    sources = {}
    for key, (name, kind, party_slug, anonymous, grade) in SOURCES.items():
        source = Source.objects.filter(name=name).first()
        if source is None:
            source = source_services.create_source(
                by=None,
                name=name,
                kind=kind,
                affiliation=parties[party_slug] if party_slug else None,
                is_anonymous=anonymous,
                reliability=grade,
                notes=SOURCE_NOTES[key],
            )
            added += 1
        sources[key] = source

    dispute = Dispute.objects.filter(slug=DISPUTE["slug"]).first()
    if dispute is None:
        dispute = services.create_dispute(by=None, **DISPUTE)
        added += 1

    accounts = {}
    for party_slug, summary in ACCOUNTS.items():
        account = Account.objects.filter(dispute=dispute, party=parties[party_slug]).first()
        if account is None:
            account = services.create_account(
                by=None, dispute=dispute, party=parties[party_slug], summary=summary
            )
            added += 1
        accounts[party_slug] = account

    claims = {}
    for key, (party_slug, speaker, text, stated_at) in CLAIMS.items():
        claim = Claim.objects.filter(account=accounts[party_slug], text=text).first()
        if claim is None:
            claim = services.create_claim(
                by=None,
                account=accounts[party_slug],
                text=text,
                speaker=sources[speaker],
                stated_at=stated_at,
            )
            added += 1
        claims[key] = claim

    for claim_key, source_key, stance, quote, observed_at in CORROBORATIONS:
        exists = Corroboration.objects.filter(
            claim=claims[claim_key], source=sources[source_key], quote=quote
        ).exists()
        if not exists:
            services.record_corroboration(
                claim=claims[claim_key],
                by=None,
                source=sources[source_key],
                stance=stance,
                quote=quote,
                observed_at=observed_at,
            )
            added += 1
    return Loaded(dispute=dispute, added=added)
