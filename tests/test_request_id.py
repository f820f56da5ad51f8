"""X-Request-ID: a load balancer's id is kept, a client's odd one replaced."""

import re

import pytest


def test_a_well_formed_request_id_is_echoed(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a9c.2e4d:1")
    assert response["X-Request-ID"] == "lb-7f3a9c.2e4d:1"


@pytest.mark.parametrize(
    "sent", ["evil\r\nSet-Cookie: x=1", "tab\there", "x" * 129, "naïve", "a b", ""]
)
def test_any_other_request_id_is_replaced_by_one_made_here(client, db, sent):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=sent)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_request_without_an_id_gets_one(client, db):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/accounts/login/")["X-Request-ID"])
