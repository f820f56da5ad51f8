"""schema.org ClaimReview markup, for partners to publish with their stories."""

from datetime import UTC, datetime

import pytest

from api.resources.claimreview import claim_review
from claims.models import Claim, Verdict
from sources.models import Source
from tests.api.test_claims import assert_error

NEWSROOM = {"name": "The Example Desk", "url": "https://desk.example.org/"}


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


def test_claim_review_is_json_ld_with_every_field(viewer_api, hanoi, settings):
    settings.CLAIMDESK_NEWSROOM = NEWSROOM
    Claim.objects.filter(pk=hanoi.us_claim.pk).update(
        appearance="https://example.org/press-conference"
    )

    response = viewer_api.get(f"/api/v1/claims/{hanoi.us_claim.pk}/claimreview/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    review = response.json()
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == hanoi.us_claim.text
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Donald Trump"},
        "datePublished": "2019-02-28",
        "appearance": {"@type": "CreativeWork", "url": "https://example.org/press-conference"},
    }
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 2,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Mostly contradicted",
    }
    assert review["author"] == {"@type": "Organization", **NEWSROOM}
    assert review["datePublished"] == hanoi.us_claim.updated_at.date().isoformat()
    assert review["url"] == f"http://testserver/api/v1/claims/{hanoi.us_claim.pk}/"


def test_claim_review_answers_json_ld_even_to_a_client_asking_for_json(viewer_api, hanoi):
    response = viewer_api.get(
        f"/api/v1/claims/{hanoi.us_claim.pk}/claimreview/", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")


@pytest.mark.parametrize(
    "verdict, rating",
    [
        (Verdict.CORROBORATED, 5),
        (Verdict.MOSTLY_CORROBORATED, 4),
        (Verdict.CONTESTED, 3),
        (Verdict.UNVERIFIED, 3),
        (Verdict.MOSTLY_CONTRADICTED, 2),
        (Verdict.CONTRADICTED, 1),
    ],
)
def test_rating_follows_the_verdict(verdict, rating):
    claim = Claim(
        pk=1,
        text="A statement.",
        verdict=verdict,
        speaker=Source(name="A wire", kind="wire_service"),
        updated_at=datetime(2019, 3, 1, tzinfo=UTC),
    )

    review = claim_review(claim, url="https://example.org/")

    assert review["reviewRating"]["ratingValue"] == rating
    assert review["reviewRating"]["alternateName"] == verdict.label
    assert review["itemReviewed"]["author"]["@type"] == "Organization"
    # Unknown dates and appearances are left out rather than sent as null.
    assert "datePublished" not in review["itemReviewed"]
    assert "appearance" not in review["itemReviewed"]


def test_dispute_review_is_a_graph_of_its_claims(viewer_api, hanoi):
    response = viewer_api.get("/api/v1/disputes/hanoi-summit-sanctions/claimreview/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    assert body["@context"] == "https://schema.org"
    assert {review["claimReviewed"] for review in body["@graph"]} == {
        claim.text for claim in hanoi.claims.values()
    }
    assert all(
        review["@type"] == "ClaimReview" and "@context" not in review for review in body["@graph"]
    )


def test_review_of_an_unknown_claim_is_a_404(viewer_api, db):
    response = viewer_api.get("/api/v1/claims/999999/claimreview/")

    assert_error(response, 404)


def test_review_needs_credentials(db, client):
    response = client.get("/api/v1/disputes/hanoi-summit-sanctions/claimreview/")

    assert response.status_code == 401
