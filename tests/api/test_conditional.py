"""
Conditional and idempotent requests (docs/api.md): ETag and Last-Modified on
reads, 304 on If-None-Match, 412 on a stale If-Match, replays under
Idempotency-Key. The machinery runs first on a test-only parties API
(tests/api/probe.py), then on the real resources as partners and editors call
them.
"""

import pytest
from rest_framework.test import APIClient

from api.models import StaffToken
from claims.models import Corroboration
from publishing import services as publishing
from sources import services
from sources.models import Party
from tests.api.probe import PartyViewSet

probe = pytest.mark.urls("tests.api.probe")


@pytest.fixture
def party(db):
    return services.create_party(by=None, name="United States", slug="united-states")


@probe
def test_list_and_detail_carry_etag_and_last_modified(partner_client, party):
    for url in ("/probe/parties/", f"/probe/parties/{party.pk}/"):
        response = partner_client.get(url)
        assert response.status_code == 200
        assert response["ETag"].startswith('"')
        assert response["Last-Modified"].endswith("GMT")


@probe
def test_detail_etag_names_the_object_version(partner_client, party):
    response = partner_client.get(f"/probe/parties/{party.pk}/")
    assert response["ETag"].startswith(f'"party-{party.pk}-v1.')


@probe
def test_if_none_match_answers_304_without_body_in_one_query(
    partner_client, party, django_assert_max_num_queries
):
    etag = partner_client.get("/probe/parties/")["ETag"]
    with django_assert_max_num_queries(1):
        response = partner_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


@probe
def test_staff_token_gets_304_in_one_query_too(editor_client, party, django_assert_max_num_queries):
    etag = editor_client.get(f"/probe/parties/{party.pk}/")["ETag"]
    with django_assert_max_num_queries(1):
        response = editor_client.get(f"/probe/parties/{party.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


@probe
def test_if_none_match_accepts_a_weakened_tag_among_others(partner_client, party):
    etag = partner_client.get("/probe/parties/")["ETag"]
    response = partner_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert response.status_code == 304


@probe
def test_a_write_changes_the_etag(partner_client, party):
    before = partner_client.get("/probe/parties/")["ETag"]
    services.update_party(party=party, by=None, description="A delegation.")
    response = partner_client.get("/probe/parties/", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before
    assert response.json()["results"][0]["description"] == "A delegation."


@probe
def test_etag_differs_by_query_string(partner_client, party):
    plain = partner_client.get("/probe/parties/")["ETag"]
    response = partner_client.get("/probe/parties/?page=1", HTTP_IF_NONE_MATCH=plain)
    assert response.status_code == 200
    assert response["ETag"] != plain


@probe
def test_etag_of_one_url_does_not_validate_another(partner_client, party):
    list_etag = partner_client.get("/probe/parties/")["ETag"]
    response = partner_client.get(f"/probe/parties/{party.pk}/", HTTP_IF_NONE_MATCH=list_etag)
    assert response.status_code == 200


@probe
def test_view_without_a_model_is_conditional_too(partner_client, party):
    etag = partner_client.get("/probe/head/")["ETag"]
    assert partner_client.get("/probe/head/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@probe
def test_stale_if_match_is_refused_with_412_and_nothing_changes(editor_client, party):
    etag = editor_client.get(f"/probe/parties/{party.pk}/")["ETag"]
    services.update_party(party=party, by=None, description="Someone else's edit.")

    response = editor_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "Mine."}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    party.refresh_from_db()
    assert party.description == "Someone else's edit."
    assert party.version == 2


@probe
def test_current_if_match_lets_the_write_through(editor_client, party):
    etag = editor_client.get(f"/probe/parties/{party.pk}/")["ETag"]
    response = editor_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "Mine."}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    party.refresh_from_db()
    assert party.description == "Mine."


@probe
def test_bare_object_tag_works_in_if_match(editor_client, party):
    response = editor_client.patch(
        f"/probe/parties/{party.pk}/",
        {"description": "Mine."},
        format="json",
        HTTP_IF_MATCH=f'"party-{party.pk}-v1"',
    )
    assert response.status_code == 200


@probe
def test_write_answers_with_the_new_object_tag_for_the_next_if_match(editor_client, party):
    first = editor_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "One."}, format="json", HTTP_IF_MATCH="*"
    )
    assert first["ETag"] == f'"party-{party.pk}-v2"'
    second = editor_client.patch(
        f"/probe/parties/{party.pk}/",
        {"description": "Two."},
        format="json",
        HTTP_IF_MATCH=first["ETag"],
    )
    assert second.status_code == 200
    assert second["ETag"] == f'"party-{party.pk}-v3"'


