"""
Publishing freezes a revision; partners read it until an editor republishes,
and are told about every change, in order, when it reaches them.
"""

import gc
import json
import time

import pytest
from django.core.exceptions import ValidationError

from claims import services as claim_services
from claims.models import Account, Claim, Corroboration
from publishing import selectors, services
from publishing.models import FeedEvent, Publication, Revision, RevisionObject
from tests.factories import SourceFactory, build_dispute
from tests.publishing.conftest import feed_after, feed_cursor, partner_view


def overturn(claim, by):
    """Independent, reliable sources contradicting the claim until its verdict changes."""
    before = claim.verdict
    while Claim.objects.get(pk=claim.pk).verdict == before:
        claim_services.record_corroboration(
            claim=claim,
            by=by,
            source=SourceFactory(reliability="A"),
            stance="contradicts",
            quote="That is not what happened.",
        )
    return Claim.objects.get(pk=claim.pk)


def first_claim(dispute):
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


# Frozen


def test_later_evidence_changes_nothing_partners_read(published, reporter):
    claim = first_claim(published)
    released = partner_view("claim", claim.pk)

    live = overturn(claim, reporter)

    assert partner_view("claim", claim.pk) == released
    assert released["credibility"]["verdict"] != live.verdict
    assert [item["id"] for item in released["corroborations"]] == list(
        Corroboration.objects.filter(claim=claim)
        .order_by("observed_at", "id")
        .values_list("id", flat=True)[: len(released["corroborations"])]
    )
    assert len(released["corroborations"]) < claim.corroborations.count()


def test_a_deleted_claim_stays_with_partners_until_republished(published, editor):
    claim = first_claim(published)
    claim_services.delete_claim(claim=claim, by=editor)
    assert partner_view("claim", claim.pk)["id"] == claim.pk


def test_partners_read_every_object_of_the_dispute_with_its_publication_fields(published):
    claim = first_claim(published)
    data = partner_view("claim", claim.pk)
    assert data["pub_status"] == "usable"
    assert data["version"] == 1
    assert data["first_published_at"] == data["version_created_at"]
    assert data["embargoed_until"] is None
    assert data["corrections"] == []
    dispute = partner_view("dispute", published.pk)
    assert [account["id"] for account in dispute["accounts"]] == list(
        Account.objects.filter(dispute=published)
        .order_by("party__name", "id")
        .values_list("id", flat=True)
    )
    for corroboration in claim.corroborations.all():
        assert partner_view("corroboration", corroboration.pk)["claim"] == claim.pk
        assert partner_view("source", corroboration.source_id)["id"] == corroboration.source_id


def test_a_claims_detail_adds_its_frozen_explanation(published, reporter):
    claim = first_claim(published)
    row = selectors.partner_object("claim", claim.pk)
    before = json.loads(selectors.partner_detail(row))["explanation"]
    overturn(claim, reporter)

    detail = json.loads(selectors.partner_detail(selectors.partner_object("claim", claim.pk)))

    assert detail["explanation"] == before
    assert detail["explanation"]["verdict"] == detail["credibility"]["verdict"]
    assert "explanation" not in partner_view("claim", claim.pk)


def test_partner_filters_read_the_released_values(published, reporter):
    claim = first_claim(published)
    released_verdict = claim.verdict
    live = overturn(claim, reporter)

    by_released = selectors.partner_claims(verdict=released_verdict)
    by_live = selectors.partner_claims(verdict=live.verdict)

    assert claim.pk in by_released.values_list("object_id", flat=True)
    assert claim.pk not in by_live.values_list("object_id", flat=True)
    assert selectors.partner_claims(dispute=published.slug).count() == 4
    assert selectors.partner_claims(dispute="no-such-dispute").count() == 0
    assert (
        selectors.partner_claims(min_score=claim.score, max_score=claim.score)
        .filter(object_id=claim.pk)
        .exists()
    )


# What republishing would change


def test_the_diff_names_moving_verdicts_and_new_and_gone_evidence(published, reporter, editor):
    claim = first_claim(published)
    removed = claim.corroborations.order_by("id").first()
    claim_services.remove_corroboration(corroboration=removed, by=editor)
    live = overturn(claim, reporter)

    diff = selectors.partner_diff(published)

    [move] = [move for move in diff.moves if move.object_type == "claim"]
    assert (move.object_id, move.verdict_before, move.verdict_after) == (
        claim.pk,
        claim.verdict,
        live.verdict,
    )
    assert move.score_before == claim.score and move.score_after == live.score
    assert set(diff.new_evidence) == set(
        live.corroborations.exclude(
            pk__in=RevisionObject.objects.filter(object_type="corroboration").values("object_id")
        ).values_list("pk", flat=True)
    )
    assert diff.gone_evidence == [removed.pk]
    assert diff.needs_correction


