"""
A partner's conditional read is answered 304 by a middleware before the rest
of the stack (api/middleware.py): the same validators as the views
would send, one query, and never for a key or a tag the views would refuse.
"""

import hashlib
import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from api.middleware import partner_not_modified
from api.resources.parties import PartyViewSet
from claims import services as claim_services
from claims.models import Claim
from publishing import services as publishing
from sources import services
from tests.factories import build_dispute

URL = "/api/v1/parties/"
PARTNER_ORIGIN = "https://cms.example-times.com"


@pytest.fixture
def party(db):
    """A party partners can read: the account of a released dispute names it."""
    party = services.create_party(by=None, name="United States", slug="united-states")
    dispute = claim_services.create_dispute(by=None, slug="hanoi", title="What happened?")
    claim_services.create_account(by=None, dispute=dispute, party=party)
    publishing.submit_for_review(dispute=dispute, by=None)
    publishing.publish(dispute=dispute, by=None)
    return party


def test_partner_304_carries_the_validators_of_the_200_in_one_query(
    partner_client, party, django_assert_num_queries
):
    first = partner_client.get(URL)
    with django_assert_num_queries(1):
        again = partner_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    for header in ("ETag", "Last-Modified", "Cache-Control"):
        assert again[header] == first[header]
    assert {"Accept", "Authorization"} <= {v.strip() for v in again["Vary"].split(",")}


def test_the_middleware_itself_answers_before_any_view(partner_client, partner_key, party):
    etag = partner_client.get(URL)["ETag"]
    request = RequestFactory().get(
        URL, HTTP_AUTHORIZATION=f"Api-Key {partner_key}", HTTP_IF_NONE_MATCH=etag
    )
    response = partner_not_modified(request)
    assert response is not None
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_partner_304_never_reaches_the_views(partner_client, party, monkeypatch):
    etag = partner_client.get(URL)["ETag"]

    def fail(*args, **kwargs):
        raise AssertionError("the view ran")

    monkeypatch.setattr(PartyViewSet, "dispatch", fail)
    assert partner_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_detail_etag_sent_back_as_is_gets_304(partner_client, party):
    url = f"{URL}{party.slug}/"
    etag = partner_client.get(url)["ETag"]
    response = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert etag.endswith(response["ETag"].lstrip('"'))


