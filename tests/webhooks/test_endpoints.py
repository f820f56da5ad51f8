"""
Editors register endpoints for a partner key, edit, switch off and delete
them, rotate their secrets, ping them and resend what they were sent:
webhooks' services, which the dashboard and the admin call.
"""

import base64
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from changelog.models import Change
from webhooks import delivery, services
from webhooks.models import Attempt, Delivery, Endpoint, EndpointSecret, EventType, Message

from .conftest import ALL_EVENTS, Answer


def fake_dns(monkeypatch, answers):
    """Resolve names as `answers` says (a name missing does not resolve)."""

    def resolve(host, port):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answers[host])

    monkeypatch.setattr(delivery, "resolve", resolve)


@pytest.fixture
def production_safety(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False


# Registering


def test_registering_returns_the_endpoint_and_a_whsec_secret_and_logs_it(partner, editor):
    endpoint, secret = services.register_endpoint(
        partner_key=partner,
        url="http://127.0.0.1:9/hook",
        event_types=[EventType.PUBLISHED, EventType.PUBLISHED, EventType.CANCELED],
        description="  Example Times newsroom  ",
        by=editor,
    )
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["dispute.published", "dispute.canceled"]
    assert endpoint.description == "Example Times newsroom"
    assert endpoint.is_active and endpoint.created_by == editor
    assert services.current_secrets(endpoint) == [secret]
    change = Change.objects.get(object_type="endpoint", object_id=endpoint.pk)
    assert change.action == "created" and change.actor == editor
    assert secret not in change.summary


def test_each_endpoint_gets_a_secret_of_its_own(partner, editor):
    secrets = {
        services.register_endpoint(
            partner_key=partner, url=f"http://127.0.0.1:9/{n}", event_types=ALL_EVENTS, by=editor
        )[1]
        for n in range(3)
    }
    assert len(secrets) == 3


def test_a_plain_http_url_is_refused_in_production(partner, editor, production_safety):
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url="http://8.8.8.8/hook", event_types=ALL_EVENTS, by=editor
        )
    assert "https://" in refused.value.message_dict["url"][0]
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "address, words",
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("100.64.0.7", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("[::1]", "loopback"),
        ("[fe80::1]", "link-local"),
        ("[fd00::1]", "private"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[::ffff:10.0.0.1]", "private"),
    ],
)
def test_an_address_that_is_not_public_is_refused_in_production(
    partner, editor, production_safety, address, words
):
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url=f"https://{address}/hook", event_types=ALL_EVENTS, by=editor
        )
    assert words in refused.value.message_dict["url"][0]
    assert not Endpoint.objects.exists()


def test_a_name_is_refused_when_any_of_its_addresses_is_private(
    partner, editor, production_safety, monkeypatch
):
    fake_dns(monkeypatch, {"hooks.example.net": ["93.184.215.14", "10.0.0.8"]})
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner,
            url="https://hooks.example.net/in",
            event_types=ALL_EVENTS,
            by=editor,
        )
    message = refused.value.message_dict["url"][0]
    assert "hooks.example.net resolves to 10.0.0.8" in message and "private" in message
    assert not Endpoint.objects.exists()


def test_a_name_that_does_not_resolve_is_refused_in_production(
    partner, editor, production_safety, monkeypatch
):
    fake_dns(monkeypatch, {})
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url="https://nowhere.example/in", event_types=ALL_EVENTS, by=editor
        )
    assert "does not resolve" in refused.value.message_dict["url"][0]


def test_an_https_url_on_a_public_address_is_accepted_in_production(
    partner, editor, production_safety, monkeypatch
):
    fake_dns(monkeypatch, {"hooks.example.net": ["93.184.215.14", "2606:2800:21f:cb07::1"]})
    endpoint, _ = services.register_endpoint(
        partner_key=partner, url="https://hooks.example.net/in", event_types=ALL_EVENTS, by=editor
    )
    assert Endpoint.objects.get() == endpoint


@pytest.mark.parametrize(
    "event_types, words",
    [
        ([], "at least one"),
        (["dispute.deleted"], "Unknown event type: dispute.deleted"),
        (["ping"], "Unknown event type: ping"),
    ],
)
def test_event_types_must_be_known_and_subscribable(partner, editor, event_types, words):
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url="http://127.0.0.1:9/", event_types=event_types, by=editor
        )
    assert words in refused.value.message_dict["event_types"][0]
    assert not Endpoint.objects.exists()


