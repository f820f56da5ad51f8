"""
Delivering: signed the Standard Webhooks way, retried on its schedule with
the same webhook-id, 2xx succeeds, 410 disables, 429/5xx honour
Retry-After, redirects are failures, a slow receiver times out, the whole
schedule failing disables the endpoint, a dead worker's lease runs out and
the sweep hands its delivery on; and nothing goes to an address the
settings refuse, checked again at each attempt after DNS.
"""

import socket
from collections import Counter
from datetime import timedelta
from email.utils import format_datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from publishing import services as publishing
from webhooks import delivery, services
from webhooks.models import Attempt, Delivery, Endpoint, Message
from webhooks.services import MAX_ATTEMPTS, RETRY_SCHEDULE
from webhooks.tasks import deliver_due

from .conftest import Answer, deliveries

DATABASE_JOBS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def attempts_of(item):
    return list(Attempt.objects.filter(delivery=item).order_by("at", "id"))


def only_delivery():
    [item] = deliveries()
    return item


def run_due(jobs):
    """What a worker does when a scheduled delivery job's time comes."""
    with jobs():
        deliver_due.call()


def quiet_sweep():
    call_command("sweep_jobs", stdout=open("/dev/null", "w"))


def fake_dns(monkeypatch, answers):
    def resolve(host, port):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answers[host])

    monkeypatch.setattr(delivery, "resolve", resolve)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


# What is sent


def test_a_delivery_is_signed_and_says_what_it_is(in_review, editor, endpoint_on, receiver, jobs):
    endpoint = endpoint_on()
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [got] = receiver.at("/hook")
    [secret] = services.current_secrets(endpoint)
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "dispute.published"
    assert got.headers["content-type"] == "application/json"
    assert "claimdesk" in got.headers["user-agent"]
    assert got.headers["webhook-signature"].startswith("v1,")
    [attempt] = attempts_of(only_delivery())
    assert got.headers["webhook-timestamp"] == str(int(attempt.at.timestamp()))
    assert (attempt.status, attempt.response_excerpt, attempt.error) == (200, "ok", "")