def test_the_diff_is_empty_when_nothing_changed(published):
    diff = selectors.partner_diff(published)
    assert not diff
    assert not diff.needs_correction


def test_new_evidence_that_moves_no_verdict_needs_no_correction(published, reporter):
    claim = first_claim(published)
    claim_services.record_corroboration(
        claim=claim,
        by=reporter,
        source=claim.corroborations.first().source,
        stance=claim.corroborations.first().stance,
        quote="Said again, the same way.",
    )
    diff = selectors.partner_diff(published)
    assert diff.new_evidence and not diff.verdict_moves
    assert not diff.needs_correction


# Corrections


def test_republishing_a_changed_verdict_needs_a_correction_note(published, reporter, editor):
    overturn(first_claim(published), reporter)
    revisions = Revision.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.republish(dispute=published, by=editor)

    assert "note" in refused.value.message_dict
    assert (
        "correction" in refused.value.message_dict["note"][0]
        or "corrected" in (refused.value.message_dict["note"][0])
    )
    assert Revision.objects.count() == revisions


def test_republishing_with_a_note_shows_partners_the_new_verdict_and_the_correction(
    published, reporter, editor
):
    claim = first_claim(published)
    untouched = Claim.objects.filter(account__dispute=published).order_by("id").last()
    live = overturn(claim, reporter)

    revision = services.republish(
        dispute=published, by=editor, note="New evidence contradicts the claim."
    )

    data = partner_view("claim", claim.pk)
    assert data["credibility"]["verdict"] == live.verdict
    assert data["version"] == revision.number == 2
    assert [c["note"] for c in data["corrections"]] == ["New evidence contradicts the claim."]
    assert partner_view("dispute", published.pk)["corrections"] == data["corrections"]
    # A claim partners already had, unchanged, keeps its JSON and its version.
    assert partner_view("claim", untouched.pk)["version"] == 1
    assert partner_view("claim", untouched.pk)["corrections"] == []


def test_corrections_accumulate(published, reporter, editor):
    claims = list(Claim.objects.filter(account__dispute=published).order_by("id"))
    overturn(claims[0], reporter)
    services.republish(dispute=published, by=editor, note="First correction.")
    overturn(claims[1], reporter)
    services.republish(dispute=published, by=editor, note="Second correction.")

    dispute = partner_view("dispute", published.pk)
    assert [c["note"] for c in dispute["corrections"]] == [
        "First correction.",
        "Second correction.",
    ]
    assert dispute["version"] == 3
    assert [c["note"] for c in partner_view("claim", claims[0].pk)["corrections"]] == [
        "First correction."
    ]
    assert [c["note"] for c in partner_view("claim", claims[1].pk)["corrections"]] == [
        "Second correction."
    ]


def test_a_revision_partners_have_not_seen_has_nothing_to_correct(in_review, editor):
    from tests.publishing.conftest import soon

    services.publish(dispute=in_review, by=editor, embargo_until=soon())

    with pytest.raises(ValidationError) as refused:
        services.republish(dispute=in_review, by=editor, note="A correction of nothing.")

    assert "nothing to correct" in refused.value.message_dict["note"][0]


# The feed


def test_the_first_release_writes_the_dispute_then_its_objects_parents_first(in_review, editor):
    cursor = feed_cursor()
    services.publish(dispute=in_review, by=editor)

    events = feed_after(cursor)
    assert events[0] == ("dispute", in_review.pk, "created", "published")
    types = [object_type for object_type, *_ in events[1:]]
    assert types == sorted(types, key=["account", "source", "claim", "corroboration"].index)
    assert {action for _, _, action, _ in events[1:]} == {"created"}
    assert types.count("claim") == 4 and types.count("account") == 2
    ids = list(FeedEvent.objects.filter(id__gt=cursor).values_list("id", flat=True))
    assert ids == sorted(ids)


def test_a_republish_tells_partners_only_what_changed(published, reporter, editor):
    claim = first_claim(published)
    new_source = SourceFactory(reliability="A")
    claim_services.record_corroboration(
        claim=claim, by=reporter, source=new_source, stance="supports", quote="Quite right."
    )
    cursor = feed_cursor()
    diff = selectors.partner_diff(published)

    services.republish(
        dispute=published, by=editor, note="More evidence." if diff.needs_correction else ""
    )

    events = feed_after(cursor)
    assert events[0][:3] == ("dispute", published.pk, "updated")
    rest = set(events[1:])
    new = claim.corroborations.get(source=new_source)
    assert ("corroboration", new.pk, "created", "") in rest
    assert ("claim", claim.pk, "updated", "") in rest
    assert ("source", new_source.pk, "created", "") in rest
    assert ("account", claim.account_id, "updated", "") in rest
    untouched = Claim.objects.filter(account__dispute=published).exclude(pk=claim.pk)
    assert not {("claim", other.pk, "updated", "") for other in untouched} & rest


