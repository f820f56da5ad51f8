"""
Partners will read the released rows as the API serves them: the frozen JSON
is the API's, field for field, with the publication fields added (and the
desk's row `version` replaced by the revision's, which is what partners
follow). Compared right after publishing, when the desk and the revision
agree.
"""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from claims.models import Account, Claim, Corroboration
from publishing import selectors
from publishing.models import RevisionObject
from publishing.representation import render

PUBLICATION_FIELDS = {
    "pub_status",
    "version",
    "first_published_at",
    "version_created_at",
    "embargoed_until",
}


def frozen(object_type, object_id):
    row = RevisionObject.objects.get(object_type=object_type, object_id=object_id, visible=True)
    return json.loads(row.content), json.loads(row.data)


def without_version(data):
    return {name: value for name, value in data.items() if name != "version"}


@pytest.fixture
def staff_api(editor_client):
    return editor_client


def test_a_claim_is_the_apis_claim(hanoi, staff_api):
    listed = {
        item["id"]: item
        for item in staff_api.get("/api/v1/claims/?page_size=100").json()["results"]
    }
    for claim in Claim.objects.all():
        content, data = frozen("claim", claim.pk)
        assert content == without_version(listed[claim.pk])
        assert set(data) == set(listed[claim.pk]) | PUBLICATION_FIELDS | {"corrections"}


def test_a_claims_detail_adds_the_apis_explanation(hanoi, staff_api):
    claim = hanoi.us_claim
    api = staff_api.get(f"/api/v1/claims/{claim.pk}/").json()
    detail = json.loads(selectors.partner_detail(selectors.partner_object("claim", claim.pk)))
    assert detail["explanation"] == api["explanation"]


def test_a_dispute_is_the_apis_dispute(hanoi, staff_api):
    api = staff_api.get(f"/api/v1/disputes/{hanoi.dispute.slug}/").json()
    content, data = frozen("dispute", hanoi.dispute.pk)
    assert content == without_version(api)
    assert set(data) == set(api) | PUBLICATION_FIELDS | {"corrections"}


def test_an_account_is_the_apis_account(hanoi, staff_api):
    for account in Account.objects.all():
        api = staff_api.get(f"/api/v1/accounts/{account.pk}/").json()
        content, _ = frozen("account", account.pk)
        assert content == without_version(api)


def test_a_corroboration_is_the_apis_corroboration(hanoi, staff_api):
    for corroboration in Corroboration.objects.all():
        api = staff_api.get(f"/api/v1/corroborations/{corroboration.pk}/").json()
        content, data = frozen("corroboration", corroboration.pk)
        assert content == without_version(api)
        assert set(data) == set(api) | PUBLICATION_FIELDS


def test_a_source_is_the_apis_source_put_together_from_released_rows(hanoi, staff_api):
    released = selectors.partner_sources()
    assert set(released) == {hanoi.sources[key].pk for key in hanoi.sources}
    for pk, data in released.items():
        assert data == staff_api.get(f"/api/v1/sources/{pk}/").json()


def test_the_frozen_text_is_what_the_apis_renderer_writes():
    data = {"text": "Kim\u2028said “no”", "score": 0.5, "items": [None, True]}
    assert render(data).encode() == JSONRenderer().render(data)