def test_a_revoked_partner_key_gets_no_endpoint(partner, editor):
    partner.revoked = True
    partner.save()
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url="http://127.0.0.1:9/", event_types=ALL_EVENTS, by=editor
        )
    assert "revoked" in refused.value.message_dict["partner_key"][0]
    assert not Endpoint.objects.exists()


def test_every_refusal_is_told_at_once(partner, editor, production_safety):
    with pytest.raises(ValidationError) as refused:
        services.register_endpoint(
            partner_key=partner, url="http://127.0.0.1/", event_types=[], by=editor
        )
    assert set(refused.value.message_dict) == {"url", "event_types"}


# Editing


def test_a_stale_version_is_refused_and_changes_nothing(endpoint_on, editor):
    endpoint = endpoint_on()
    services.update_endpoint(endpoint, expected_version=1, by=editor, description="first")
    with pytest.raises(ValidationError) as refused:
        services.update_endpoint(endpoint, expected_version=1, by=editor, description="second")
    assert refused.value.code == "stale"
    endpoint.refresh_from_db()
    assert endpoint.description == "first" and endpoint.version == 2


def test_editing_checks_the_url_and_event_types_like_registering(endpoint_on, editor, settings):
    endpoint = endpoint_on()
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        services.update_endpoint(
            endpoint,
            expected_version=endpoint.version,
            by=editor,
            url="https://10.0.0.1/",
            event_types=["nope"],
        )
    assert set(refused.value.message_dict) == {"url", "event_types"}
    endpoint.refresh_from_db()
    assert endpoint.version == 1


def test_switching_off_cancels_what_waits_and_switching_on_clears_the_reason(endpoint_on, editor):
    endpoint = endpoint_on()
    message = Message.objects.create(webhook_id="msg_waiting", type=EventType.PUBLISHED, body="{}")
    waiting = Delivery.objects.create(message=message, endpoint=endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        disabled_reason="It answered 410 Gone", disabled_at=timezone.now()
    )
    services.update_endpoint(endpoint, expected_version=None, by=editor, is_active=False)
    waiting.refresh_from_db()
    assert waiting.state == Delivery.State.CANCELED

    switched_on = services.update_endpoint(
        endpoint, expected_version=None, by=editor, is_active=True
    )
    switched_on.refresh_from_db()
    assert switched_on.is_active
    assert switched_on.disabled_reason == "" and switched_on.disabled_at is None
    assert Change.objects.filter(object_type="endpoint", summary__contains="switched on").exists()


# Secrets


def test_rotating_keeps_the_old_secret_for_the_grace_period_then_drops_it(endpoint_on, editor):
    endpoint = endpoint_on()
    [first] = services.current_secrets(endpoint)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        second = services.rotate_secret(endpoint, by=editor, grace=timedelta(hours=2))
        assert second != first and second.startswith("whsec_")
        assert services.current_secrets(endpoint) == [second, first]
        clock.shift(timedelta(hours=2, seconds=1))
        assert services.current_secrets(endpoint) == [second]
        third = services.rotate_secret(endpoint, by=editor)
    # The first, expired, is gone; the second signs for the default grace.
    kept = list(EndpointSecret.objects.filter(endpoint=endpoint).values_list("secret", flat=True))
    assert kept == [third, second]
    assert not any(first in change.summary for change in Change.objects.all())


def test_the_default_grace_is_the_setting(endpoint_on, editor, settings):
    settings.WEBHOOKS_SECRET_GRACE = timedelta(minutes=30)
    endpoint = endpoint_on()
    before = timezone.now()
    services.rotate_secret(endpoint, by=editor)
    old = EndpointSecret.objects.get(endpoint=endpoint, expires_at__isnull=False)
    assert timedelta(minutes=29) < old.expires_at - before <= timedelta(minutes=31)


# Deleting


