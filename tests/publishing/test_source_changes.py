"""
Republishing tells partners which sources they now see otherwise, worked
out from the dispute's own rows (publishing.selectors.SourceChanges): the
feed's source events must be exactly those a full comparison of every
source partners read, before and after, finds.
"""

import pytest

from claims import services as claim_services
from claims.models import Claim, Corroboration
from publishing import services
from publishing.models import FeedEvent
from publishing.representation import SOURCE, render
from publishing.selectors import partner_sources
from tests.factories import SourceFactory, build_dispute


def published():
    dispute = build_dispute(parties=2, claims_per_account=2, evidence_per_claim=2)
    services.submit_for_review(dispute=dispute, by=None)
    services.publish(dispute=dispute, by=None)
    return dispute


def evidence_of(dispute):
    return Corroboration.objects.filter(claim__account__dispute=dispute).order_by("id")


def claims_of(dispute):
    return Claim.objects.filter(account__dispute=dispute).order_by("id")


def source_events_of_republishing(dispute, **publish):
    """The feed's source events of a republish, and those a full comparison expects."""
    before = partner_sources()
    newest = FeedEvent.objects.order_by("-id").values_list("id", flat=True).first()
    services.republish(dispute=dispute, by=None, **publish)
    after = partner_sources()
    expected = set()
    for pk in set(before) | set(after):
        if pk not in before:
            expected.add((pk, "created"))
        elif pk not in after:
            expected.add((pk, "deleted"))
        elif render(before[pk]) != render(after[pk]):
            expected.add((pk, "updated"))
    events = FeedEvent.objects.filter(id__gt=newest, object_type=SOURCE)
    return set(events.values_list("object_id", "action")), expected


# Each edit made on the desk between two publications, with another dispute
# citing the same source as the first one, so that the source's record and
# own fields come from both.
def rename_the_shared_source(dispute, other, shared):
    claim_services.update_source(source=shared, by=None, name="Renamed shared source")


def add_evidence_from_a_new_source(dispute, other, shared):
    claim_services.record_corroboration(
        claim=claims_of(dispute).first(),
        by=None,
        source=SourceFactory(),
        stance="supports",
        quote="A quote.",
    )


def add_evidence_from_the_shared_source(dispute, other, shared):
    claim_services.record_corroboration(
        claim=claims_of(dispute).last(),
        by=None,
        source=shared,
        stance="contradicts",
        quote="A quote.",
    )


def remove_the_only_evidence_of_a_source(dispute, other, shared):
    only = evidence_of(dispute).exclude(source=shared).first()
    claim_services.remove_corroboration(corroboration=only, by=None)


def remove_the_shared_sources_evidence(dispute, other, shared):
    for corroboration in evidence_of(dispute).filter(source=shared):
        claim_services.remove_corroboration(corroboration=corroboration, by=None)


def change_a_stance(dispute, other, shared):
    corroboration = evidence_of(dispute).filter(source=shared).first()
    claim_services.update_corroboration(
        corroboration=corroboration, by=None, stance="partly_contradicts"
    )


def move_a_verdict_without_touching_the_sources_evidence(dispute, other, shared):
    # New evidence on the claim the shared source backs: its verdict moves,
    # the shared source's evidence stays, its track record may not.
    claim = evidence_of(dispute).filter(source=shared).first().claim
    for _ in range(3):
        claim_services.record_corroboration(
            claim=claim, by=None, source=SourceFactory(), stance="contradicts", quote="A quote."
        )


def nothing(dispute, other, shared):
    pass


@pytest.mark.parametrize(
    "edit",
    [
        rename_the_shared_source,
        add_evidence_from_a_new_source,
        add_evidence_from_the_shared_source,
        remove_the_only_evidence_of_a_source,
        remove_the_shared_sources_evidence,
        change_a_stance,
        move_a_verdict_without_touching_the_sources_evidence,
        nothing,
    ],
)
def test_republishing_feeds_exactly_the_sources_partners_now_see_otherwise(db, edit):
    dispute, other = published(), published()
    shared = evidence_of(other).first().source
    # The shared source backs a claim of each dispute, and the other dispute
    # is republished last, so that its copy of the source is the newer one.
    claim_services.record_corroboration(
        claim=claims_of(dispute).first(),
        by=None,
        source=shared,
        stance="supports",
        quote="A quote.",
    )
    services.republish(dispute=dispute, by=None, note="First correction.")
    edit(dispute, other, shared)

    fed, expected = source_events_of_republishing(dispute, note="Corrected.")

    assert fed == expected


def test_a_source_renamed_since_the_other_dispute_was_published_is_updated(db):
    dispute, other = published(), published()
    shared = evidence_of(other).first().source
    claim_services.record_corroboration(
        claim=claims_of(dispute).first(),
        by=None,
        source=shared,
        stance="supports",
        quote="A quote.",
    )
    services.republish(dispute=dispute, by=None)
    claim_services.update_source(source=shared, by=None, name="Known by another name")

    fed, expected = source_events_of_republishing(dispute)

    assert (shared.pk, "updated") in fed
    assert fed == expected