def test_head_with_current_tag_gets_304(partner_client, party):
    etag = partner_client.get(URL)["ETag"]
    assert partner_client.head(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_after_a_write_the_same_tag_gets_200_with_a_new_etag(partner_client, party):
    before = partner_client.get(URL)["ETag"]
    services.update_party(party=party, by=None, description="A delegation.")

    response = partner_client.get(URL, HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200
    assert response["ETag"] != before
    assert response.json()["results"][0]["description"] == "A delegation."


def test_revoked_key_with_a_tag_it_was_given_gets_401(partner_client, partner_key, party):
    etag = partner_client.get(URL)["ETag"]
    api_key = APIKey.objects.get_from_key(partner_key)
    api_key.revoked = True
    api_key.save()

    response = partner_client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 401
    assert "revoked" in response.content.decode()


def test_expired_key_with_a_tag_it_was_given_gets_401(partner_client, partner_key, party):
    etag = partner_client.get(URL)["ETag"]
    APIKey.objects.filter(prefix=partner_key.partition(".")[0]).update(
        expiry_date=timezone.now() - timedelta(seconds=1)
    )

    response = partner_client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 401
    assert "expired" in response.content.decode()


def test_wrong_secret_with_a_valid_tag_gets_401(partner_client, partner_key, party):
    etag = partner_client.get(URL)["ETag"]
    prefix = partner_key.partition(".")[0]
    partner_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {prefix}.notTheSecret")
    assert partner_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 401


def test_tag_with_the_right_shape_but_a_made_up_digest_gets_200(partner_client, party):
    head = partner_client.get(URL)["ETag"].strip('"').partition("-")[0]
    response = partner_client.get(URL, HTTP_IF_NONE_MATCH=f'"{head}-0123456789abcdef"')
    assert response.status_code == 200


def test_tag_digested_without_the_servers_secret_gets_200(partner_client, party):
    # What anyone could compute from the request alone, were the digest a plain hash.
    head = partner_client.get(URL)["ETag"].strip('"').partition("-")[0]
    selector = json.dumps([URL, [], "", "partner"])
    forged = f'"{head}-{hashlib.sha256(selector.encode()).hexdigest()[:16]}"'
    assert partner_client.get(URL, HTTP_IF_NONE_MATCH=forged).status_code == 200


def test_tag_of_another_accept_header_does_not_match(partner_client, party):
    etag = partner_client.get(URL, HTTP_ACCEPT="application/json")["ETag"]
    response = partner_client.get(URL, HTTP_ACCEPT="*/*", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_partner_tag_does_not_validate_for_a_staff_token(partner_client, editor_client, party):
    etag = partner_client.get(URL)["ETag"]
    assert editor_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_staff_token_still_gets_304_from_the_views(editor_client, party, django_assert_num_queries):
    etag = editor_client.get(URL)["ETag"]
    with django_assert_num_queries(1):
        response = editor_client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_write_with_if_none_match_is_not_answered_304(partner_client, party):
    etag = partner_client.get(URL)["ETag"]
    response = partner_client.post(
        URL, {"name": "North Korea", "slug": "north-korea"}, format="json", HTTP_IF_NONE_MATCH=etag
    )
    assert response.status_code == 403


def test_partner_origin_gets_cors_security_and_request_id_headers_on_the_304(
    partner_client, party, settings
):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER_ORIGIN]
    etag = partner_client.get(URL, HTTP_ORIGIN=PARTNER_ORIGIN)["ETag"]

    response = partner_client.get(URL, HTTP_ORIGIN=PARTNER_ORIGIN, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["Access-Control-Allow-Origin"] == PARTNER_ORIGIN
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_a_host_that_is_not_allowed_gets_400_not_304(partner_client, party):
    etag = partner_client.get(URL)["ETag"]
    response = partner_client.get(URL, HTTP_HOST="evil.example", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 400


# What partners read moves only with their feed (api.conditional.head_for)


@pytest.fixture
def released_claims(db):
    dispute = build_dispute(parties=1, claims_per_account=2, evidence_per_claim=1)
    publishing.submit_for_review(dispute=dispute, by=None)
    publishing.publish(dispute=dispute, by=None)
    return dispute


def test_a_reporters_draft_leaves_a_partners_304_in_one_query(
    partner_client, released_claims, django_assert_num_queries
):
    url = "/api/v1/claims/"
    etag = partner_client.get(url)["ETag"]
    claim = Claim.objects.filter(account__dispute=released_claims).first()
    claim_services.update_claim(claim=claim, by=None, text="A draft on the desk.")

    with django_assert_num_queries(1):
        again = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert etag.startswith('"p')


def test_a_release_turns_a_partners_304_into_a_200(partner_client, released_claims):
    url = f"/api/v1/disputes/{released_claims.slug}/"
    etag = partner_client.get(url)["ETag"]
    claim = Claim.objects.filter(account__dispute=released_claims).first()
    claim_services.update_claim(claim=claim, by=None, text="Reworded.")
    publishing.republish(dispute=released_claims, by=None)

    response = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_staff_tags_stay_at_the_change_logs_head(viewer_client, released_claims):
    etag = viewer_client.get("/api/v1/claims/?view=partner")["ETag"]
    claim = Claim.objects.filter(account__dispute=released_claims).first()
    claim_services.update_claim(claim=claim, by=None, text="Reworded.")

    assert etag.startswith('"h')
    response = viewer_client.get("/api/v1/claims/?view=partner", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200


def test_a_partners_parties_still_move_with_the_desk(partner_client, party):
    etag = partner_client.get(URL)["ETag"]
    assert etag.startswith('"h')
    services.update_party(party=party, by=None, name="USA")
    assert partner_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
