"""Matching a speaker as written to the desk's sources, and proposing a new source."""

import time

import pytest

from intake.evaluation import synthetic_sources
from intake.speakers import (
    AUTO_MATCH,
    SourceCandidate,
    guess_new_source,
    match_speaker,
    prepare_candidates,
    romanisations,
)
from sources.models import SourceKind

TRUMP, RI, CHOE, US_OFFICIAL, AP, KIM, RI_SON_GWON, KIM_YO_JONG = range(1, 9)
DESK = [
    SourceCandidate(TRUMP, "Donald Trump", "official", "united-states", False, "President of the United States."),
    SourceCandidate(RI, "Ri Yong Ho", "official", "north-korea", False, "Foreign Minister of North Korea.", ("리용호",)),
    SourceCandidate(CHOE, "Choe Sun Hui", "official", "north-korea", False, "Vice Foreign Minister of North Korea."),
    SourceCandidate(US_OFFICIAL, "Senior U.S. official (unnamed)", "anonymous_official", "united-states", True),
    SourceCandidate(AP, "The Associated Press", "wire_service"),
    SourceCandidate(KIM, "Kim Jong Un", "official", "north-korea", False, "Leader of North Korea."),
]  # fmt: skip
TWO_RIS = [
    *DESK,
    SourceCandidate(RI_SON_GWON, "Ri Son Gwon", "official", "north-korea", False, "Foreign Minister of North Korea from 2020."),
    SourceCandidate(KIM_YO_JONG, "Kim Yo Jong", "official", "north-korea", False, "Vice department director, Workers' Party."),
]  # fmt: skip


def best(name, candidates=DESK):
    matches = match_speaker(name, candidates)
    return matches[0].candidate_id if matches and matches[0].score >= AUTO_MATCH else None


@pytest.mark.parametrize(
    "written, source",
    [
        ("Donald Trump", TRUMP),
        ("President Donald Trump", TRUMP),
        ("President Trump", TRUMP),
        ("Mr. Trump", TRUMP),
        ("Trump", TRUMP),
        ("Donald Trunp", TRUMP),
        ("Foreign Minister Ri Yong Ho", RI),
        ("North Korea’s Foreign Minister Ri Yong Ho", RI),
        ("Ri", RI),
        ("Vice Foreign Minister Choe Sun Hui", CHOE),
        ("Choe Son Hui", CHOE),
        ("the Associated Press", AP),
        ("a senior official", US_OFFICIAL),
        ("a senior U.S. official", US_OFFICIAL),
        ("North Korea's foreign minister", RI),
        ("리용호", RI),
        ("리용호 외무상", RI),
        ("리 외무상", RI),
        ("최선희 외무성 부상", CHOE),
        ("김정은 국무위원장", KIM),
    ],
)
def test_name_variants_find_their_source(written, source):
    assert best(written) == source


def test_a_surname_the_desk_knows_twice_is_not_guessed():
    matches = match_speaker("Ri", TWO_RIS)
    assert {m.candidate_id for m in matches} == {RI, RI_SON_GWON}
    assert all(m.score < AUTO_MATCH for m in matches)


def test_a_title_tells_two_people_of_one_surname_apart():
    assert best("리 외무상", TWO_RIS) == RI
    assert best("Kim Jong Un", TWO_RIS) == KIM


def test_no_match_for_someone_the_desk_does_not_know():
    assert best("Moon Jae-in") is None
    assert best("Officials") is None
    assert best("two senior members of the North’s delegation") is None


def test_a_named_person_is_not_matched_to_an_anonymous_source():
    assert US_OFFICIAL not in {m.candidate_id for m in match_speaker("Sung Kim", DESK)}


def test_bad_names_give_no_match():
    assert match_speaker("", DESK) == []
    assert match_speaker("   ", DESK) == []
    assert match_speaker("\x00\x01", DESK) == []
    assert match_speaker("Trump", []) == []


def test_a_name_in_hangul_finds_a_source_known_only_in_latin_letters():
    latin_only = [c for c in DESK if c.id != RI] + [SourceCandidate(RI, "Ri Yong Ho", "official")]
    assert best("리용호", latin_only) == RI
    assert best("최선희", latin_only) == CHOE
    assert best("김정은", latin_only) == KIM
    assert len(romanisations("이")) > 1  # Lee, Yi, Rhee …


def test_matching_against_five_thousand_sources_is_quick():
    index = prepare_candidates([*synthetic_sources(), *DESK])
    started = time.perf_counter()
    for name in ["Foreign Minister Ri Yong Ho", "Mr. Trump", "a senior official", "리 외무상"] * 5:
        match_speaker(name, index)
    assert (time.perf_counter() - started) / 20 < 0.05


def test_anonymous_official_from_the_wording_and_the_side_from_the_article():
    proposal = guess_new_source(
        "a senior official who briefed the media on condition he not be named because he was "
        "not authorized to discuss the negotiations publicly",
        "the North Koreans “basically asked for the lifting of all sanctions.”",
    )
    assert (proposal.kind, proposal.is_anonymous, proposal.affiliation) == (
        SourceKind.ANONYMOUS_OFFICIAL,
        True,
        "United States",
    )
    assert proposal.name == "Senior official (unnamed)"


@pytest.mark.parametrize(
    "phrase, name, kind, affiliation, anonymous",
    [
        (
            "a North Korean official",
            "North Korean official (unnamed)",
            SourceKind.ANONYMOUS_OFFICIAL,
            "North Korea",
            True,
        ),
        (
            "a senior U.S. official",
            "Senior U.S. official (unnamed)",
            SourceKind.ANONYMOUS_OFFICIAL,
            "United States",
            True,
        ),
        (
            "White House spokeswoman Sarah Sanders",
            "Sarah Sanders",
            SourceKind.SPOKESPERSON,
            "United States",
            False,
        ),
        ("Foreign Minister Ri Yong Ho", "Ri Yong Ho", SourceKind.OFFICIAL, None, False),
        ("Victor Cha, a Korea expert at CSIS", "Victor Cha", SourceKind.OTHER, None, False),
        (
            "the Korean Central News Agency",
            "Korean Central News Agency",
            SourceKind.WIRE_SERVICE,
            "North Korea",
            False,
        ),
        (
            "익명을 요구한 한 정부 관계자",
            "정부 관계자 (unnamed)",
            SourceKind.ANONYMOUS_OFFICIAL,
            None,
            True,
        ),
        ("북한 외무성 대변인", "북한 외무성 대변인", SourceKind.SPOKESPERSON, "North Korea", False),
    ],
)
def test_new_source_proposals(phrase, name, kind, affiliation, anonymous):
    proposal = guess_new_source(phrase)
    assert (proposal.name, proposal.kind, proposal.affiliation, proposal.is_anonymous) == (
        name,
        kind,
        affiliation,
        anonymous,
    )
    assert proposal.kind in SourceKind.values


def test_a_speaker_who_says_we_is_not_guessed_onto_the_other_side():
    proposal = guess_new_source("a senior official", "We asked the North Koreans for more.")
    assert proposal.affiliation is None


def test_a_proposal_for_nothing_is_still_a_proposal():
    proposal = guess_new_source("")
    assert proposal.kind == SourceKind.OTHER and proposal.is_anonymous is False
