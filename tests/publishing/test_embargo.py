"""
An embargo holds a revision back from partners until its time: then a
scheduled job releases it, or the sweep, if the job was lost; never early,
and once however many try.
"""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from claims.models import Claim
from publishing import selectors, services
from publishing.models import Publication, Revision
from publishing.tasks import release_embargoed_revisions
from tests.factories import CorroborationFactory
from tests.publishing.conftest import feed_after, feed_cursor, partner_view, soon

DATABASE_JOBS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def first_claim(dispute):
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


def revision_of(dispute):
    return Revision.objects.filter(publication__dispute=dispute).order_by("-id").first()


# Refused embargoes


@pytest.mark.parametrize(
    "embargo",
    [timezone.now() - timedelta(seconds=1), "now"],
    ids=["past", "now"],
)
def test_an_embargo_must_end_in_the_future(in_review, editor, embargo):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.publish(
            dispute=in_review,
            by=editor,
            embargo_until=now if embargo == "now" else embargo,
            now=now,
        )
    assert list(refused.value.message_dict) == ["embargo_until"]
    assert "not in the future" in refused.value.message_dict["embargo_until"][0]
    assert Publication.objects.get(dispute=in_review).state == "in_review"
    assert not Revision.objects.exists()


def test_an_embargo_without_a_time_zone_is_refused(in_review, editor):
    naive = (timezone.now() + timedelta(hours=1)).replace(tzinfo=None)
    with pytest.raises(ValidationError) as refused:
        services.publish(dispute=in_review, by=editor, embargo_until=naive)
    assert list(refused.value.message_dict) == ["embargo_until"]
    assert not Revision.objects.exists()


# Until it ends


def test_partners_see_nothing_of_a_first_publication_under_embargo(in_review, editor):
    cursor = feed_cursor()
    services.publish(dispute=in_review, by=editor, embargo_until=soon())

    assert Publication.objects.get(dispute=in_review).state == "published"
    assert partner_view("dispute", in_review.pk) is None
    assert partner_view("claim", first_claim(in_review).pk) is None
    assert selectors.partner_dispute(in_review.slug) is None
    assert feed_after(cursor) == []
    assert revision_of(in_review).state == "pending"


def test_a_republished_dispute_shows_its_previous_revision_until_the_embargo_ends(
    published, editor, reporter
):
    claim = first_claim(published)
    before = partner_view("claim", claim.pk)
    CorroborationFactory(claim=claim, stance="supports")
    cursor = feed_cursor()

    services.republish(dispute=published, by=editor, embargo_until=soon(), note="More evidence.")

    assert partner_view("claim", claim.pk) == before
    assert feed_after(cursor) == []


# When it ends


def test_the_sweep_releases_at_the_embargo_never_before(in_review, editor):
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    services.publish(dispute=in_review, by=editor, embargo_until=ends, now=start)

    assert services.release_embargoed(now=ends - timedelta(seconds=1)) == []
    assert partner_view("dispute", in_review.pk) is None

    [released] = services.release_embargoed(now=ends)

    assert released.number == 1 and released.released_at == ends
    data = partner_view("dispute", in_review.pk)
    assert data["embargoed_until"] == ends.isoformat().replace("+00:00", "Z")
    assert data["first_published_at"] == data["embargoed_until"]
    assert data["version_created_at"] == start.isoformat().replace("+00:00", "Z")


def test_the_feed_gets_the_events_at_release_after_what_came_meanwhile(in_review, editor, hanoi):
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    services.publish(dispute=in_review, by=editor, embargo_until=ends, now=start)
    # Meanwhile another dispute changes for partners.
    services.pause(dispute=hanoi.dispute, by=editor, now=start + timedelta(minutes=5))
    meanwhile = feed_cursor()

    services.release_embargoed(now=ends)

    events = feed_after(meanwhile)
    assert events[0] == ("dispute", in_review.pk, "created", "published")
    assert len(events) > 1
    assert not [e for e in feed_after(0) if e[0] == "dispute" and e[1] == in_review.pk][1:]


