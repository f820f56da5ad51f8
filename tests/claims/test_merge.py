"""Merging one source into another: what moves, what is rescored, what the log and history say."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from changelog.models import Change
from changelog.writes import StaleObjectError
from claims import services
from claims.models import Claim, Corroboration
from claims.selectors import explain_claim
from sources.models import Source
from tests.factories import ClaimFactory, SourceFactory


@pytest.fixture
def duplicate(hanoi):
    """A second record of the AP, under another name, with evidence, a claim and a copy."""
    dup = SourceFactory(name="AP wire", kind="wire_service", reliability="B")
    evidence = services.record_corroboration(
        claim=hanoi.us_claim,
        by=None,
        source=dup,
        stance="contradicts",
        quote="Kim asked for partial relief.",
        observed_at=hanoi.dispute.created_at - timedelta(days=1),
    )
    spoken = ClaimFactory(account=hanoi.us_account, speaker=dup, text="The talks ended early.")
    copy = SourceFactory(name="Hanoi Daily", origin=dup)
    return dup, evidence, spoken, copy


def test_merge_moves_evidence_claims_and_copies_and_deletes_the_source(hanoi, duplicate, editor):
    dup, evidence, spoken, copy = duplicate

    kept = services.merge_sources(source=dup, into=hanoi.ap, by=editor)

    assert kept == hanoi.ap
    assert not Source.objects.filter(pk=dup.pk).exists()
    assert Corroboration.objects.get(pk=evidence.pk).source_id == hanoi.ap.pk
    assert Claim.objects.get(pk=spoken.pk).speaker_id == hanoi.ap.pk
    assert Source.objects.get(pk=copy.pk).origin_id == hanoi.ap.pk
    assert Corroboration.objects.count() == hanoi.corroboration_count + 1


def test_after_a_merge_every_stored_score_is_what_a_recompute_gives(hanoi, duplicate, editor):
    dup, *_ = duplicate

    services.merge_sources(source=dup, into=hanoi.ap, by=editor)

    assert services.recompute_all(fix=False) == []


def test_where_both_spoke_on_a_claim_the_merged_source_counts_once_its_latest(hanoi, editor):
    # The AP already has its word on the NK claim; the duplicate said the opposite, earlier.
    ap_item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    dup = SourceFactory(name="AP wire", kind="wire_service", reliability="B")
    older = services.record_corroboration(
        claim=hanoi.nk_claim,
        by=None,
        source=dup,
        stance="contradicts" if ap_item.is_support else "supports",
        quote="An earlier, opposite report.",
        observed_at=ap_item.observed_at - timedelta(hours=1),
    )
    hanoi.nk_claim.refresh_from_db()
    score_before_merge = hanoi.nk_claim.score

    services.merge_sources(source=dup, into=hanoi.ap, by=editor)

    hanoi.nk_claim.refresh_from_db()
    items = {item.evidence_id: item for item in explain_claim(hanoi.nk_claim).items}
    assert items[ap_item.pk].counted
    assert not items[older.pk].counted
    assert items[older.pk].reason == "superseded by a later item from the same source"
    # Both items are kept; only one counts, so the score is the AP's alone again.
    assert Corroboration.objects.filter(claim=hanoi.nk_claim, source=hanoi.ap).count() == 2
    assert hanoi.nk_claim.score != score_before_merge
    assert services.recompute_all(fix=False) == []


def test_the_change_log_shows_the_moves_and_the_deletion(hanoi, duplicate, editor, api_as, viewer):
    dup, evidence, spoken, copy = duplicate
    cursor = Change.latest_id()

    services.merge_sources(source=dup, into=hanoi.ap, by=editor)

    events = api_as(viewer).get(f"/api/v1/changes/?since={cursor}&limit=1000").json()["results"]
    seen = {(e["action"], e["object_type"], e["object_id"]) for e in events}
    assert ("updated", "corroboration", evidence.pk) in seen
    assert ("updated", "claim", spoken.pk) in seen
    assert ("updated", "source", copy.pk) in seen
    assert ("updated", "source", hanoi.ap.pk) in seen
    assert ("deleted", "source", dup.pk) in seen
    deletion = next(e for e in events if e["action"] == "deleted")
    assert deletion["url"] is None
    assert "AP wire merged into The Associated Press" in deletion["summary"]
    assert Change.objects.filter(pk__gt=cursor).exclude(actor=editor).count() == 0


def test_the_history_says_who_merged_what(hanoi, duplicate, editor):
    dup, evidence, spoken, copy = duplicate

    services.merge_sources(source=dup, into=hanoi.ap, by=editor)

    moved = Corroboration.objects.get(pk=evidence.pk).history.first()
    assert (moved.history_user, moved.source_id) == (editor, hanoi.ap.pk)
    assert Claim.objects.get(pk=spoken.pk).history.first().history_user == editor
    assert Source.objects.get(pk=copy.pk).history.first().history_user == editor
    removed = Source.history.filter(id=dup.pk).first()
    assert (removed.history_type, removed.history_user) == ("-", editor)


def _snapshot():
    return (
        sorted(Corroboration.objects.values_list("pk", "source_id", "version")),
        sorted(Claim.objects.values_list("pk", "speaker_id", "score", "version")),
        sorted(Source.objects.values_list("pk", "origin_id", "version")),
        Change.latest_id(),
    )


def test_merging_a_source_into_itself_is_refused_and_changes_nothing(hanoi, editor):
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        services.merge_sources(source=hanoi.ap, into=hanoi.ap, by=editor)

    assert refused.value.message_dict == {"into": ["A source cannot be merged into itself."]}
    assert _snapshot() == before


def test_merging_a_source_into_one_of_its_copies_is_refused_and_changes_nothing(hanoi, editor):
    copy = SourceFactory(name="Hanoi Daily", origin=hanoi.ap)
    copy_of_copy = SourceFactory(name="Hanoi Weekly", origin=copy)
    before = _snapshot()

    for target in (copy, copy_of_copy):
        with pytest.raises(ValidationError) as refused:
            services.merge_sources(source=hanoi.ap, into=target, by=editor)
        assert "it is one of its copies" in refused.value.message_dict["into"][0]

    assert _snapshot() == before


@pytest.mark.parametrize("stale", ["source", "into"])
def test_a_merge_of_versions_that_have_moved_on_is_refused_and_changes_nothing(
    hanoi, duplicate, editor, stale
):
    dup, *_ = duplicate
    seen = {"expected_version": dup.version, "expected_into_version": hanoi.ap.version}
    services.update_source(source=dup if stale == "source" else hanoi.ap, by=editor, notes="Seen.")
    before = _snapshot()

    with pytest.raises(StaleObjectError):
        services.merge_sources(source=dup, into=hanoi.ap, by=editor, **seen)

    assert _snapshot() == before


def test_a_merge_of_the_versions_shown_goes_ahead(hanoi, duplicate, editor):
    dup, *_ = duplicate

    services.merge_sources(
        source=dup,
        into=hanoi.ap,
        by=editor,
        expected_version=dup.version,
        expected_into_version=hanoi.ap.version,
    )

    assert not Source.objects.filter(pk=dup.pk).exists()


def test_merging_a_copy_into_its_origin_is_allowed(hanoi, editor):
    copy = SourceFactory(name="Hanoi Daily", origin=hanoi.ap)

    services.merge_sources(source=copy, into=hanoi.ap, by=editor)

    assert not Source.objects.filter(pk=copy.pk).exists()


def test_a_merge_that_would_make_a_speaker_support_their_own_claim_is_refused(hanoi, editor):
    # The duplicate supports a claim Trump made; merging it into Trump would
    # make him corroborate himself.
    dup = SourceFactory(name="D. Trump", reliability="C")
    services.record_corroboration(
        claim=hanoi.us_claim, by=None, source=dup, stance="supports", quote="He said so."
    )
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        services.merge_sources(source=dup, into=hanoi.trump, by=editor)

    assert f"claim(s) {hanoi.us_claim.pk}" in refused.value.message_dict["into"][0]
    assert _snapshot() == before
