"""Partner origins may read the API from a browser; nobody else, and nothing but reads."""

import pytest

from sources import services

pytestmark = pytest.mark.urls("tests.api.probe")

PARTNER = "https://cms.example-times.com"


@pytest.fixture(autouse=True)
def partner_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    settings.CORS_URLS_REGEX = r"^/probe/.*$"


@pytest.fixture
def party(db):
    return services.create_party(by=None, name="United States", slug="united-states")


def test_partner_origin_may_read(partner_client, party):
    response = partner_client.get("/probe/parties/", HTTP_ORIGIN=PARTNER)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PARTNER
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_partner_origin_preflight_allows_reads_with_the_key(client, db):
    response = client.options(
        "/probe/parties/",
        HTTP_ORIGIN=PARTNER,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PARTNER
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "authorization" in response["Access-Control-Allow-Headers"]


def test_foreign_origin_gets_no_cors_headers(partner_client, client, party):
    response = partner_client.get("/probe/parties/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        "/probe/parties/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_pages_outside_the_api_get_no_cors_headers(partner_client, settings, party):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    response = partner_client.get("/probe/parties/", HTTP_ORIGIN=PARTNER)
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.urls("config.urls")
def test_partner_origin_reads_the_real_api(partner_client, settings, hanoi):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    response = partner_client.get("/api/v1/claims/", HTTP_ORIGIN=PARTNER)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PARTNER


@pytest.mark.urls("config.urls")
def test_the_real_api_refuses_cross_origin_writes_at_preflight(client, settings, db):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    response = client.options(
        "/api/v1/corroborations/",
        HTTP_ORIGIN=PARTNER,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "POST" not in response.get("Access-Control-Allow-Methods", "")
