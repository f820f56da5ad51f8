"""`load_hanoi` ends with the shipped story published, however often it runs."""

import io

from django.core.management import call_command

from claims.models import Dispute
from publishing.models import FeedEvent, Publication, Revision
from tests.publishing.conftest import partner_view


def test_the_hanoi_story_is_published_for_partners(hanoi):
    publication = Publication.objects.get(dispute=hanoi.dispute)
    assert (publication.state, publication.pub_status) == ("published", "usable")
    assert partner_view("dispute", hanoi.dispute.pk)["version"] == 1
    assert partner_view("claim", hanoi.us_claim.pk)["credibility"]["verdict"] == (
        hanoi.us_claim.verdict
    )


def test_loading_again_publishes_nothing_again(hanoi):
    events = FeedEvent.objects.count()
    out = io.StringIO()
    call_command("load_hanoi", stdout=out)
    assert Revision.objects.count() == 1
    assert FeedEvent.objects.count() == events
    assert "Published" not in out.getvalue()


def test_a_story_loaded_before_publishing_existed_is_published_by_loading_it_again(hanoi):
    # As on a desk that loaded it before this release: the dispute, no publication.
    Publication.objects.all().delete()
    FeedEvent.objects.all().delete()
    out = io.StringIO()
    call_command("load_hanoi", stdout=out)
    assert "Published" in out.getvalue()
    assert Publication.objects.get(dispute=Dispute.objects.get()).state == "published"


def test_a_paused_story_is_left_paused(hanoi, editor):
    from publishing import services

    services.pause(dispute=hanoi.dispute, by=editor)
    call_command("load_hanoi", stdout=io.StringIO())
    assert Publication.objects.get(dispute=hanoi.dispute).state == "paused"
