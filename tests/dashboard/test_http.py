"""How the dashboard answers htmx, said once for every view (dashboard.http)."""

import pytest
from django.urls import URLPattern, reverse

from dashboard import urls as dashboard_urls


def route_args(pattern: URLPattern, hanoi) -> list:
    """Arguments for a route's parameters, from the Hanoi story."""
    values = {
        "slug": hanoi.dispute.slug,
        "claim_id": hanoi.us_claim.pk,
        "account_id": hanoi.us_account.pk,
        "corroboration_id": hanoi.us_claim.corroborations.first().pk,
        "source_id": hanoi.ap.pk,
    }
    return [values[name] for name in pattern.pattern.converters]


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
