"""Throttles: per partner key and per staff user, counted in the shared cache."""

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from sources import services

pytestmark = pytest.mark.urls("tests.api.probe")


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "partner": "3/minute",
            "staff": "2/minute",
            "anonymous": "2/minute",
        },
    }


@pytest.fixture
def party(db):
    return services.create_party(by=None, name="United States", slug="united-states")


def test_partner_over_its_rate_gets_429_with_retry_after(partner_client, party, low_rates):
    statuses = [partner_client.get("/probe/parties/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = partner_client.get("/probe/parties/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_partner_key_has_its_own_count(partner_client, party, low_rates):
    for _ in range(3):
        partner_client.get("/probe/parties/")
    assert partner_client.get("/probe/parties/").status_code == 429

    _, other_key = APIKey.objects.create_key(name="Example Post")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_key}")
    assert other.get("/probe/parties/").status_code == 200


def test_staff_user_is_counted_across_their_token_and_session(
    editor_client, editor, party, low_rates
):
    assert editor_client.get("/probe/parties/").status_code == 200
    session = APIClient()
    session.force_login(editor)
    assert session.get("/probe/parties/").status_code == 200
    assert session.get("/probe/parties/").status_code == 429
    assert editor_client.get("/probe/parties/").status_code == 429


def test_one_users_throttle_leaves_another_alone(editor_client, reporter_client, party, low_rates):
    for _ in range(2):
        editor_client.get("/probe/parties/")
    assert editor_client.get("/probe/parties/").status_code == 429
    assert reporter_client.get("/probe/parties/").status_code == 200


def test_partner_304s_are_not_counted(partner_client, party, low_rates):
    etag = partner_client.get("/probe/parties/")["ETag"]
    for _ in range(5):
        assert partner_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    statuses = [partner_client.get("/probe/parties/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_partner_conditional_request_that_misses_is_counted(partner_client, party, low_rates):
    stale = partner_client.get("/probe/parties/")["ETag"]
    services.update_party(party=party, by=None, description="A delegation.")
    statuses = [
        partner_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=stale).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_staff_304s_count_too(editor_client, party, low_rates):
    etag = editor_client.get("/probe/parties/")["ETag"]
    assert editor_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert editor_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=etag).status_code == 429


def test_throttled_write_changes_nothing(editor_client, party, low_rates):
    for _ in range(2):
        editor_client.get("/probe/parties/")
    response = editor_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "Late."}, format="json"
    )
    assert response.status_code == 429
    party.refresh_from_db()
    assert party.description == ""


@pytest.mark.urls("config.urls")
def test_partner_over_its_rate_on_the_real_api_gets_429_in_the_error_shape(
    partner_client, hanoi, low_rates
):
    for _ in range(3):
        assert partner_client.get("/api/v1/claims/").status_code == 200
    response = partner_client.get("/api/v1/claims/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.urls("config.urls")
def test_throttled_partner_still_gets_304_on_the_real_api_but_429_without_a_tag(
    partner_client, hanoi, low_rates
):
    etag = partner_client.get("/api/v1/claims/")["ETag"]
    for _ in range(2):
        assert partner_client.get("/api/v1/claims/").status_code == 200
    assert partner_client.get("/api/v1/claims/").status_code == 429

    assert partner_client.get("/api/v1/claims/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert partner_client.head("/api/v1/claims/", HTTP_IF_NONE_MATCH=etag).status_code == 304


# Anonymous callers are counted per client address, which is REMOTE_ADDR
# unless trusted proxies are configured (docs/operations.md): a forged
# X-Forwarded-For must not buy a fresh count.

SCHEMA = "/api/v1/schema/?format=json"


@pytest.fixture
def low_anonymous_rate(settings):
    # Per hour: the schema takes a while to build, and a test that straddled
    # two windows would start counting again.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anonymous": "2/hour",
        },
    }


@pytest.mark.urls("config.urls")
def test_anonymous_rotating_forwarded_for_without_a_proxy_is_still_throttled(
    db, low_anonymous_rate
):
    anonymous = APIClient()
    statuses = [
        anonymous.get(SCHEMA, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.urls("config.urls")
def test_anonymous_rotating_forwarded_for_behind_a_proxy_is_counted_by_what_it_appended(
    db, low_anonymous_rate, settings
):
    settings.CLAIMDESK_PROXY_COUNT = 1
    anonymous = APIClient()
    statuses = [
        anonymous.get(
            SCHEMA, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.urls("config.urls")
def test_anonymous_clients_behind_a_proxy_each_have_their_own_count(
    db, low_anonymous_rate, settings
):
    settings.CLAIMDESK_PROXY_COUNT = 1
    anonymous = APIClient()

    def from_client(address):
        return anonymous.get(SCHEMA, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

    assert [from_client("203.0.113.7").status_code for _ in range(3)] == [200, 200, 429]
    assert from_client("203.0.113.8").status_code == 200