def test_the_answer_excerpt_keeps_the_first_500_characters(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    receiver.script("/hook", [Answer(202, body="é" * 2000)])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [attempt] = attempts_of(only_delivery())
    assert attempt.status == 202 and attempt.response_excerpt == "é" * 500


def test_during_a_rotation_both_secrets_sign_every_attempt(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint = endpoint_on()
    [old] = services.current_secrets(endpoint)
    new = services.rotate_secret(endpoint, by=editor, grace=timedelta(hours=1))
    receiver.secrets["/hook"].append(new)
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [got] = receiver.at("/hook")
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(got.body, got.headers)
    assert set(got.verified_with) == {old, new}

    clock.shift(timedelta(hours=1, seconds=1))
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    later = receiver.at("/hook")[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    assert later.verified_with == [new]


# Retries


def test_failures_are_retried_on_the_schedule_with_the_same_webhook_id(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint_on()
    receiver.script("/hook", [Answer(500)] * 4)
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    for _ in range(4):
        clock.move_to(only_delivery().next_attempt_at)
        run_due(jobs)
    got = receiver.at("/hook")
    assert [item.answered for item in got] == [500, 500, 500, 500, 200]
    assert len({item.webhook_id for item in got}) == 1
    assert len({item.body for item in got}) == 1
    assert len({item.headers["webhook-timestamp"] for item in got}) == 5
    times = [attempt.at for attempt in attempts_of(only_delivery())]
    for step, (before, after) in enumerate(zip(times, times[1:], strict=False)):
        scheduled = RETRY_SCHEDULE[step].total_seconds()
        assert 0.9 * scheduled <= (after - before).total_seconds() <= 1.1 * scheduled
    item = only_delivery()
    assert (item.state, item.attempts, item.last_status) == ("succeeded", 5, 200)


def test_a_retry_is_not_sent_before_its_time(in_review, editor, endpoint_on, receiver, jobs, clock):
    endpoint_on()
    receiver.script("/hook", [Answer(503)])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    clock.move_to(only_delivery().next_attempt_at - timedelta(seconds=1))
    run_due(jobs)
    with jobs():
        quiet_sweep()
    assert len(receiver.at("/hook")) == 1


def test_a_failed_attempt_schedules_a_job_at_the_retry_time(
    in_review, editor, endpoint_on, receiver, jobs, settings
):
    endpoint_on()
    receiver.script("/hook", [Answer(500)])
    publishing.publish(dispute=in_review, by=editor)
    settings.TASKS = DATABASE_JOBS
    with jobs():
        services.dispatch_events()
    queued = DBTaskResult.objects.filter(task_path="webhooks.tasks.deliver_due")
    [now] = queued
    with jobs():
        services.deliver_due()
    retry = queued.exclude(pk=now.pk).get()
    assert retry.run_after == only_delivery().next_attempt_at


def test_the_whole_schedule_failing_disables_the_endpoint(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint = endpoint_on()
    receiver.script("/hook", lambda request: Answer(500, body="still down"))
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    for _ in range(MAX_ATTEMPTS - 1):
        item = only_delivery()
        assert item.state == "pending"
        clock.move_to(item.next_attempt_at)
        run_due(jobs)
    item = only_delivery()
    assert (item.state, item.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.at("/hook")) == MAX_ATTEMPTS == 10
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "whole retry schedule" in endpoint.disabled_reason
    assert endpoint.disabled_at == attempts_of(item)[-1].at
    # The whole schedule: about three days.
    span = attempts_of(item)[-1].at - attempts_of(item)[0].at
    assert timedelta(hours=68) < span < timedelta(hours=84)
    # Nothing more goes to it.
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    assert len(receiver.at("/hook")) == MAX_ATTEMPTS


def test_a_410_disables_the_endpoint_and_cancels_what_waits_for_it(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint = endpoint_on()
    other = endpoint_on("/other")
    receiver.script("/hook", [Answer(500), Answer(410, body="gone")])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    # A ping meets the 410 while the publication waits for its retry.
    services.send_ping(endpoint, by=editor)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason
    states = dict(Delivery.objects.filter(endpoint=endpoint).values_list("message__type", "state"))
    assert states == {"dispute.published": "canceled", "ping": "canceled"}
    clock.shift(timedelta(minutes=10))
    run_due(jobs)
    with jobs():
        publishing.pause(dispute=in_review, by=editor)
    assert len(receiver.at("/hook")) == 2
    other.refresh_from_db()
    assert other.is_active and len(receiver.at("/other")) == 2


def test_a_redirect_is_a_failure_and_is_not_followed(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint_on()
    receiver.script("/hook", [Answer(301, headers={"Location": receiver.url("/elsewhere")})])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert receiver.at("/elsewhere") == []
    item = only_delivery()
    [attempt] = attempts_of(item)
    assert attempt.status == 301 and "not followed" in attempt.error
    assert item.state == "pending" and item.next_attempt_at > attempt.at


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured_when_later_than_the_schedule(
    in_review, editor, endpoint_on, receiver, jobs, status
):
    endpoint_on()
    receiver.script("/hook", [Answer(status, headers={"Retry-After": "3600"})])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    item = only_delivery()
    [attempt] = attempts_of(item)
    assert item.next_attempt_at - attempt.at == timedelta(seconds=3600)


def test_retry_after_as_an_http_date_is_honoured(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint_on()
    when = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    receiver.script(
        "/hook", [Answer(429, headers={"Retry-After": format_datetime(when, usegmt=True)})]
    )
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert only_delivery().next_attempt_at == when


@pytest.mark.parametrize(
    "status, retry_after, expected",
    [
        (503, "1", RETRY_SCHEDULE[0]),  # sooner than the schedule: the schedule
        (500, "999999999", timedelta(hours=24)),  # held to 24 hours
        (400, "3600", RETRY_SCHEDULE[0]),  # only 429 and 5xx may ask
        (503, "soon", RETRY_SCHEDULE[0]),  # unreadable
    ],
)
def test_retry_after_never_brings_a_retry_sooner_nor_later_than_a_day(
    in_review, editor, endpoint_on, receiver, jobs, status, retry_after, expected
):
    endpoint_on()
    receiver.script("/hook", [Answer(status, headers={"Retry-After": retry_after})])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    item = only_delivery()
    [attempt] = attempts_of(item)
    delay = item.next_attempt_at - attempt.at
    assert expected * 0.9 <= delay <= expected * 1.1


def test_a_slow_receiver_times_out_and_is_retried(
    in_review, editor, endpoint_on, receiver, jobs, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    endpoint_on()
    receiver.script("/hook", [Answer(200, delay=3)])
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    item = only_delivery()
    [attempt] = attempts_of(item)
    assert attempt.status is None and attempt.error == "Timed out after 0.5 s."
    assert attempt.latency_ms < 2000
    assert item.state == "pending" and item.attempts == 1


# Addresses, checked at each attempt


def test_a_loopback_endpoint_is_refused_at_delivery_once_the_setting_says_so(
    in_review, editor, endpoint_on, receiver, jobs, settings
):
    endpoint_on()
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert receiver.at("/hook") == []
    [attempt] = attempts_of(only_delivery())
    assert attempt.status is None and "127.0.0.1 is loopback" in attempt.error


def test_a_plain_http_endpoint_is_refused_at_delivery_once_the_setting_says_so(
    in_review, editor, endpoint_on, receiver, jobs, settings
):
    endpoint_on()
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert receiver.at("/hook") == []
    [attempt] = attempts_of(only_delivery())
    assert "https://" in attempt.error


def test_a_name_that_rebinds_to_loopback_after_registration_is_refused(
    in_review, editor, partner, receiver, jobs, settings, monkeypatch
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    fake_dns(monkeypatch, {"hooks.partner.example": ["93.184.215.14"]})
    services.register_endpoint(
        partner_key=partner,
        url=f"http://hooks.partner.example:{receiver.port}/hook",
        event_types=["dispute.published"],
        by=editor,
    )
    fake_dns(monkeypatch, {"hooks.partner.example": ["127.0.0.1"]})
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    assert receiver.at("/hook") == []
    [attempt] = attempts_of(only_delivery())
    assert "hooks.partner.example resolves to 127.0.0.1, which is loopback" in attempt.error


def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(
    in_review, editor, partner, receiver, jobs, monkeypatch
):
    fake_dns(monkeypatch, {"hooks.partner.example": ["127.0.0.1"]})
    _, secret = services.register_endpoint(
        partner_key=partner,
        url=f"http://hooks.partner.example:{receiver.port}/hook?outlet=times",
        event_types=["dispute.published"],
        by=editor,
    )
    receiver.secrets["/hook?outlet=times"] = [secret]
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
    [got] = receiver.at("/hook?outlet=times")
    assert got.headers["host"] == f"hooks.partner.example:{receiver.port}"


# Nothing stuck, nothing lost


def test_a_worker_that_dies_mid_delivery_leaves_it_to_the_sweep_once_its_lease_ends(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint_on()
    publishing.publish(dispute=in_review, by=editor)
    services.dispatch_events()
    claimed, lease = services.claim_due(limit=10)  # … and the worker dies
    assert len(claimed) == 1
    run_due(jobs)
    with jobs():
        quiet_sweep()
    assert receiver.at("/hook") == []

    clock.move_to(lease + timedelta(seconds=1))
    with jobs():
        quiet_sweep()
    assert len(receiver.at("/hook")) == 1
    assert only_delivery().state == "succeeded"


def test_a_late_answer_from_a_worker_that_lost_its_lease_changes_nothing(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint_on()
    publishing.publish(dispute=in_review, by=editor)
    services.dispatch_events()
    first, first_lease = services.claim_due(limit=10)
    clock.move_to(first_lease + timedelta(seconds=1))
    second, second_lease = services.claim_due(limit=10)
    assert [item.pk for item in first] == [item.pk for item in second]
    # The second worker delivers; the first one's answer arrives afterwards.
    services._deliver(second, second_lease)
    receiver.script("/hook", [Answer(500)])
    services._deliver(first, first_lease)
    item = only_delivery()
    assert (item.state, item.attempts, item.last_status) == ("succeeded", 1, 200)
    assert [attempt.status for attempt in attempts_of(item)] == [200, 500]


def test_a_receiver_failing_one_request_in_three_ends_with_every_message_delivered_once(
    in_review, editor, endpoint_on, receiver, jobs, clock
):
    endpoint_on()
    count = Counter()

    def one_in_three(request):
        count["all"] += 1
        return Answer(500) if count["all"] % 3 == 0 else Answer(200)

    receiver.script("/hook", one_in_three)
    with jobs():
        publishing.publish(dispute=in_review, by=editor)
        for _ in range(7):
            publishing.pause(dispute=in_review, by=editor)
            publishing.resume(dispute=in_review, by=editor)
    for _ in range(MAX_ATTEMPTS):
        pending = Delivery.objects.filter(state="pending")
        if not pending.exists():
            break
        clock.move_to(max(item.next_attempt_at for item in pending))
        run_due(jobs)
    messages = set(Message.objects.values_list("webhook_id", flat=True))
    assert len(messages) == 15
    assert set(Delivery.objects.values_list("state", flat=True)) == {"succeeded"}
    succeeded = Counter(item.webhook_id for item in receiver.at("/hook") if item.answered == 200)
    assert set(succeeded) == messages and set(succeeded.values()) == {1}
    assert any(item.answered == 500 for item in receiver.at("/hook"))


def test_nothing_is_sent_to_an_endpoint_deleted_after_its_deliveries_were_claimed(
    in_review, editor, endpoint_on, receiver, jobs
):
    endpoint = endpoint_on()
    publishing.publish(dispute=in_review, by=editor)
    services.dispatch_events()
    claimed, lease = services.claim_due(limit=10)
    services.delete_endpoint(endpoint, by=editor)
    assert services._deliver(claimed, lease) == []
    assert receiver.at("/hook") == []
    assert not Endpoint.objects.exists() and not Attempt.objects.exists()
