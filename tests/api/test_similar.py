"""
GET /api/v1/claims/{id}/similar/: the claims most like a claim, for staff.

The model loads once per test process (intake.matching keeps it), about a
second, at the first test that matches.
"""

import pytest

from changelog.models import Change
from claims.models import Claim
from tests.api.test_claims import assert_error
from tests.conftest import token_client
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

# The Korean of the Hanoi story's "test_halt" claim (tests/intake/test_matching_claims.py).
TEST_HALT_KO = (
    "북한은 핵실험과 대륙간탄도미사일 시험의 영구 중단을 문서로 제안할 준비가 되어 있었다."
)


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


def similar(client, claim, query=""):
    return client.get(f"/api/v1/claims/{claim.pk}/similar/{query}")


def labels(response) -> dict[int, str]:
    return {item["claim"]["id"]: item["label"] for item in response.json()}


def test_staff_get_the_korean_translation_as_the_same_claim(viewer_api, hanoi):
    english = hanoi.claims["test_halt"]
    korean = ClaimFactory(account=hanoi.nk_account, text=TEST_HALT_KO, speaker=hanoi.ri)

    response = similar(viewer_api, english)

    assert response.status_code == 200
    first = response.json()[0]
    assert first["claim"] == {
        "id": korean.pk,
        "text": TEST_HALT_KO,
        "dispute": hanoi.dispute.slug,
        "party": "north-korea",
        "url": f"http://testserver/api/v1/claims/{korean.pk}/",
    }
    assert first["label"] == "paraphrase"
    assert first["reason"] == ""
    assert 0 < first["score"] <= 1 and 0 < first["semantic"] <= 1 and 0 <= first["lexical"] <= 1


def test_the_near_opposite_is_related_with_its_reason_not_the_same_claim(viewer_api, hanoi):
    response = similar(viewer_api, hanoi.us_claim)

    assert response.status_code == 200
    near_opposite = next(i for i in response.json() if i["claim"]["id"] == hanoi.nk_claim.pk)
    assert near_opposite["label"] == "related"
    assert near_opposite["reason"]
    assert near_opposite["claim"]["party"] == "north-korea"


def test_a_claim_is_never_similar_to_itself_and_comes_best_first(viewer_api, hanoi):
    response = similar(viewer_api, hanoi.nk_claim)

    items = response.json()
    assert items
    assert hanoi.nk_claim.pk not in labels(response)
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


def test_limit_caps_the_suggestions(viewer_api, hanoi):
    assert len(similar(viewer_api, hanoi.nk_claim, "?limit=1").json()) == 1


def test_a_dispute_keeps_only_its_claims(viewer_api, hanoi):
    other = ClaimFactory(text=hanoi.nk_claim.text + " Again.")
    assert other.account.dispute != hanoi.dispute
    assert other.pk in labels(similar(viewer_api, hanoi.nk_claim))

    response = similar(viewer_api, hanoi.nk_claim, f"?dispute={hanoi.dispute.slug}")

    assert response.status_code == 200
    assert other.pk not in labels(response)
    assert all(i["claim"]["dispute"] == hanoi.dispute.slug for i in response.json())


@pytest.mark.parametrize(
    "query, field",
    [
        ("?limit=0", "limit"),
        ("?limit=21", "limit"),
        ("?limit=five", "limit"),
        ("?limit=", "limit"),
        ("?dispute=no-such-dispute", "dispute"),
        ("?dispute=", "dispute"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(viewer_api, hanoi, query, field):
    assert_error(similar(viewer_api, hanoi.nk_claim, query), 400, field)


def test_an_unknown_claim_is_a_404(viewer_api, hanoi):
    assert_error(viewer_api.get("/api/v1/claims/999999/similar/"), 404)


def test_a_partner_key_is_refused_saying_why_and_nothing_changes(partner_client, hanoi):
    changes = Change.objects.count()

    error = assert_error(similar(partner_client, hanoi.nk_claim), 403)

    assert "partner" in error["message"] and "live desk" in error["message"]
    assert Change.objects.count() == changes


def test_a_staff_token_reads_it_and_changes_no_claim(reporter, hanoi):
    before = list(Claim.objects.order_by("pk").values_list("pk", "text", "version"))
    changes = Change.objects.count()

    response = similar(token_client(reporter), hanoi.nk_claim)

    assert response.status_code == 200 and response.json()
    assert list(Claim.objects.order_by("pk").values_list("pk", "text", "version")) == before
    assert Change.objects.count() == changes


def test_anonymous_is_a_401(client, hanoi):
    assert_error(client.get(f"/api/v1/claims/{hanoi.nk_claim.pk}/similar/"), 401)


@pytest.mark.parametrize("limit", [1, 20])
def test_similar_takes_a_fixed_number_of_queries(
    viewer_api, hanoi, limit, django_assert_max_num_queries
):
    similar(viewer_api, hanoi.nk_claim)  # the first call embeds the stored claims

    # The change log's head (the ETag), the claim, the dispute; the matcher's
    # freshness check, the dispute's claims, the candidates' texts; their
    # disputes and parties.
    with django_assert_max_num_queries(7):
        response = similar(
            viewer_api, hanoi.nk_claim, f"?limit={limit}&dispute=hanoi-summit-sanctions"
        )
    assert response.status_code == 200 and response.json()
