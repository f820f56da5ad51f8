"""How the dashboard answers htmx, said once for every view (dashboard.http)."""

import pytest
from django.urls import URLPattern, reverse
from rest_framework_api_key.models import APIKey

from dashboard import urls as dashboard_urls
from webhooks.models import Delivery, Endpoint, EventType, Message


def route_args(pattern: URLPattern, hanoi) -> list:
    """Arguments for a route's parameters, from the Hanoi story (and a webhook delivery)."""
    values = {
        "slug": lambda: hanoi.dispute.slug,
        "claim_id": lambda: hanoi.us_claim.pk,
        "account_id": lambda: hanoi.us_account.pk,
        "corroboration_id": lambda: hanoi.us_claim.corroborations.first().pk,
        "source_id": lambda: hanoi.ap.pk,
        "endpoint_id": lambda: webhook_delivery().endpoint_id,
        "delivery_id": lambda: webhook_delivery().pk,
    }
    return [values[name]() for name in pattern.pattern.converters]


def webhook_delivery() -> Delivery:
    key, _ = APIKey.objects.create_key(name="Example Times")
    endpoint = Endpoint.objects.create(
        partner_key=key, url="https://hooks.example.org/claimdesk", event_types=["ping"]
    )
    message = Message.objects.create(webhook_id="msg_test", type=EventType.PING, body="{}")
    return Delivery.objects.create(message=message, endpoint=endpoint)


@pytest.mark.parametrize(
    "pattern", dashboard_urls.urlpatterns, ids=[p.name for p in dashboard_urls.urlpatterns]
)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_every_dashboard_answer_varies_on_the_htmx_headers(client, editor, hanoi, pattern, headers):
    # Whatever the answer (a page, a fragment, a 405 to a GET of a write),
    # a cache must not hand one rendering to a request for the other.
    client.force_login(editor)

    response = client.get(
        reverse(f"dashboard:{pattern.name}", args=route_args(pattern, hanoi)), headers=headers
    )

    vary = {value.strip() for value in response["Vary"].split(",")}
    assert {"HX-Request", "HX-Target"} <= vary


def test_the_api_does_not_vary_on_the_htmx_headers(client, hanoi):
    response = client.get("/api/v1/disputes/")

    assert "HX-" not in response.get("Vary", "")
