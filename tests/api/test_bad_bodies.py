"""
Bodies the API cannot take: nested too deeply, larger than the limit. Each
is a clean 4xx in the one error shape, and nothing is written.
"""

import json

import pytest
from rest_framework_api_key.models import APIKey

from claims.models import Corroboration
from tests.api.test_claims import assert_error


@pytest.mark.parametrize("depth", [990, 20_000])
def test_deeply_nested_json_is_a_parse_error(reporter_client, hanoi, depth):
    body = "[" * depth + "]" * depth

    response = reporter_client.post(
        "/api/v1/corroborations/", body, content_type="application/json"
    )

    error = assert_error(response, 400)
    assert error["code"] == "parse_error"
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_a_body_over_the_limit_is_413_saying_so(reporter_client, hanoi, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps(
        {
            "claim": hanoi.nk_claim.pk,
            "source": hanoi.ap.pk,
            "stance": "supports",
            "quote": "x" * 100_000,
        }
    )

    response = reporter_client.post(
        "/api/v1/corroborations/", body, content_type="application/json"
    )

    error = assert_error(response, 413)
    assert error["code"] == "request_too_large"
    assert "64 KB" in error["message"]
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_a_body_within_the_limit_is_taken(reporter_client, hanoi):
    body = json.dumps(
        {"claim": hanoi.nk_claim.pk, "source": hanoi.ap.pk, "stance": "supports", "quote": "ok"}
    )
    response = reporter_client.post(
        "/api/v1/corroborations/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "path, accept",
    [
        ("/api/v1/schema/", "*/*"),  # answered in YAML
        ("/api/v1/docs/", "text/html"),
        ("/api/v1/claims/", "text/html"),  # the browsable API
    ],
)
def test_a_revoked_key_is_told_so_whatever_the_format(client, db, path, accept):
    key_object, key = APIKey.objects.create_key(name="Former partner")
    key_object.revoked = True
    key_object.save()

    response = client.get(path, HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_ACCEPT=accept)

    error = assert_error(response, 401)
    assert "revoked" in error["message"]