@probe
@pytest.mark.parametrize(
    "if_match",
    ['"h1-0123456789abcdef"', 'W/"party-{pk}-v1"', '"party-{other}-v1"', "garbage"],
    ids=["list tag", "weak tag", "another object", "malformed"],
)
def test_if_match_that_does_not_name_this_version_is_refused(editor_client, party, if_match):
    response = editor_client.patch(
        f"/probe/parties/{party.pk}/",
        {"description": "Mine."},
        format="json",
        HTTP_IF_MATCH=if_match.format(pk=party.pk, other=party.pk + 1),
    )
    assert response.status_code == 412
    party.refresh_from_db()
    assert party.description == ""


@probe
def test_stale_if_match_is_refused_on_delete(editor_client, party):
    response = editor_client.delete(
        f"/probe/parties/{party.pk}/", HTTP_IF_MATCH=f'"party-{party.pk}-v0"'
    )
    assert response.status_code == 412
    assert Party.objects.filter(pk=party.pk).exists()


@probe
def test_edit_racing_past_the_if_match_check_is_caught_under_the_lock(
    editor_client, party, monkeypatch
):
    # Another editor commits between our If-Match check and our service call:
    # the version passed to the service is checked again under the row lock.
    original = PartyViewSet.get_object

    def get_object_then_lose_the_race(view):
        obj = original(view)
        services.update_party(party=obj, by=None, description="The other editor's.")
        return obj

    monkeypatch.setattr(PartyViewSet, "get_object", get_object_then_lose_the_race)
    response = editor_client.patch(
        f"/probe/parties/{party.pk}/",
        {"description": "Mine."},
        format="json",
        HTTP_IF_MATCH=f'"party-{party.pk}-v1"',
    )

    assert response.status_code == 412
    party.refresh_from_db()
    assert party.description == "The other editor's."


