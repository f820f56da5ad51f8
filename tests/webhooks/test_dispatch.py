"""
Each dispute event of the partners' feed becomes one message, with the
dispute as a partner read it at that event, and one delivery per active
endpoint that asked for its type: once, at release and never before, and
not at all when the write that caused it rolls back.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from claims import services as claims
from claims.models import Claim
from publishing import services as publishing
from publishing.models import FeedEvent
from tests.factories import CorroborationFactory, SourceFactory
from webhooks import services
from webhooks.models import Delivery, EventType, Message

from .conftest import ALL_EVENTS, deliveries


def partner_reads(partner_client, slug):
    response = partner_client.get(f"/api/v1/disputes/{slug}/")
    assert response.status_code == 200
    return response.json()


def quiet_sweep():
    call_command("sweep_jobs", stdout=open("/dev/null", "w"))


def test_a_published_dispute_reaches_the_endpoint_as_partners_read_it(
    in_review, editor, endpoint_on, receiver, jobs, partner_client
):
    endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [got] = receiver.at("/hook")
    event = FeedEvent.objects.get(object_type="dispute", event="published")
    assert got.payload["type"] == "dispute.published"
    assert got.payload["timestamp"] == event.at.isoformat().replace("+00:00", "Z")
    assert got.payload["data"] == partner_reads(partner_client, in_review.slug)
    assert got.payload["data"]["pub_status"] == "usable"
    assert got.payload["data"]["version"] == 1
    # Compact JSON, the same bytes as the message keeps.
    message = Message.objects.get(feed_event=event)
    assert got.body == message.body and ", " not in message.body[:60]
    assert got.webhook_id == message.webhook_id and message.webhook_id.startswith("msg_")
    assert (message.dispute_key, message.version) == (in_review.pk, 1)
    [delivery] = deliveries()
    assert delivery.state == Delivery.State.SUCCEEDED and delivery.attempts == 1


def test_each_event_type_goes_to_the_endpoints_that_asked_for_it(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on("/everything")
    endpoint_on("/published", [EventType.PUBLISHED])
    endpoint_on("/canceled", [EventType.CANCELED, EventType.WITHHELD])
    off = endpoint_on("/off")
    services.update_endpoint(off, expected_version=None, by=editor, is_active=False)
    # One block each: a batch of deliveries goes out over several connections at once,
    # in no set order.
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    with jobs():
        publishing.pause(dispute=in_review, by=editor, note="Checking a quote.")
    with jobs():
        publishing.resume(dispute=in_review, by=editor)
    with jobs():
        publishing.retract(dispute=in_review, by=editor, note="It did not hold up.")

    def types(path):
        return [item.payload["type"] for item in receiver.at(path)]

    assert types("/everything") == [
        "dispute.published",
        "dispute.withheld",
        "dispute.published",
        "dispute.canceled",
    ]
    assert types("/published") == ["dispute.published", "dispute.published"]
    assert types("/canceled") == ["dispute.withheld", "dispute.canceled"]
    assert types("/off") == []
    assert Message.objects.filter(feed_event__isnull=False).count() == 4


def test_withheld_and_canceled_carry_the_tombstone_partners_read(
    in_review, editor, endpoint_on, receiver, jobs, partner_client
):
    endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    withheld = receiver.at("/hook")[-1].payload
    assert withheld["type"] == "dispute.withheld"
    assert withheld["data"] == partner_reads(partner_client, in_review.slug)
    assert withheld["data"]["pub_status"] == "withheld" and withheld["data"]["retraction"] is None
    assert "accounts" not in withheld["data"]

    with jobs():
        publishing.retract(dispute=in_review, by=editor, note="It did not hold up.")
    canceled = receiver.at("/hook")[-1].payload
    assert canceled["type"] == "dispute.canceled"
    assert canceled["data"] == partner_reads(partner_client, in_review.slug)
    assert canceled["data"]["retraction"]["note"] == "It did not hold up."


def test_a_correction_carries_its_note_and_the_new_version(
    in_review, editor, endpoint_on, receiver, jobs, partner_client
):
    endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    claim = Claim.objects.filter(account__dispute=in_review).order_by("id").first()
    for _ in range(4):
        CorroborationFactory(
            claim=claim, source=SourceFactory(reliability="A"), stance="contradicts"
        )
    with jobs():
        publishing.republish(dispute=in_review, by=editor, note="The count was wrong.")
    corrected = receiver.at("/hook")[-1].payload
    assert corrected["type"] == "dispute.corrected"
    assert corrected["data"]["version"] == 2
    assert [item["note"] for item in corrected["data"]["corrections"]] == ["The count was wrong."]
    assert corrected["data"] == partner_reads(partner_client, in_review.slug)


def test_each_event_carries_its_own_revision_even_if_republished_before_dispatch(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    # The dispatcher is late: three revisions are released before it runs.
    original = in_review.title
    publishing.publish(dispute=in_review, by=editor)
    claims.update_dispute(dispute=in_review, by=editor, title="A second title")
    publishing.republish(dispute=in_review, by=editor)
    publishing.pause(dispute=in_review, by=editor)
    with jobs():
        services.dispatch_events()
    first, second, withheld = sorted(
        (item.payload for item in receiver.at("/hook")),
        key=lambda payload: (payload["data"]["version"], payload["type"] == "dispute.withheld"),
    )
    assert (first["data"]["version"], first["data"]["title"]) == (1, original)
    assert (second["data"]["version"], second["data"]["title"]) == (2, "A second title")
    assert (withheld["data"]["version"], withheld["data"]["pub_status"]) == (2, "withheld")


def test_dispatching_twice_makes_each_message_and_delivery_once(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    publishing.publish(dispute=in_review, by=editor)
    first = services.dispatch_events()
    again = services.dispatch_events()
    thorough = services.dispatch_events(full=True)
    assert len(first) == 1 and again == [] and thorough == []
    assert Message.objects.count() == 1 and Delivery.objects.count() == 1


def test_the_sweep_dispatches_what_no_dispatcher_did(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    publishing.publish(dispute=in_review, by=editor)  # its job was lost: never committed here
    assert not Message.objects.exists()
    with jobs():
        quiet_sweep()
    assert [item.payload["type"] for item in receiver.at("/hook")] == ["dispute.published"]


def test_object_events_make_no_message(in_review, editor, endpoint_on, jobs):
    endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert FeedEvent.objects.filter(event="").count() > 1
    assert Message.objects.count() == 1


def test_an_endpoint_registered_later_gets_only_later_events(
    in_review, editor, endpoint_on, receiver, jobs
):
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    endpoint_on()
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    assert [item.payload["type"] for item in receiver.at("/hook")] == ["dispute.withheld"]


def test_a_revoked_partner_key_gets_nothing(
    in_review, editor, endpoint_on, receiver, partner, jobs
):
    endpoint_on()
    partner.revoked = True
    partner.save()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert receiver.at("/hook") == []
    assert Message.objects.count() == 1 and not Delivery.objects.exists()


def test_a_large_dispute_is_sent_as_a_link(
    in_review, editor, endpoint_on, receiver, jobs, settings
):
    settings.WEBHOOKS_MAX_PAYLOAD_BYTES = 300
    settings.WEBHOOKS_API_URL = "https://desk.example/api/v1/"
    endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [got] = receiver.at("/hook")
    assert got.payload["data"] == {
        "id": in_review.pk,
        "slug": in_review.slug,
        "version": 1,
        "pub_status": "usable",
        "url": f"https://desk.example/api/v1/disputes/{in_review.slug}/",
    }
    assert len(got.body.encode()) < 300


def test_a_rolled_back_write_sends_nothing(in_review, editor, endpoint_on, receiver, jobs):
    endpoint_on()
    with jobs():
        with pytest.raises(RuntimeError), transaction.atomic():
            publishing.publish(dispute=in_review, by=editor)
            raise RuntimeError("the request failed after publishing")
    assert not FeedEvent.objects.exists()
    assert not Message.objects.exists()
    assert receiver.at("/hook") == []


# Embargo


def test_an_embargoed_revision_is_sent_at_its_release_and_never_before(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with jobs():
            publishing.publish(
                dispute=in_review, by=editor, embargo_until=start + timedelta(hours=1)
            )
        with jobs():
            quiet_sweep()
        clock.shift(timedelta(minutes=59))
        with jobs():
            quiet_sweep()
        assert receiver.at("/hook") == []
        assert not Message.objects.exists()

        clock.shift(timedelta(minutes=1, seconds=1))
        with jobs():
            quiet_sweep()
    [got] = receiver.at("/hook")
    assert got.payload["type"] == "dispute.published"
    assert got.payload["data"]["embargoed_until"] is not None
    released = FeedEvent.objects.get(object_type="dispute").at
    assert released >= start + timedelta(hours=1)
    assert got.payload["timestamp"] == released.isoformat().replace("+00:00", "Z")


def test_all_event_types_are_subscribable():
    assert set(ALL_EVENTS) == {value for value in EventType.values if value != "ping"}


def test_a_message_body_is_compact_json_of_type_timestamp_data(in_review, editor, jobs):
    publishing.publish(dispute=in_review, by=editor)
    [message] = services.dispatch_events()
    decoded = json.loads(message.body)
    assert list(decoded) == ["type", "timestamp", "data"]
    assert message.body == json.dumps(decoded, ensure_ascii=False, separators=(",", ":"))


DATABASE_JOBS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_write_with_many_dispute_events_enqueues_one_dispatcher(db, editor, jobs, settings):
    from django_tasks_db.models import DBTaskResult

    from tests.factories import build_dispute

    disputes = [
        build_dispute(parties=1, claims_per_account=1, evidence_per_claim=1) for _ in range(3)
    ]
    settings.TASKS = DATABASE_JOBS
    with jobs():
        publishing.publish_many(disputes=disputes, by=editor)
    assert FeedEvent.objects.exclude(event="").count() == 3
    assert DBTaskResult.objects.filter(task_path="webhooks.tasks.dispatch_events").count() == 1
    assert len(services.dispatch_events()) == 3


def test_a_rolled_back_savepoint_does_not_take_the_next_events_dispatcher_with_it(
    in_review, editor, jobs, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_JOBS
    with jobs(), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            publishing.publish(dispute=in_review, by=editor)
            raise RuntimeError("this part rolls back")
        publishing.publish(dispute=in_review, by=editor)
    assert DBTaskResult.objects.filter(task_path="webhooks.tasks.dispatch_events").count() == 1


def test_an_endpoint_gets_nothing_of_what_happened_before_it_was_registered(
    in_review, editor, endpoint_on, receiver, jobs
):
    publishing.publish(dispute=in_review, by=editor)  # not dispatched yet (the upgrade's case)
    endpoint_on()
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    assert [item.payload["type"] for item in receiver.at("/hook")] == ["dispute.withheld"]
    assert Message.objects.count() == 2
