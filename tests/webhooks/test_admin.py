"""
The admin of webhooks: registering an endpoint goes through the service
and shows its secret once; the list and pages show a secret's prefix only;
the actions (activate, deactivate, rotate, ping, resend) are the services';
messages and attempts are read only; and only editors may touch any of it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from changelog.models import Change
from tests.conftest import make_user
from tests.webhooks.conftest import Answer
from tests.webhooks.test_dashboard import delivery_of, the_database
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, EndpointSecret, EventType


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True


@pytest.fixture
def editor_admin(client, db):
    """An editor with access to the admin, as the desk's editors have."""
    client.force_login(make_user("desk-editor", "Editors", is_staff=True))
    return client


@pytest.fixture
def endpoint(endpoint_on):
    return endpoint_on("/hook")


def run(client, model, action, ids, **fields):
    return client.post(
        reverse(f"admin:webhooks_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in ids], **fields},
        follow=True,
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_endpoints_list_shows_a_secrets_prefix_never_the_secret(editor_admin, endpoint):
    secret = EndpointSecret.objects.get(endpoint=endpoint).secret

    page = editor_admin.get(reverse("admin:webhooks_endpoint_changelist"))

    html = page.content.decode()
    assert page.status_code == 200
    assert endpoint.url in html and "Example Times" in html
    assert f"{secret[:9]}…" in html and secret not in html
    change = editor_admin.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    assert f"{secret[:9]}…" in change.content.decode() and secret not in change.content.decode()


def test_registering_in_the_admin_goes_through_the_service_and_shows_the_secret_once(
    editor_admin, partner, receiver
):
    last = Change.latest_id()

    response = editor_admin.post(
        reverse("admin:webhooks_endpoint_add"),
        {
            "partner_key": partner.prefix,
            "url": receiver.url("/admin"),
            "event_types": [EventType.PUBLISHED],
            "description": "",
        },
        follow=True,
    )

    endpoint = Endpoint.objects.get()
    secret = EndpointSecret.objects.get(endpoint=endpoint).secret
    assert any(secret in text and "shown this once" in text for text in shown_messages(response))
    assert endpoint.partner_key == partner and endpoint.event_types == [EventType.PUBLISHED]
    assert Change.objects.filter(pk__gt=last, object_type="endpoint").exists()
    # Never again.
    again = editor_admin.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    assert secret not in again.content.decode()


def test_a_refused_url_is_shown_beside_its_field_and_nothing_is_saved(
    editor_admin, partner, settings
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False

    response = editor_admin.post(
        reverse("admin:webhooks_endpoint_add"),
        {"partner_key": partner.prefix, "url": "http://example.com/hook", "event_types": []},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "must start with https://" in " ".join(errors["url"])
    assert "event_types" in errors
    assert not Endpoint.objects.exists()


def test_editing_in_the_admin_goes_through_the_service(editor_admin, endpoint, form_data):
    url = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    data = form_data(editor_admin.get(url), "endpoint_form")
    data["description"] = "Run by the Times' platform team"

    editor_admin.post(url, data)

    endpoint.refresh_from_db()
    assert endpoint.description == "Run by the Times' platform team"
    assert endpoint.version == 2


def test_a_stale_edit_in_the_admin_is_refused_and_changes_nothing(
    editor_admin, endpoint, editor, form_data
):
    url = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    data = form_data(editor_admin.get(url), "endpoint_form")
    services.update_endpoint(endpoint, expected_version=1, by=editor, description="Theirs")
    data["description"] = "Mine"
    before = the_database()

    response = editor_admin.post(url, data, follow=True)

    assert any("Nothing saved" in text for text in shown_messages(response))
    assert the_database() == before


def test_deactivating_and_activating_from_the_list(editor_admin, endpoint):
    run(editor_admin, "endpoint", "deactivate", [endpoint.pk])
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    Endpoint.objects.filter(pk=endpoint.pk).update(disabled_reason="It answered 410 Gone.")
    run(editor_admin, "endpoint", "activate", [endpoint.pk])
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_rotating_from_the_list_shows_the_new_secret_once(editor_admin, endpoint):
    old = EndpointSecret.objects.get(endpoint=endpoint).secret

    response = run(editor_admin, "endpoint", "rotate", [endpoint.pk])

    new = services.current_secrets(endpoint)[0]
    assert new != old and services.current_secrets(endpoint) == [new, old]
    [text] = [text for text in shown_messages(response) if endpoint.url in text]
    assert new in text and "shown this once" in text and "The old one signs until" in text
    assert old not in text


@pytest.mark.parametrize(("status", "words"), [(200, "answered 200"), (500, "answered 500")])
def test_a_ping_from_the_list_says_what_the_receiver_answered(
    editor_admin, endpoint, receiver, status, words
):
    receiver.script("/hook", [Answer(status=status, body="hello from the Times")])

    response = run(editor_admin, "endpoint", "ping", [endpoint.pk])

    [text] = [text for text in shown_messages(response) if endpoint.url in text]
    assert words in text and "hello from the Times" in text
    assert receiver.at("/hook")[0].payload["type"] == "ping"


def test_deleting_in_the_admin_goes_through_the_service(editor_admin, endpoint):
    delivery_of(endpoint)
    last = Change.latest_id()

    editor_admin.post(
        reverse("admin:webhooks_endpoint_delete", args=[endpoint.pk]), {"post": "yes"}
    )

    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    assert Change.objects.filter(pk__gt=last, action="deleted").exists()


def test_a_delivery_shows_its_attempts_and_can_be_resent(editor_admin, endpoint):
    delivery = delivery_of(endpoint, state="failed", attempts=10)
    Attempt.objects.create(delivery=delivery, status=503, response_excerpt="Service Unavailable")

    page = editor_admin.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert "Service Unavailable" in page.content.decode()

    response = run(editor_admin, "delivery", "resend", [delivery.pk])

    assert any("will be resent" in text for text in shown_messages(response))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)


def test_resending_to_a_switched_off_endpoint_is_refused_in_the_admin(
    editor_admin, endpoint, editor
):
    delivery = delivery_of(endpoint, state="failed", attempts=10)
    services.update_endpoint(endpoint, expected_version=1, by=editor, is_active=False)
    before = the_database()

    response = run(editor_admin, "delivery", "resend", [delivery.pk])

    assert any("switched off" in text for text in shown_messages(response))
    assert the_database() == before


def test_the_deliveries_list_filters_by_state_endpoint_and_type(editor_admin, endpoint_on):
    one, other = endpoint_on("/one"), endpoint_on("/other")
    failed = delivery_of(one, state="failed", n=1)
    delivered = delivery_of(one, state="succeeded", n=2)
    elsewhere = delivery_of(other, state="failed", n=3, event=EventType.CANCELED)
    url = reverse("admin:webhooks_delivery_changelist")

    def listed(**params) -> set[str]:
        html = editor_admin.get(url, params).content.decode()
        return {
            d.message.webhook_id
            for d in (failed, delivered, elsewhere)
            if d.message.webhook_id in html
        }

    assert listed(state__exact="failed") == {
        failed.message.webhook_id,
        elsewhere.message.webhook_id,
    }
    assert listed(endpoint__id__exact=one.pk) == {
        failed.message.webhook_id,
        delivered.message.webhook_id,
    }
    assert listed(message__type__exact="dispute.canceled") == {elsewhere.message.webhook_id}


@pytest.mark.parametrize("model", ["message", "attempt", "delivery"])
def test_messages_attempts_and_deliveries_are_read_only(editor_admin, endpoint, model):
    delivery = delivery_of(endpoint)
    Attempt.objects.create(delivery=delivery, status=500)

    assert editor_admin.get(reverse(f"admin:webhooks_{model}_changelist")).status_code == 200
    assert editor_admin.get(reverse(f"admin:webhooks_{model}_add")).status_code == 403


def test_a_reporter_in_the_admin_cannot_see_endpoints(client, endpoint):
    client.force_login(make_user("desk-reporter", "Reporters", is_staff=True))
    before = the_database()

    assert client.get(reverse("admin:webhooks_endpoint_changelist")).status_code == 403
    response = client.post(
        reverse("admin:webhooks_endpoint_changelist"),
        {"action": "rotate", "_selected_action": [str(endpoint.pk)]},
    )
    assert response.status_code == 403
    assert the_database() == before


@pytest.mark.parametrize("count", [1, 20])
def test_the_endpoints_list_runs_a_fixed_number_of_queries(
    editor_admin, endpoint_on, count, django_assert_max_num_queries
):
    for n in range(count):
        delivery_of(endpoint_on(f"/hook/{n}"))

    with django_assert_max_num_queries(12):
        response = editor_admin.get(reverse("admin:webhooks_endpoint_changelist"))

    assert response.status_code == 200
