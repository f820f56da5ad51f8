"""
The issue's check, at the floor below the API: a partner polling the feed
from zero while a dispute is drafted, published under a 60-second embargo,
contradicted, and republished with a correction.
"""

from datetime import timedelta

from django.utils import timezone

from claims import services as claim_services
from claims.models import Claim
from publishing import selectors, services
from publishing.models import FeedEvent
from tests.factories import SourceFactory, build_dispute
from tests.publishing.conftest import partner_view


class Partner:
    """Follows the feed with a cursor, as a partner's CMS would."""

    def __init__(self):
        self.cursor = 0
        self.seen = []

    def poll(self):
        events = list(FeedEvent.objects.filter(id__gt=self.cursor).order_by("id"))
        if events:
            self.cursor = events[-1].id
        self.seen += events
        return events


def test_draft_embargo_contradiction_and_correction(db, reporter, editor):
    partner = Partner()
    start = timezone.now()
    dispute = build_dispute(parties=2, claims_per_account=2, evidence_per_claim=1)
    claim = Claim.objects.filter(account__dispute=dispute).order_by("id").first()
    claim_services.update_claim(claim=claim, by=reporter, text="A half-checked claim.")
    assert partner.poll() == [] and partner_view("claim", claim.pk) is None

    services.submit_for_review(dispute=dispute, by=reporter)
    ends = start + timedelta(seconds=60)
    services.publish(dispute=dispute, by=editor, embargo_until=ends, now=start)
    assert services.release_embargoed(now=start + timedelta(seconds=59)) == []
    assert partner.poll() == [] and partner_view("claim", claim.pk) is None

    services.release_embargoed(now=ends)
    released = partner.poll()
    assert (released[0].object_type, released[0].event) == ("dispute", "published")
    assert [e.id for e in released] == sorted(e.id for e in released)
    assert services.release_embargoed(now=ends + timedelta(seconds=5)) == []
    assert partner.poll() == []
    given = partner_view("claim", claim.pk)

    before = Claim.objects.get(pk=claim.pk).verdict
    while Claim.objects.get(pk=claim.pk).verdict == before:
        claim_services.record_corroboration(
            claim=claim,
            by=reporter,
            source=SourceFactory(reliability="A"),
            stance="contradicts",
            quote="It did not happen.",
        )
    assert partner_view("claim", claim.pk) == given and partner.poll() == []
    assert selectors.partner_diff(dispute).needs_correction

    services.republish(dispute=dispute, by=editor, note="Contradicted by new reporting.")

    corrected = partner.poll()
    assert (corrected[0].event, corrected[0].note) == (
        "corrected",
        "Contradicted by new reporting.",
    )
    now = partner_view("claim", claim.pk)
    assert now["credibility"]["verdict"] == Claim.objects.get(pk=claim.pk).verdict != before
    assert [c["note"] for c in now["corrections"]] == ["Contradicted by new reporting."]
    assert [e.event for e in partner.seen if e.object_type == "dispute"] == [
        "published",
        "corrected",
    ]
