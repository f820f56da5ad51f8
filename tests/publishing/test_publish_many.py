"""
publish_many(): a whole desk published at once (make bench's newsroom), each
dispute getting what submitting and publishing it would, its sources' feed
events worked out once.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from changelog.models import Change
from claims.models import Claim, Corroboration
from publishing import selectors, services
from publishing.models import FeedEvent, Publication, RevisionObject
from tests.factories import CorroborationFactory, SourceFactory, build_dispute
from tests.publishing.conftest import feed_after, partner_view


@pytest.fixture
def two_sharing_a_source(db):
    """Two drafts whose evidence cites one source in common."""
    first, second = build_dispute(parties=2), build_dispute(parties=2)
    shared = SourceFactory(name="A wire both cite")
    for dispute in (first, second):
        claim = Claim.objects.filter(account__dispute=dispute).first()
        CorroborationFactory(claim=claim, source=shared)
    return first, second, shared


def cited_sources(*disputes):
    claims = Claim.objects.filter(account__dispute__in=disputes)
    return set(claims.values_list("speaker_id", flat=True)) | set(
        Corroboration.objects.filter(claim__in=claims).values_list("source_id", flat=True)
    )


def test_each_dispute_is_submitted_published_and_logged(two_sharing_a_source, editor):
    first, second, _ = two_sharing_a_source
    revisions = services.publish_many(disputes=[first, second], by=editor)

    assert [revision.number for revision in revisions] == [1, 1]
    for dispute in (first, second):
        assert Publication.objects.get(dispute=dispute).state == "published"
        summaries = Change.objects.filter(object_type="dispute", object_id=dispute.pk).values_list(
            "summary", flat=True
        )
        assert any("submitted for review" in text for text in summaries)
        assert any("published: revision 1 released" in text for text in summaries)
        claim = Claim.objects.filter(account__dispute=dispute).first()
        assert partner_view("claim", claim.pk)["version"] == 1


def test_the_feed_lists_each_object_once_the_shared_source_too(two_sharing_a_source):
    first, second, shared = two_sharing_a_source
    services.publish_many(disputes=[first, second], by=None)

    events = feed_after()
    disputes = [(e[0], e[1], e[3]) for e in events if e[0] == "dispute"]
    assert disputes == [("dispute", first.pk, "published"), ("dispute", second.pk, "published")]
    sources = [e[1] for e in events if e[0] == "source"]
    assert sorted(sources) == sorted(cited_sources(first, second))
    assert sources.count(shared.pk) == 1
    # The sources' events follow the disputes'.
    assert [e[0] for e in events][-len(sources) :] == ["source"] * len(sources)
    claims = {e[1] for e in events if e[0] == "claim"}
    assert claims == set(
        Claim.objects.filter(account__dispute__in=[first, second]).values_list("id", flat=True)
    )


def test_the_sources_read_as_publishing_one_by_one_would_make_them(two_sharing_a_source):
    first, second, shared = two_sharing_a_source
    services.publish_many(disputes=[first, second], by=None)
    in_bulk = selectors.partner_sources()

    services.pause(dispute=first, by=None)
    services.pause(dispute=second, by=None)
    RevisionObject.objects.all().delete()
    FeedEvent.objects.all().delete()
    Publication.objects.all().delete()
    for dispute in (first, second):
        services.submit_for_review(dispute=dispute, by=None)
        services.publish(dispute=dispute, by=None)

    assert selectors.partner_sources() == in_bulk
    assert len(in_bulk[shared.pk]["corroborations"]) == 2


def test_a_source_partners_already_read_is_updated_not_created(two_sharing_a_source):
    first, second, shared = two_sharing_a_source
    services.submit_for_review(dispute=first, by=None)
    services.publish(dispute=first, by=None)
    cursor = FeedEvent.objects.order_by("-id").values_list("id", flat=True).first()

    services.publish_many(disputes=[second], by=None)

    assert ("source", shared.pk, "updated", "") in feed_after(cursor)


def test_a_dispute_past_review_is_refused_and_nothing_is_published(two_sharing_a_source, editor):
    first, second, _ = two_sharing_a_source
    services.submit_for_review(dispute=second, by=None)
    services.publish(dispute=second, by=None)
    services.retract(dispute=second, by=None, note="Wrong.")
    before = (Change.latest_id(), FeedEvent.objects.count(), RevisionObject.objects.count())

    with pytest.raises(ValidationError):
        services.publish_many(disputes=[first, second], by=editor)

    assert not Publication.objects.filter(dispute=first).exists()
    assert (Change.latest_id(), FeedEvent.objects.count(), RevisionObject.objects.count()) == before


def test_a_reporter_may_not_publish_many(two_sharing_a_source, reporter):
    first, _, _ = two_sharing_a_source
    with pytest.raises(PermissionDenied) as refused:
        services.publish_many(disputes=[first], by=reporter)
    assert "editors" in str(refused.value)
    # Not even submitted: the whole batch is one transaction.
    assert not Publication.objects.filter(dispute=first).exists()
