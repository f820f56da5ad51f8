"""
Workers and the sweep racing to release the same revision on PostgreSQL:
it is released once, and its events enter the feed once. (The SQLite path
runs two real workers on a file: test_worker.py.)
"""

from datetime import timedelta

from django.utils import timezone

from publishing import services
from publishing.models import FeedEvent, Revision
from tests.factories import build_dispute
from tests.test_concurrency import committed, postgres_only, run_together

RACERS = 6


@postgres_only
@committed
def test_racing_releases_release_once(editor):
    dispute = build_dispute(parties=2, claims_per_account=2, evidence_per_claim=1)
    services.submit_for_review(dispute=dispute, by=editor)
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    revision = services.publish(dispute=dispute, by=editor, embargo_until=ends, now=start)

    def race(n: int) -> int:
        if n % 2:
            return len(services.release_embargoed(now=ends))
        return int(services.release(revision=revision, now=ends))

    assert sum(run_together(race, RACERS)) == 1
    revision.refresh_from_db()
    assert (revision.state, revision.number) == (Revision.State.RELEASED, 1)
    assert FeedEvent.objects.filter(object_type="dispute", object_id=dispute.pk).count() == 1
    ids = list(FeedEvent.objects.order_by("at", "id").values_list("id", flat=True))
    assert ids == sorted(ids)
