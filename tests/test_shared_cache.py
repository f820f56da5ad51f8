"""
Several app servers behind a load balancer share one Redis (REDIS_URL): a
partner's throttle, an Idempotency-Key and a staff member's session hold
whichever server a request lands on. (Without Redis, tests/test_processes.py
runs two real workers on the database store.)

Each server is a test client of its own (its own cookies, its own handler).
That two clients in one process agree would prove nothing by itself, since a
process-local cache is shared too; so each test also reads the state straight
from Redis, over a connection of its own, as another server would.
"""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import StaffToken
from sources.models import Party

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="Needs a shared Redis: set REDIS_URL (CI runs the suite once with "
    "REDIS_URL=redis://127.0.0.1:6379/1).",
)

PARTNER_RATE = 4
PASSWORD = "correct horse battery staple"  # tests.conftest.make_user's


@pytest.fixture
def shared_redis() -> redis.Redis:
    """A connection of our own to the Redis the app servers share."""
    connection = redis.Redis.from_url(settings.REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def low_partner_rate(settings):
    # Per hour, so that the count never straddles two windows mid-test.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "partner": f"{PARTNER_RATE}/hour",
        },
    }


def partner_on_a_server(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_partner_throttle_counts_requests_on_every_server_together(
    db, partner_key, low_partner_rate, shared_redis
):
    servers = [partner_on_a_server(partner_key), partner_on_a_server(partner_key)]

    allowed = [servers[n % 2].get("/api/v1/disputes/").status_code for n in range(PARTNER_RATE)]
    assert allowed == [200] * PARTNER_RATE

    for server in servers:  # the next one, whichever server it reaches
        response = server.get("/api/v1/disputes/")
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 3600
    counters = list(shared_redis.scan_iter(match="*throttle:partner:*"))
    assert len(counters) == 1
    assert int(shared_redis.get(counters[0])) == PARTNER_RATE + 2


def test_session_from_a_login_on_one_server_is_honoured_by_another(db, viewer, shared_redis):
    server_a, server_b = Client(), Client()
    response = server_a.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302
    session_key = server_a.cookies[settings.SESSION_COOKIE_NAME].value

    assert server_b.get(reverse("dashboard:overview")).status_code == 302  # not signed in there yet
    server_b.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = server_b.get(reverse("dashboard:overview"))

    assert response.status_code == 200
    assert response.context["user"] == viewer
    # Kept in Redis, not in the database.
    assert Session.objects.count() == 0
    assert list(shared_redis.scan_iter(match=f"*{session_key}*"))


def test_signing_out_on_one_server_signs_out_on_every_server(db, viewer, shared_redis):
    server_a, server_b = Client(), Client()
    server_a.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    session_key = server_a.cookies[settings.SESSION_COOKIE_NAME].value
    server_b.cookies[settings.SESSION_COOKIE_NAME] = session_key

    assert server_b.post(reverse("logout")).status_code == 302

    response = server_a.get(reverse("dashboard:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not list(shared_redis.scan_iter(match=f"*{session_key}*"))


def test_idempotency_key_taken_on_one_server_is_replayed_by_another(db, editor, shared_redis):
    _, token = StaffToken.objects.create_key(user=editor, name="two servers")
    server_a, server_b = APIClient(), APIClient()
    for server in (server_a, server_b):
        server.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = {"name": "United States", "slug": "united-states"}

    first = server_a.post("/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = server_b.post("/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Party.objects.count() == 1
    assert len(list(shared_redis.scan_iter(match="*idempotency:*"))) == 1
