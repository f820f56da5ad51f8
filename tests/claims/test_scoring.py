"""
The credibility model on its own (claims/scoring.py): evidence in, score and
explanation out. No database here; the constants are the shipped ones from
settings.CLAIMDESK_SCORING, so these tests pin the model the product uses.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from claims.scoring import Evidence, score_account, score_claim, verdict_for

C = settings.CLAIMDESK_SCORING
US, NK, THIRD = 1, 2, 3
SPEAKER = 100
T0 = datetime(2019, 2, 28, 8, 0, tzinfo=UTC)


def item(
    id: int,
    source_id: int,
    stance: str = "supports",
    *,
    reliability: str = "B",
    party: int | None = None,
    anonymous: bool = False,
    root: int | None = None,
    minutes: int | None = None,
) -> Evidence:
    return Evidence(
        id=id,
        source_id=source_id,
        source_name=f"Source {source_id}",
        stance=stance,
        reliability=reliability,
        source_party_id=party,
        is_anonymous=anonymous,
        origin_root_id=source_id if root is None else root,
        observed_at=T0 + timedelta(minutes=id if minutes is None else minutes),
    )


def score(evidence, *, claim_party: int = US, speaker: int = SPEAKER, parties=(US, NK)):
    return score_claim(
        evidence,
        claim_party_id=claim_party,
        speaker_id=speaker,
        disputing_party_ids=parties,
        constants=C,
    )


def by_id(result, evidence_id: int):
    return next(i for i in result.items if i.evidence_id == evidence_id)


# No evidence, stance values, verdicts


def test_claim_without_evidence_scores_half_and_is_unverified():
    result = score([])
    assert result.score == 0.5
    assert result.verdict == "unverified"
    assert result.evidence_weight == 0
    assert result.items == ()


@pytest.mark.parametrize(
    "stance, support, contradiction",
    [
        ("supports", 0.8, 0.0),
        ("partly_supports", 0.4, 0.0),
        ("partly_contradicts", 0.0, 0.4),
        ("contradicts", 0.0, 0.8),
    ],
)
def test_each_stance_adds_its_value_times_the_weight(stance, support, contradiction):
    result = score([item(1, 1, stance)])  # independent B source: w = .8
    assert result.support == pytest.approx(support)
    assert result.contradiction == pytest.approx(contradiction)
    assert result.score == pytest.approx((1 + support) / (2 + support + contradiction))


def test_support_raises_and_contradiction_lowers_the_score_in_stance_order():
    scores = [score([item(1, 1, s)]).score for s in C["STANCE_VALUES"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0.5 > scores[-1]


@pytest.mark.parametrize(
    "value, verdict",
    [
        (1.0, "corroborated"),
        (0.75, "corroborated"),
        (0.7499, "mostly_corroborated"),
        (0.60, "mostly_corroborated"),
        (0.5999, "contested"),
        (0.5, "contested"),
        (0.4001, "contested"),
        (0.40, "mostly_contradicted"),
        (0.2501, "mostly_contradicted"),
        (0.25, "contradicted"),
        (0.0, "contradicted"),
    ],
)
def test_verdict_band_edges(value, verdict):
    assert verdict_for(value, has_evidence=True, bands=C["VERDICT_BANDS"]) == verdict


def test_no_evidence_is_unverified_whatever_the_number():
    assert verdict_for(0.9, has_evidence=False, bands=C["VERDICT_BANDS"]) == "unverified"


# Interest and anonymity


def test_self_serving_support_moves_the_score_less_than_independent_support():
    independent = score([item(1, 1, party=None)])
    self_serving = score([item(1, 1, party=US)])
    assert 0.5 < self_serving.score < independent.score
    assert by_id(self_serving, 1).k == C["INTEREST"]["self_serving"]
    assert "self-serving" in by_id(self_serving, 1).reason


def test_support_from_the_opposing_party_is_against_interest_and_moves_the_score_more():
    independent = score([item(1, 1, party=None)])
    against = score([item(1, 1, party=NK)])
    assert against.score > independent.score
    assert by_id(against, 1).k == C["INTEREST"]["against_interest"]
    assert "against interest" in by_id(against, 1).reason


def test_contradiction_from_the_claims_own_party_is_against_interest_and_moves_the_score_more():
    independent = score([item(1, 1, "contradicts", party=None)])
    against = score([item(1, 1, "contradicts", party=US)])
    assert against.score < independent.score
    assert by_id(against, 1).k == C["INTEREST"]["against_interest"]


def test_adversarial_contradiction_moves_the_score_less_than_independent_contradiction():
    independent = score([item(1, 1, "contradicts", party=None)])
    adversarial = score([item(1, 1, "contradicts", party=NK)])
    assert independent.score < adversarial.score < 0.5
    assert by_id(adversarial, 1).k == C["INTEREST"]["adversarial"]
    assert "adversarial" in by_id(adversarial, 1).reason


def test_a_party_outside_the_dispute_counts_as_independent():
    result = score([item(1, 1, party=THIRD)])
    assert by_id(result, 1).k == C["INTEREST"]["independent"]
    assert result.score == score([item(1, 1, party=None)]).score


def test_anonymous_source_weighs_less_by_the_anonymity_factor():
    named = score([item(1, 1, reliability="B")])
    anonymous = score([item(1, 1, reliability="B", anonymous=True)])
    assert by_id(anonymous, 1).a == C["ANONYMOUS_FACTOR"]
    assert by_id(anonymous, 1).w == pytest.approx(by_id(named, 1).w * C["ANONYMOUS_FACTOR"])
    assert 0.5 < anonymous.score < named.score


@pytest.mark.parametrize("grade", list(C["RELIABILITY"]))
def test_weight_is_reliability_times_interest_times_anonymity(grade):
    result = score([item(1, 1, reliability=grade, party=NK, anonymous=True)])
    explained = by_id(result, 1)
    r = C["RELIABILITY"][grade]
    assert (explained.r, explained.k, explained.a) == (
        r,
        C["INTEREST"]["against_interest"],
        C["ANONYMOUS_FACTOR"],
    )
    assert explained.w == pytest.approx(r * 1.5 * 0.7)
    assert result.support == pytest.approx(explained.w)


# Independence: one source once, one origin once


def test_a_second_item_from_the_same_source_counts_once_the_latest():
    result = score([item(1, 7, "supports"), item(2, 7, "contradicts")])
    assert result.support == 0
    assert result.contradiction == pytest.approx(0.8)
    assert by_id(result, 2).counted
    earlier = by_id(result, 1)
    assert not earlier.counted
    assert "superseded" in earlier.reason


def test_latest_means_latest_observed_not_latest_recorded():
    # Recorded second (higher id) but said first: the other item is the latest.
    result = score([item(1, 7, "supports", minutes=60), item(2, 7, "contradicts", minutes=0)])
    assert by_id(result, 1).counted
    assert not by_id(result, 2).counted


def test_repeating_the_same_evidence_does_not_count_twice():
    once = score([item(1, 7)])
    twice = score([item(1, 7), item(2, 7)])
    assert twice.score == once.score


def test_sources_sharing_an_origin_count_once_the_strongest():
    wire = item(1, 10, reliability="B")  # w .8
    reprint = item(2, 11, reliability="C", root=10)  # w .6, repeats the wire
    alone = score([wire])
    both = score([wire, reprint])
    assert both.score == alone.score
    assert by_id(both, 1).counted
    ignored = by_id(both, 2)
    assert not ignored.counted
    assert "shares its origin with Source 10" in ignored.reason


def test_the_stronger_copy_counts_instead_of_a_weaker_original():
    original = item(1, 10, reliability="D")  # w .4
    stronger_copy = item(2, 11, reliability="A", root=10)  # w .95
    result = score([original, stronger_copy])
    assert by_id(result, 2).counted
    assert not by_id(result, 1).counted
    assert result.support == pytest.approx(0.95)


def test_sources_with_different_origins_both_count():
    result = score([item(1, 10), item(2, 11)])
    assert result.support == pytest.approx(1.6)


# The speaker


def test_a_speakers_support_of_their_own_claim_is_ignored_with_a_reason():
    result = score([item(1, SPEAKER, "supports", party=US)])
    assert result.score == 0.5
    assert result.verdict == "unverified"
    speaker_item = by_id(result, 1)
    assert not speaker_item.counted
    assert "speaker" in speaker_item.reason


def test_support_from_a_copy_of_the_speaker_is_ignored_with_the_reason():
    # Source 7 repeats the speaker (its origin root is the speaker).
    result = score_claim(
        [item(1, 7, "supports", reliability="A", root=SPEAKER)],
        claim_party_id=US,
        speaker_id=SPEAKER,
        speaker_root_id=SPEAKER,
        disputing_party_ids=(US, NK),
        constants=C,
    )
    assert (result.score, result.verdict) == (0.5, "unverified")
    assert "shares its origin with the speaker" in by_id(result, 1).reason


def test_support_from_the_source_a_speaker_repeats_is_ignored():
    # The speaker repeats source 7: both chains end at 7.
    result = score_claim(
        [item(1, 7, "supports", reliability="A")],
        claim_party_id=US,
        speaker_id=SPEAKER,
        speaker_root_id=7,
        disputing_party_ids=(US, NK),
        constants=C,
    )
    assert not by_id(result, 1).counted


def test_a_copy_of_the_speaker_contradicting_still_counts():
    result = score_claim(
        [item(1, 7, "contradicts", root=SPEAKER)],
        claim_party_id=US,
        speaker_id=SPEAKER,
        speaker_root_id=SPEAKER,
        disputing_party_ids=(US, NK),
        constants=C,
    )
    assert by_id(result, 1).counted
    assert result.score < 0.5


def test_a_speakers_retraction_counts_as_contradiction_against_interest():
    result = score([item(1, SPEAKER, "contradicts", party=US, reliability="C")])
    retraction = by_id(result, 1)
    assert retraction.counted
    assert retraction.k == C["INTEREST"]["against_interest"]
    assert "retracts" in retraction.reason
    assert result.contradiction == pytest.approx(0.6 * 1.5)


def test_an_independent_speakers_retraction_is_still_against_interest():
    result = score([item(1, SPEAKER, "partly_contradicts", party=None, reliability="C")])
    assert by_id(result, 1).k == C["INTEREST"]["against_interest"]


def test_every_ignored_item_is_in_the_explanation_with_its_reason():
    evidence = [
        item(1, SPEAKER, "supports", party=US),  # speaker's own support
        item(2, 7, "supports"),  # superseded by 3
        item(3, 7, "partly_supports"),
        item(4, 10, "contradicts", reliability="A"),
        item(5, 11, "contradicts", reliability="E", root=10),  # a weaker copy of 10
    ]
    result = score(evidence)
    assert sorted(i.evidence_id for i in result.items) == [1, 2, 3, 4, 5]
    ignored = {i.evidence_id: i.reason for i in result.items if not i.counted}
    assert set(ignored) == {1, 2, 5}
    assert all(ignored.values())
    counted = [i for i in result.items if i.counted]
    assert result.support == pytest.approx(sum(i.support for i in counted))
    assert result.contradiction == pytest.approx(sum(i.contradiction for i in counted))


def test_explanation_reproduces_the_score_by_hand():
    result = score([item(1, 1, "supports"), item(2, 2, "contradicts", party=NK, reliability="C")])
    rows = [i.as_dict() for i in result.items if i.counted]
    support = sum(r["support"] for r in rows)
    contradiction = sum(r["contradiction"] for r in rows)
    assert (1 + support) / (2 + support + contradiction) == pytest.approx(result.score)
    assert rows[1]["w"] == pytest.approx(0.6 * 0.5)


def test_hanoi_us_claim_numbers():
    # The worked example of docs/scoring.md: US claim, party 1, speaker Trump (100).
    evidence = [
        item(1, 2, "contradicts", party=NK, reliability="C"),  # Ri
        item(2, 3, "contradicts", party=NK, reliability="C"),  # Choe
        item(3, 4, "partly_supports", party=US, reliability="B", anonymous=True),
        item(4, 4, "partly_contradicts", party=US, reliability="B", anonymous=True),
        item(5, 5, "contradicts", reliability="B"),  # AP
    ]
    result = score(evidence)
    assert result.contradiction == pytest.approx(1.82)
    assert result.score == pytest.approx(1 / 3.82)
    assert result.verdict == "mostly_contradicted"


# Accounts


def test_account_without_claims_is_unverified_at_half():
    result = score_account([], constants=C)
    assert (result.score, result.verdict, result.evidence_weight) == (0.5, "unverified", 0.0)


def test_account_with_only_untested_claims_is_unverified():
    result = score_account([(0.5, 0.0), (0.5, 0.0)], constants=C)
    assert (result.score, result.verdict) == (0.5, "unverified")


def test_account_score_is_the_mean_weighted_by_one_plus_evidence_weight():
    result = score_account([(0.736, 1.79), (0.5, 0.0), (0.5, 0.0)], constants=C)
    assert result.score == pytest.approx((0.736 * 2.79 + 0.5 + 0.5) / 4.79)
    assert result.evidence_weight == pytest.approx(1.79)
    assert result.verdict == "mostly_corroborated"


def test_well_evidenced_claims_count_more_in_the_account():
    tested_high = score_account([(0.9, 4.0), (0.3, 0.0)], constants=C)
    assert tested_high.score > (0.9 + 0.3) / 2


# Properties over random evidence lists

SOURCE_POOL = 8  # sources 0..7; source 0 is the claim's speaker
NEW_SOURCE = SOURCE_POOL  # a source no generated list uses yet
grades = st.sampled_from(sorted(C["RELIABILITY"]))
parties = st.sampled_from([None, US, NK, THIRD])
stances = st.sampled_from(sorted(C["STANCE_VALUES"]))
# Sources 3 and up may repeat one of sources 0-2, so origin groups happen and
# every chain ends at its root.
roots = st.sampled_from([None, 0, 1, 2])
claim_parties = st.sampled_from([US, NK])
source_traits = st.fixed_dictionaries(
    {"reliability": grades, "party": parties, "anonymous": st.booleans(), "root": roots}
)


def evidence_from(
    traits: dict, *, evidence_id: int, source: int, stance: str, minutes: int
) -> Evidence:
    root = traits["root"] if source >= 3 and traits["root"] is not None else source
    return item(
        evidence_id,
        source,
        stance,
        reliability=traits["reliability"],
        party=traits["party"],
        anonymous=traits["anonymous"],
        root=root,
        minutes=minutes,
    )


@st.composite
def evidence_lists(draw, min_size: int = 0) -> list[Evidence]:
    # Each source keeps one grade, party, anonymity and origin across its
    # items, as it does in the database.
    pool = draw(st.lists(source_traits, min_size=SOURCE_POOL, max_size=SOURCE_POOL))
    picks = draw(
        st.lists(
            st.tuples(st.integers(0, SOURCE_POOL - 1), stances, st.integers(0, 50)),
            min_size=min_size,
            max_size=12,
        )
    )
    return [
        evidence_from(
            pool[source], evidence_id=n + 1, source=source, stance=stance, minutes=minutes
        )
        for n, (source, stance, minutes) in enumerate(picks)
    ]


@st.composite
def new_source_items(draw, stance_names: list[str]):
    """One item from NEW_SOURCE; its id is given when it joins a list."""
    traits = draw(source_traits)
    stance, minutes = draw(st.sampled_from(stance_names)), draw(st.integers(0, 60))
    return lambda evidence_id: evidence_from(
        traits, evidence_id=evidence_id, source=NEW_SOURCE, stance=stance, minutes=minutes
    )


def score_as(evidence: list[Evidence], claim_party: int):
    return score(evidence, claim_party=claim_party, speaker=0)


@given(evidence_lists(), new_source_items(["supports", "partly_supports"]), claim_parties)
@hypothesis_settings(max_examples=300, deadline=None)
def test_support_from_a_new_source_never_lowers_the_score(evidence, new, claim_party):
    before = score_as(evidence, claim_party)
    after = score_as([*evidence, new(len(evidence) + 1)], claim_party)
    assert after.score >= before.score - 1e-12


@given(evidence_lists(), new_source_items(["contradicts", "partly_contradicts"]), claim_parties)
@hypothesis_settings(max_examples=300, deadline=None)
def test_contradiction_from_a_new_source_never_raises_the_score(evidence, new, claim_party):
    before = score_as(evidence, claim_party)
    after = score_as([*evidence, new(len(evidence) + 1)], claim_party)
    assert after.score <= before.score + 1e-12


@given(evidence_lists(), claim_parties)
@hypothesis_settings(max_examples=300, deadline=None)
def test_scores_stay_between_zero_and_one_and_verdicts_are_known(evidence, claim_party):
    result = score_as(evidence, claim_party)
    assert 0.0 <= result.score <= 1.0
    assert result.support >= 0 and result.contradiction >= 0
    assert result.verdict in {"unverified", *C["VERDICT_BANDS"], "contradicted"}


@given(evidence_lists(), claim_parties)
@hypothesis_settings(max_examples=200, deadline=None)
def test_every_item_is_explained_once_and_each_source_counts_at_most_once(evidence, claim_party):
    result = score_as(evidence, claim_party)
    assert sorted(i.evidence_id for i in result.items) == [e.id for e in evidence]
    assert all(i.reason for i in result.items)
    counted_sources = [i.source_id for i in result.items if i.counted]
    assert len(counted_sources) == len(set(counted_sources))


@given(evidence_lists(min_size=1), claim_parties, st.randoms(use_true_random=False))
@hypothesis_settings(max_examples=200, deadline=None)
def test_the_order_of_the_evidence_list_does_not_change_the_result(evidence, claim_party, rnd):
    shuffled = list(evidence)
    rnd.shuffle(shuffled)
    assert score_as(shuffled, claim_party) == score_as(evidence, claim_party)


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 20)), max_size=10))
def test_account_score_stays_within_its_claims_scores(pairs):
    result = score_account(pairs, constants=C)
    assert 0.0 <= result.score <= 1.0
    if pairs:
        low, high = min(s for s, _ in pairs), max(s for s, _ in pairs)
        assert low - 1e-9 <= result.score <= high + 1e-9
