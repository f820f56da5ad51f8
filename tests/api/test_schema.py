"""The published OpenAPI schema: valid, complete, true to the API, browsable without a CDN."""

import os
import re
from io import StringIO

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Per operation and mode (valid, invalid data): enough to meet every path
# and most parameters in a few seconds of the suite.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))

PATHS = {
    "/api/v1/parties/",
    "/api/v1/parties/{slug}/",
    "/api/v1/sources/",
    "/api/v1/sources/{id}/",
    "/api/v1/disputes/",
    "/api/v1/disputes/{slug}/",
    "/api/v1/disputes/{slug}/claimreview/",
    "/api/v1/disputes/{slug}/publication/",
    "/api/v1/disputes/{slug}/partner-diff/",
    "/api/v1/disputes/{slug}/submit/",
    "/api/v1/disputes/{slug}/publish/",
    "/api/v1/disputes/{slug}/pause/",
    "/api/v1/disputes/{slug}/resume/",
    "/api/v1/disputes/{slug}/retract/",
    "/api/v1/accounts/",
    "/api/v1/accounts/{id}/",
    "/api/v1/claims/",
    "/api/v1/claims/{id}/",
    "/api/v1/claims/{id}/claimreview/",
    "/api/v1/claims/{id}/similar/",
    "/api/v1/corroborations/",
    "/api/v1/corroborations/{id}/",
    "/api/v1/changes/",
}


@pytest.fixture
def openapi(client, db):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_generates_without_warnings_and_validates(db):
    # --fail-on-warn turns every warning of drf-spectacular into a failure;
    # --validate checks the result against the OpenAPI 3 meta-schema.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", stdout=StringIO(), stderr=StringIO()
    )


def test_schema_describes_every_path(openapi):
    assert set(openapi["paths"]) == PATHS


def test_every_operation_documents_its_errors_in_the_one_shape(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "403", "429"):
                assert code in responses, (method, path, code)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert "400" in responses, (method, path)
            error = next(iter(responses["401"]["content"].values()))["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_filters_are_documented_with_their_choices(openapi):
    parameters = {p["name"]: p for p in openapi["paths"]["/api/v1/claims/"]["get"]["parameters"]}

    assert {
        "dispute",
        "party",
        "verdict",
        "min_score",
        "max_score",
        "updated_since",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= set(parameters)
    assert "corroborated" in parameters["verdict"]["schema"]["enum"]
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert "-score" in parameters["ordering"]["schema"]["enum"]


def schema_properties(openapi, name):
    return set(openapi["components"]["schemas"][name]["properties"])


# What partners read adds to each representation (docs/api.md).
PARTNER_ONLY = {
    "pub_status",
    "first_published_at",
    "version_created_at",
    "embargoed_until",
    "corrections",
}


@pytest.mark.parametrize("caller", ["staff", "partner"])
def test_claim_responses_have_the_documented_fields(
    openapi, api_as, viewer, partner_client, hanoi, caller
):
    api = api_as(viewer) if caller == "staff" else partner_client
    listed = api.get("/api/v1/claims/").json()["results"][0]
    detail = api.get(f"/api/v1/claims/{hanoi.us_claim.pk}/").json()
    extra = PARTNER_ONLY if caller == "staff" else set()

    assert set(listed) == schema_properties(openapi, "Claim") - extra
    assert set(detail) == schema_properties(openapi, "ClaimDetail") - extra
    assert set(listed["corroborations"][0]) == schema_properties(openapi, "ClaimEvidence")
    assert set(listed["speaker"]) == schema_properties(openapi, "SourceRef")


@pytest.mark.parametrize(
    "url, component",
    [
        ("/api/v1/disputes/", "Dispute"),
        ("/api/v1/accounts/", "Account"),
        ("/api/v1/corroborations/", "Corroboration"),
        ("/api/v1/sources/", "Source"),
    ],
)
def test_what_partners_read_has_the_documented_fields(
    openapi, partner_client, hanoi, url, component
):
    listed = partner_client.get(url).json()["results"][0]
    assert set(listed) == schema_properties(openapi, component)


def test_a_tombstone_has_the_documented_fields(openapi, partner_client, hanoi, editor):
    from publishing import services

    services.pause(dispute=hanoi.dispute, by=editor)
    tombstone = partner_client.get(f"/api/v1/disputes/{hanoi.dispute.slug}/").json()
    assert set(tombstone) == schema_properties(openapi, "DisputeTombstone")


def test_docs_page_is_served_from_the_app_with_no_inline_script(client, db, settings):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    # The Swagger UI ships in the app's static files; the split view's own
    # script is a URL of the app.
    for url in re.findall(r'src="([^"]+)"', html):
        url = url.replace("&amp;", "&")
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
        else:
            script = client.get(url)
            assert script.status_code == 200 and "javascript" in script["Content-Type"], url


# Fuzzing: schemathesis generates requests from the schema, valid and
# invalid, sends them to the app in-process as an editor (so that writes
# reach the services), and checks each answer: never a 5xx, and always a
# status, content type and body the schema documents.


@pytest.fixture
def wsgi_app(db):
    # Each request would otherwise close the database connection, which
    # pytest-django holds in a transaction for the test (Django's test client
    # does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def editor_token(editor):
    from api.models import StaffToken

    _, token = StaffToken.objects.create_key(user=editor, name="fuzzing")
    return token


# A stale If-Match is answered before the body is read, as RFC 9110 §13.2.2
# orders it: a body that breaks the schema sent with a stale tag gets the
# documented 412, which schemathesis would otherwise count as accepting it.
FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "412",
                    "415",
                    "422",
                    "428",
                    "429",
                    "5xx",
                ]
            }
        },
    }
)


@pytest.fixture
def api_schema(wsgi_app, hanoi, editor_token):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", wsgi_app, config=FUZZ_CONFIG
    )


def test_fuzzed_requests_get_documented_answers_and_no_server_error(api_schema, editor_token):
    # Driven by hand rather than with schemathesis' pytest plugin, whose
    # parametrize() does not run under pytest 9. Every check runs but
    # positive_data_acceptance: a schema-valid slug or id may name nothing,
    # and the contract answers that with a 400 naming the parameter.
    headers = {"Authorization": f"Token {editor_token}"}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize="FUZZ_EXAMPLES" not in os.environ,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def send(case):
                case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

            send()


def test_schema_documents_the_conditional_headers_and_304(openapi):
    claims = openapi["paths"]["/api/v1/claims/"]
    claim = openapi["paths"]["/api/v1/claims/{id}/"]

    def headers(operation):
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}

    assert "If-None-Match" in headers(claims["get"])
    assert "304" in claims["get"]["responses"]
    assert "Idempotency-Key" in headers(claims["post"])
    assert "If-Match" in headers(claim["patch"])
    assert "412" in claim["patch"]["responses"]