@probe
def test_idempotent_post_replayed_creates_one_object_and_answers_the_same(editor_client, db):
    body = {"name": "North Korea", "slug": "north-korea"}
    first = editor_client.post("/probe/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = editor_client.post("/probe/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert Party.objects.filter(slug="north-korea").count() == 1


@probe
def test_same_idempotency_key_with_another_body_is_refused(editor_client, db):
    editor_client.post(
        "/probe/parties/",
        {"name": "North Korea", "slug": "north-korea"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    response = editor_client.post(
        "/probe/parties/",
        {"name": "South Korea", "slug": "south-korea"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.content.decode()
    assert not Party.objects.filter(slug="south-korea").exists()


@probe
def test_retry_while_the_first_post_is_still_running_is_told_to_wait(
    editor_client, db, monkeypatch
):
    body = {"name": "North Korea", "slug": "north-korea"}
    retries = []
    original = PartyViewSet.perform_create

    def retry_meanwhile(view, serializer):
        retries.append(
            editor_client.post("/probe/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        )
        original(view, serializer)

    monkeypatch.setattr(PartyViewSet, "perform_create", retry_meanwhile)
    first = editor_client.post("/probe/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert retries[0].status_code == 409
    assert Party.objects.filter(slug="north-korea").count() == 1


@probe
def test_idempotency_keys_belong_to_their_caller(editor_client, admin_user, db):
    body = {"name": "North Korea", "slug": "north-korea"}
    editor_client.post("/probe/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    admin = APIClient()
    admin.force_authenticate(admin_user)
    response = admin.post(
        "/probe/parties/",
        {"name": "Japan", "slug": "japan"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 201


@probe
def test_a_failed_post_frees_its_idempotency_key(editor_client, db):
    bad = editor_client.post(
        "/probe/parties/", {"name": "", "slug": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert bad.status_code == 400
    good = editor_client.post(
        "/probe/parties/",
        {"name": "Japan", "slug": "japan"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert good.status_code == 201


@probe
def test_post_without_idempotency_key_is_not_deduplicated(editor_client, db):
    body = {"name": "North Korea", "slug": "north-korea"}
    assert editor_client.post("/probe/parties/", body, format="json").status_code == 201
    assert editor_client.post("/probe/parties/", body, format="json").status_code == 400


# The real resources, as a partner and two editors call them


def test_partner_gets_304_on_claims_list_and_detail_in_one_query(
    partner_client, hanoi, django_assert_max_num_queries
):
    for url in ("/api/v1/claims/", f"/api/v1/claims/{hanoi.us_claim.pk}/", "/api/v1/disputes/"):
        first = partner_client.get(url)
        assert first.status_code == 200
        assert first["Last-Modified"]
        with django_assert_max_num_queries(1):
            again = partner_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""


def test_changes_feed_and_claimreview_are_conditional_too(partner_client, hanoi):
    for url in ("/api/v1/changes/?since=0", f"/api/v1/claims/{hanoi.us_claim.pk}/claimreview/"):
        etag = partner_client.get(url)["ETag"]
        assert partner_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_new_evidence_changes_the_claims_etag_for_staff_not_for_partners_until_released(
    partner_client, reporter_client, viewer_client, editor, hanoi
):
    url = f"/api/v1/claims/{hanoi.nk_claim.pk}/"
    etag = partner_client.get(url)["ETag"]
    staff_etag = viewer_client.get(url)["ETag"]
    recorded = reporter_client.post(
        "/api/v1/corroborations/",
        {
            "claim": hanoi.nk_claim.pk,
            "source": hanoi.trump.pk,
            "stance": "contradicts",
            "quote": "They wanted the sanctions lifted in their entirety.",
            "observed_at": "2019-03-01T12:00:00Z",
        },
        format="json",
    )
    assert recorded.status_code == 201
    assert viewer_client.get(url, HTTP_IF_NONE_MATCH=staff_etag).status_code == 200
    # Partners read the released revision: nothing changed for them yet.
    assert partner_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    publishing.republish(dispute=hanoi.dispute, by=editor, note="New evidence.")

    response = partner_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_two_editors_never_silently_overwrite_each_other(editor_client, admin_user, hanoi):
    _, token = StaffToken.objects.create_key(user=admin_user, name="the other editor")
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/claims/{hanoi.us_claim.pk}/"
    mine = editor_client.get(url)["ETag"]
    theirs = other_client.get(url)["ETag"]

    first = other_client.patch(url, {"text": "Their wording."}, format="json", HTTP_IF_MATCH=theirs)
    second = editor_client.patch(url, {"text": "My wording."}, format="json", HTTP_IF_MATCH=mine)

    assert first.status_code == 200
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "precondition_failed"
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.text == "Their wording."


def test_edit_with_the_etag_of_the_write_it_follows_goes_through(editor_client, hanoi):
    url = f"/api/v1/claims/{hanoi.us_claim.pk}/"
    first = editor_client.patch(
        url, {"text": "One."}, format="json", HTTP_IF_MATCH=editor_client.get(url)["ETag"]
    )
    second = editor_client.patch(url, {"text": "Two."}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert second.status_code == 200
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.text == "Two."


def test_stale_if_match_on_delete_keeps_the_evidence(editor_client, hanoi):
    corroboration = hanoi.nk_claim.corroborations.first()
    url = f"/api/v1/corroborations/{corroboration.pk}/"
    response = editor_client.delete(
        url, HTTP_IF_MATCH=f'"corroboration-{corroboration.pk}-v{corroboration.version - 1}"'
    )
    assert response.status_code == 412
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_retried_corroboration_post_records_the_evidence_once(reporter_client, hanoi):
    body = {
        "claim": hanoi.nk_claim.pk,
        "source": hanoi.trump.pk,
        "stance": "contradicts",
        "quote": "a demand they have been pushing for weeks",
        "observed_at": "2019-03-01T12:00:00Z",
    }
    url = "/api/v1/corroborations/"
    first = reporter_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = reporter_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Corroboration.objects.count() == hanoi.corroboration_count + 1


def test_a_delete_with_a_stale_if_match_is_refused_and_deletes_nothing(editor_client, hanoi):
    evidence = hanoi.nk_claim.corroborations.first()
    url = f"/api/v1/corroborations/{evidence.pk}/"
    seen = editor_client.get(url)["ETag"]
    edited = editor_client.patch(
        url, {"quote": "Edited by someone else."}, format="json", HTTP_IF_MATCH=seen
    )
    assert edited.status_code == 200

    response = editor_client.delete(url, HTTP_IF_MATCH=seen)

    assert response.status_code == 412
    assert Corroboration.objects.filter(pk=evidence.pk, quote="Edited by someone else.").exists()