def test_deleting_an_endpoint_takes_its_secrets_and_deliveries_and_logs_it(endpoint_on, editor):
    endpoint = endpoint_on()
    message = Message.objects.create(webhook_id="msg_kept", type=EventType.PUBLISHED, body="{}")
    Delivery.objects.create(message=message, endpoint=endpoint)
    services.delete_endpoint(endpoint, by=editor)
    assert not Endpoint.objects.exists()
    assert not EndpointSecret.objects.exists() and not Delivery.objects.exists()
    assert Message.objects.filter(webhook_id="msg_kept").exists()
    assert Change.objects.filter(object_type="endpoint", action="deleted").exists()


# Pings


def test_a_ping_is_sent_at_once_and_its_answer_shown(endpoint_on, receiver, editor):
    endpoint = endpoint_on()
    receiver.script("/hook", [Answer(200, body="pong from Example Times")])
    attempt = services.send_ping(endpoint, by=editor)
    assert attempt.status == 200
    assert attempt.response_excerpt == "pong from Example Times"
    assert attempt.latency_ms is not None and attempt.error == ""
    [got] = receiver.at("/hook")
    assert got.payload["type"] == "ping"
    assert attempt.delivery.message.webhook_id == got.webhook_id
    assert Delivery.objects.get(pk=attempt.delivery_id).state == Delivery.State.SUCCEEDED


def test_a_failed_ping_is_not_retried_and_leaves_the_endpoint_on(endpoint_on, receiver, editor):
    endpoint = endpoint_on()
    receiver.script("/hook", [Answer(500, body="boom")])
    attempt = services.send_ping(endpoint, by=editor)
    assert (attempt.status, attempt.response_excerpt, attempt.error) == (500, "boom", "HTTP 500")
    ping = Delivery.objects.get(pk=attempt.delivery_id)
    assert ping.state == Delivery.State.FAILED
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_a_ping_to_nobody_listening_shows_the_error(partner, editor):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint, _ = services.register_endpoint(
        partner_key=partner, url=f"http://127.0.0.1:{port}/", event_types=ALL_EVENTS, by=editor
    )
    attempt = services.send_ping(endpoint, by=editor)
    assert attempt.status is None and "refused" in attempt.error.lower()


def test_a_ping_for_a_revoked_partner_key_is_refused_and_sends_nothing(
    endpoint_on, receiver, partner, editor
):
    endpoint = endpoint_on()
    partner.revoked = True
    partner.save()
    endpoint.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.send_ping(endpoint, by=editor)
    assert "revoked" in refused.value.message_dict["partner_key"][0]
    assert receiver.at("/hook") == []
    assert not Message.objects.filter(type=EventType.PING).exists()


# Resending


def test_resending_sends_the_same_webhook_id_again(endpoint_on, receiver, editor, jobs):
    endpoint = endpoint_on()
    attempt = services.send_ping(endpoint, by=editor)
    with jobs():
        again = services.resend(attempt.delivery, by=editor)
    first, second = receiver.at("/hook")
    assert first.webhook_id == second.webhook_id == again.message.webhook_id
    assert first.body == second.body
    again.refresh_from_db()
    assert again.state == Delivery.State.SUCCEEDED and again.attempts == 1
    assert Attempt.objects.filter(delivery=again).count() == 2
    assert Change.objects.filter(object_type="delivery", summary__contains="resent").exists()


def test_resending_to_an_endpoint_switched_off_is_refused(endpoint_on, receiver, editor, jobs):
    endpoint = endpoint_on()
    attempt = services.send_ping(endpoint, by=editor)
    services.update_endpoint(endpoint, expected_version=None, by=editor, is_active=False)
    with jobs(), pytest.raises(ValidationError) as refused:
        services.resend(attempt.delivery, by=editor)
    assert "switched off" in refused.value.messages[0]
    assert len(receiver.at("/hook")) == 1
    assert Delivery.objects.get(pk=attempt.delivery_id).state == Delivery.State.SUCCEEDED


# Partners


@pytest.mark.parametrize(
    "path", ["/api/v1/webhooks/", "/api/v1/endpoints/", "/api/v1/webhook-endpoints/"]
)
def test_a_partner_key_cannot_reach_endpoints_through_the_api(partner_client, endpoint_on, path):
    endpoint_on()
    assert partner_client.get(path).status_code == 404
    assert partner_client.post(path, {"url": "http://127.0.0.1:9/"}).status_code in (403, 404, 405)
    assert Endpoint.objects.count() == 1
