"""Disputes at each step of the workflow, and what a test reads back of publication."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from publishing import services
from publishing.models import FeedEvent, Publication, RevisionObject
from tests.factories import build_dispute


@pytest.fixture
def draft(db):
    """A dispute nobody has submitted yet: two accounts, two claims each, evidence on each."""
    return build_dispute(parties=2, claims_per_account=2, evidence_per_claim=2)


@pytest.fixture
def in_review(draft, reporter):
    services.submit_for_review(dispute=draft, by=reporter)
    return draft


@pytest.fixture
def published(in_review, editor):
    services.publish(dispute=in_review, by=editor)
    return in_review


@pytest.fixture
def paused(published, editor):
    services.pause(dispute=published, by=editor)
    return published


@pytest.fixture
def retracted(published, editor):
    services.retract(dispute=published, by=editor, note="We could not stand behind it.")
    return published


def state_of(dispute):
    found = Publication.objects.filter(dispute=dispute).first()
    return found.state if found else Publication.State.DRAFT


def partner_view(object_type, object_id):
    """What partners read of an object now (its JSON), or None."""
    row = RevisionObject.objects.filter(
        object_type=object_type, object_id=object_id, visible=True
    ).first()
    return json.loads(row.data) if row else None


def feed_after(cursor=0):
    return list(
        FeedEvent.objects.filter(id__gt=cursor)
        .order_by("id")
        .values_list("object_type", "object_id", "action", "event")
    )


def feed_cursor():
    return FeedEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def soon(minutes=10):
    return timezone.now() + timedelta(minutes=minutes)