def test_releasing_twice_releases_once(in_review, editor):
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    revision = services.publish(dispute=in_review, by=editor, embargo_until=ends, now=start)

    assert services.release(revision=revision, now=ends) is True
    cursor = feed_cursor()
    assert services.release(revision=revision, now=ends + timedelta(seconds=1)) is False
    assert services.release_embargoed(now=ends + timedelta(minutes=1)) == []

    assert feed_after(cursor) == []
    revision.refresh_from_db()
    assert (revision.state, revision.number, revision.released_at) == ("released", 1, ends)


def test_a_revision_is_never_released_early_even_when_asked_directly(in_review, editor):
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    revision = services.publish(dispute=in_review, by=editor, embargo_until=ends, now=start)

    assert services.release(revision=revision, now=ends - timedelta(microseconds=1)) is False
    assert revision_of(in_review).state == "pending"


def test_pausing_during_the_embargo_drops_the_revision(in_review, editor):
    start = timezone.now()
    ends = start + timedelta(minutes=10)
    services.publish(dispute=in_review, by=editor, embargo_until=ends, now=start)
    services.pause(dispute=in_review, by=editor, now=start + timedelta(minutes=1))
    services.resume(dispute=in_review, by=editor, now=start + timedelta(minutes=2))

    assert services.release_embargoed(now=ends) == []
    assert revision_of(in_review).state == "dropped"
    assert partner_view("dispute", in_review.pk) is None


def test_republishing_during_the_embargo_replaces_the_pending_revision(in_review, editor):
    start = timezone.now()
    services.publish(dispute=in_review, by=editor, embargo_until=start + timedelta(minutes=10))
    services.republish(dispute=in_review, by=editor, embargo_until=start + timedelta(minutes=20))

    assert services.release_embargoed(now=start + timedelta(minutes=15)) == []
    [released] = services.release_embargoed(now=start + timedelta(minutes=20))

    assert released.number == 1  # numbered at release: partners see no gap
    assert list(
        Revision.objects.filter(publication__dispute=in_review)
        .order_by("id")
        .values_list("state", flat=True)
    ) == ["dropped", "released"]


def test_the_sweep_command_releases_what_is_due(in_review, editor, capsys):
    revision = services.publish(dispute=in_review, by=editor, embargo_until=soon(minutes=1))
    Revision.objects.filter(pk=revision.pk).update(
        embargoed_until=timezone.now() - timedelta(seconds=1)
    )

    call_command("release_embargoed")

    assert "Released 1 revision(s)." in capsys.readouterr().out
    assert partner_view("dispute", in_review.pk)["version"] == 1


# The scheduled job


def test_publishing_under_embargo_schedules_a_release_job_at_its_end_on_commit(
    in_review, editor, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_JOBS
    ends = soon()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publish(dispute=in_review, by=editor, embargo_until=ends)
        # Not before the write commits: a worker could not see it yet.
        assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()

    [job] = DBTaskResult.objects.all()
    assert job.task_path == "publishing.tasks.release_embargoed_revisions"
    assert job.run_after == ends
    assert not DBTaskResult.objects.ready().exists()


def test_no_job_is_scheduled_for_a_publication_that_rolled_back(
    in_review, editor, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_JOBS

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.publish(dispute=in_review, by=editor, embargo_until=soon())
            raise RuntimeError("something after it failed")

    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    assert not Revision.objects.exists()
    assert Publication.objects.get(dispute=in_review).state == "in_review"


def test_the_job_releases_when_it_runs_after_the_embargo_and_not_before(in_review, editor):
    ends = timezone.now() + timedelta(seconds=1)
    services.publish(dispute=in_review, by=editor, embargo_until=ends)

    early = release_embargoed_revisions.call()
    assert early == [] and partner_view("dispute", in_review.pk) is None

    time.sleep(max((ends - timezone.now()).total_seconds(), 0) + 0.05)
    assert release_embargoed_revisions.call() == [revision_of(in_review).pk]
    assert partner_view("dispute", in_review.pk)["version"] == 1


def test_with_jobs_run_at_once_the_early_job_does_nothing(
    in_review, editor, django_capture_on_commit_callbacks
):
    # The tests' backend cannot defer a job: it runs as the write commits,
    # before the embargo ends, and must leave the revision pending.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.publish(dispute=in_review, by=editor, embargo_until=soon())

    assert len(callbacks) == 1
    assert revision_of(in_review).state == "pending"