def test_pausing_withholds_and_resuming_shows_again(published, editor):
    cursor = feed_cursor()
    services.pause(dispute=published, by=editor, note="Legal is looking at it.")

    events = feed_after(cursor)
    assert events[0] == ("dispute", published.pk, "updated", "withheld")
    assert FeedEvent.objects.get(id=cursor + 1).note == "Legal is looking at it."
    assert {action for _, _, action, _ in events[1:]} == {"deleted"}
    assert partner_view("claim", first_claim(published).pk) is None
    assert not selectors.partner_claims(dispute=published.slug).exists()
    publication, text = selectors.partner_dispute(published.slug)
    tombstone = json.loads(text)
    assert tombstone["pub_status"] == "withheld" and "accounts" not in tombstone

    cursor = feed_cursor()
    services.resume(dispute=published, by=editor)

    events = feed_after(cursor)
    assert events[0] == ("dispute", published.pk, "updated", "published")
    assert {action for _, _, action, _ in events[1:]} == {"created"}
    assert partner_view("claim", first_claim(published).pk)["version"] == 1


def test_retracting_cancels_with_its_note(published, editor):
    cursor = feed_cursor()
    services.retract(dispute=published, by=editor, note="The story did not hold up.")

    event = FeedEvent.objects.get(id=cursor + 1)
    assert (event.object_type, event.event, event.note) == (
        "dispute",
        "canceled",
        "The story did not hold up.",
    )
    _, text = selectors.partner_dispute(published.slug)
    assert json.loads(text)["pub_status"] == "canceled"
    assert json.loads(text)["retraction"]["note"] == "The story did not hold up."
    assert not selectors.visible("claim").exists()


def test_retracting_a_paused_dispute_only_says_it_is_canceled(paused, editor):
    cursor = feed_cursor()
    services.retract(dispute=paused, by=editor, note="Gone for good.")
    assert feed_after(cursor) == [("dispute", paused.pk, "updated", "canceled")]


def test_a_source_two_disputes_cite_stays_while_one_is_paused(published, editor):
    # The same source gives evidence in both disputes.
    shared = Corroboration.objects.filter(claim__account__dispute=published).first().source
    other = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    claim_services.record_corroboration(
        claim=first_claim(other), by=editor, source=shared, stance="supports", quote="Yes."
    )
    services.submit_for_review(dispute=other, by=editor)
    services.publish(dispute=other, by=editor)
    cursor = feed_cursor()

    services.pause(dispute=published, by=editor)

    events = feed_after(cursor)
    assert ("source", shared.pk, "updated", "") in events
    assert ("source", shared.pk, "deleted", "") not in events
    source = selectors.partner_sources([shared.pk])[shared.pk]
    assert [item["claim"] for item in source["corroborations"]] == [first_claim(other).pk]


# Cost


# Each query of publish(), whatever the dispute's size: its lock, the freeze
# (seven), the previous release, the revision and its rows, the release (with
# the other disputes' copies of its sources) and its feed, the publication
# and its history, the change log.
PUBLISH_QUERIES = 21


@pytest.mark.parametrize(("claims", "evidence"), [(1, 1), (3, 2)])
def test_publishing_a_dispute_costs_a_fixed_number_of_queries(
    editor, django_assert_num_queries, claims, evidence
):
    from django.db import connection

    dispute = build_dispute(parties=2, claims_per_account=claims, evidence_per_claim=evidence)
    services.submit_for_review(dispute=dispute, by=editor)
    # PostgreSQL's writes also queue on the change log's advisory lock.
    expected = PUBLISH_QUERIES + (connection.vendor == "postgresql")

    with django_assert_num_queries(expected):
        services.publish(dispute=dispute, by=editor)


def test_publishing_fifty_claims_takes_under_200_ms(editor):
    dispute = build_dispute(parties=2, claims_per_account=25, evidence_per_claim=3)
    services.submit_for_review(dispute=dispute, by=editor)

    # The test process's heap (every test module, hypothesis, the factories)
    # is far larger than a web process's: collect it first, so that a full
    # collection of it does not land inside the measurement.
    gc.collect()
    started = time.perf_counter()
    services.publish(dispute=dispute, by=editor)
    elapsed = time.perf_counter() - started

    assert (
        Publication.objects.get(dispute=dispute).released.rows.filter(object_type="claim").count()
        == 50
    )
    assert elapsed < 0.2, f"publishing 50 claims took {elapsed * 1000:.0f} ms"
