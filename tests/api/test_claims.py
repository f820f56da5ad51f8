"""The claims side of the partner API: disputes, accounts, claims, corroborations."""

import json
from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.utils import timezone

from api.resources.claims import ClaimDetailSerializer, ClaimSerializer
from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute
from tests.factories import (
    AccountFactory,
    ClaimFactory,
    CorroborationFactory,
    PartyFactory,
    SourceFactory,
)


def assert_error(response, status, field=None):
    """The one error shape, naming the field when there is one."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/ld+json")
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] and error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert field in error["message"]
    return error


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


@pytest.fixture
def reporter_api(api_as, reporter):
    return api_as(reporter)


@pytest.fixture
def editor_api(api_as, editor):
    return api_as(editor)


# Reading claims


def test_claim_carries_credibility_speaker_party_account_and_evidence(viewer_api, hanoi):
    response = viewer_api.get(f"/api/v1/claims/{hanoi.us_claim.pk}/")

    assert response.status_code == 200
    claim = response.json()
    assert claim["text"] == hanoi.us_claim.text
    assert claim["credibility"] == {
        "score": pytest.approx(hanoi.us_claim.score),
        "verdict": hanoi.us_claim.verdict,
        "evidence_weight": pytest.approx(hanoi.us_claim.evidence_weight),
    }
    assert claim["speaker"]["name"] == "Donald Trump"
    assert claim["party"]["slug"] == "united-states"
    assert claim["account"] == hanoi.us_account.pk
    assert claim["dispute"] == "hanoi-summit-sanctions"
    assert claim["updated_at"]
    ap_item = next(
        c for c in claim["corroborations"] if c["source"]["name"] == "The Associated Press"
    )
    assert ap_item["stance"] == "contradicts"
    assert ap_item["quote"].startswith("So who's telling the truth?")
    assert ap_item["source"]["reliability"] == "B"
    assert ap_item["source"]["affiliation"] is None
    ri_item = next(c for c in claim["corroborations"] if c["source"]["name"] == "Ri Yong Ho")
    assert ri_item["source"]["affiliation"]["slug"] == "north-korea"


def test_claim_detail_explains_each_counted_and_ignored_item(viewer_api, hanoi):
    claim = viewer_api.get(f"/api/v1/claims/{hanoi.us_claim.pk}/").json()

    explanation = claim["explanation"]
    assert explanation["score"] == pytest.approx(hanoi.us_claim.score)
    counted = [item for item in explanation["items"] if item["counted"]]
    ignored = [item for item in explanation["items"] if not item["counted"]]
    ap = next(item for item in counted if item["source_name"] == "The Associated Press")
    assert (ap["r"], ap["k"], ap["a"]) == (0.80, 1.0, 1.0)
    assert ap["w"] == pytest.approx(0.8)
    assert ap["contradiction"] == pytest.approx(0.8)
    # The unnamed U.S. official said two things: only the later one counts.
    assert [item["reason"] for item in ignored] == [
        "superseded by a later item from the same source"
    ]
    support = sum(item["support"] for item in counted)
    contradiction = sum(item["contradiction"] for item in counted)
    assert (1 + support) / (2 + support + contradiction) == pytest.approx(
        claim["credibility"]["score"]
    )


def test_claim_detail_has_the_score_history(viewer_api, hanoi):
    claim = viewer_api.get(f"/api/v1/claims/{hanoi.us_claim.pk}/").json()

    history = claim["history"]
    assert history[0]["cause"] == "claim recorded"
    assert history[0]["score"] == 0.5
    assert history[-1]["score"] == pytest.approx(hanoi.us_claim.score)
    assert [point["at"] for point in history] == sorted(point["at"] for point in history)


def test_list_and_detail_say_exactly_what_the_serializers_describe(viewer_api, hanoi):
    # The views build claims from rows for speed; the serializers are the
    # readable statement of the same representation.
    claim = Claim.objects.with_related().get(pk=hanoi.us_claim.pk)

    listed = viewer_api.get("/api/v1/claims/?party=united-states").json()["results"]
    detail = viewer_api.get(f"/api/v1/claims/{claim.pk}/").json()

    assert listed == [json.loads(json.dumps(ClaimSerializer(claim).data))]
    assert detail == json.loads(json.dumps(ClaimDetailSerializer(claim).data))


def test_unknown_claim_is_a_json_404(viewer_api, db):
    assert_error(viewer_api.get("/api/v1/claims/999999/"), 404)
    assert_error(viewer_api.get("/api/v1/claims/not-a-number/"), 404)


# Filters, ordering, pagination


def ids(response):
    assert response.status_code == 200, response.content
    return {claim["id"] for claim in response.json()["results"]}


def test_claims_filter_by_dispute_party_and_verdict(viewer_api, hanoi):
    other = ClaimFactory()

    assert ids(viewer_api.get("/api/v1/claims/?dispute=hanoi-summit-sanctions")) == {
        claim.pk for claim in hanoi.claims.values()
    }
    assert ids(viewer_api.get("/api/v1/claims/?party=united-states")) == {hanoi.us_claim.pk}
    assert ids(viewer_api.get(f"/api/v1/claims/?dispute={other.account.dispute.slug}")) == {
        other.pk
    }
    assert ids(viewer_api.get(f"/api/v1/claims/?verdict={hanoi.nk_claim.verdict}")) == {
        hanoi.nk_claim.pk
    }


def test_claims_filter_by_score_range(viewer_api, hanoi):
    assert ids(viewer_api.get("/api/v1/claims/?min_score=0.6")) == {hanoi.nk_claim.pk}
    assert ids(viewer_api.get("/api/v1/claims/?max_score=0.3")) == {hanoi.us_claim.pk}
    assert ids(viewer_api.get("/api/v1/claims/?min_score=0.3&max_score=0.6")) == {
        hanoi.claims["test_halt"].pk,
        hanoi.claims["lost_will"].pk,
    }


def test_claims_filter_by_updated_since(viewer_api, hanoi):
    later = timezone.now() + timedelta(seconds=1)
    Claim.objects.filter(pk=hanoi.nk_claim.pk).update(updated_at=later + timedelta(minutes=1))

    assert ids(viewer_api.get("/api/v1/claims/", {"updated_since": later.isoformat()})) == {
        hanoi.nk_claim.pk
    }
    # Any offset Python can read, even one PostgreSQL cannot.
    far_east = later.astimezone(dt_timezone(timedelta(hours=22, minutes=37)))
    assert ids(viewer_api.get("/api/v1/claims/", {"updated_since": far_east.isoformat()})) == {
        hanoi.nk_claim.pk
    }


def test_claims_search_text_and_speaker_name(viewer_api, hanoi):
    assert ids(viewer_api.get("/api/v1/claims/?search=entirety")) == {hanoi.us_claim.pk}
    assert ids(viewer_api.get("/api/v1/claims/?search=choe")) == {hanoi.claims["lost_will"].pk}


@pytest.mark.parametrize(
    "query, field",
    [
        ("dispute=no-such-dispute", "dispute"),
        ("party=atlantis", "party"),
        ("verdict=probably", "verdict"),
        ("min_score=high", "min_score"),
        ("min_score=1.5", "min_score"),
        ("max_score=-1", "max_score"),
        ("max_score=NaN", "max_score"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=0001-01-01T00:00:00%2B23:00", "updated_since"),
        ("account=abc", "account"),
        ("ordering=text", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=-5", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=99999999999999999999999", "page_size"),
        ("page=abc", "page"),
        ("verdict=", "verdict"),
        ("search=", "search"),
        ("ordering=", "ordering"),
        ("page_size=", "page_size"),
        ("party=north%00korea", "party"),
    ],
)
def test_bad_query_parameter_is_a_400_naming_it(viewer_api, hanoi, query, field):
    assert_error(viewer_api.get(f"/api/v1/claims/?{query}"), 400, field)


def test_claims_order_by_score_either_way(viewer_api, hanoi):
    ascending = [
        c["credibility"]["score"]
        for c in viewer_api.get("/api/v1/claims/?ordering=score").json()["results"]
    ]
    descending = [
        c["credibility"]["score"]
        for c in viewer_api.get("/api/v1/claims/?ordering=-score").json()["results"]
    ]

    assert ascending == sorted(ascending)
    assert descending == sorted(ascending, reverse=True)


def test_claims_order_by_updated_at(viewer_api, hanoi):
    Claim.objects.filter(pk=hanoi.us_claim.pk).update(
        updated_at=timezone.now() + timedelta(hours=1)
    )

    results = viewer_api.get("/api/v1/claims/?ordering=-updated_at").json()["results"]

    assert results[0]["id"] == hanoi.us_claim.pk


def test_pages_have_count_next_previous_and_results(viewer_api, hanoi):
    first = viewer_api.get("/api/v1/claims/?page_size=3").json()
    second = viewer_api.get(first["next"]).json()

    assert first["count"] == second["count"] == 4
    assert first["previous"] is None and second["next"] is None
    assert second["previous"]
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert {c["id"] for c in first["results"] + second["results"]} == {
        c.pk for c in hanoi.claims.values()
    }


def test_page_past_the_end_is_a_json_404(viewer_api, hanoi):
    assert_error(viewer_api.get("/api/v1/claims/?page=9"), 404)


# Query counts: fixed whatever the page size


def make_claims(count):
    account = AccountFactory()
    sources = [SourceFactory(affiliation=PartyFactory()) for _ in range(3)]
    for _ in range(count):
        claim = ClaimFactory(account=account)
        for source in sources:
            CorroborationFactory(claim=claim, source=source)


@pytest.mark.parametrize("count", [1, 100])
def test_claims_list_runs_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    make_claims(count)

    # The change log's head (ETag), the count, the page's stamps, the
    # reference epoch; with a cold cache also the rows and their evidence.
    with django_assert_max_num_queries(6):
        response = viewer_api.get("/api/v1/claims/?page_size=100")
    with django_assert_max_num_queries(4):
        again = viewer_api.get("/api/v1/claims/?page_size=100")

    assert len(response.json()["results"]) == count
    assert again.json() == response.json()


@pytest.mark.parametrize("count", [1, 100])
def test_filtered_claims_list_runs_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    make_claims(count)
    party = Account.objects.first().party

    # ... and the party slug's check.
    with django_assert_max_num_queries(7):
        response = viewer_api.get(
            f"/api/v1/claims/?page_size=100&party={party.slug}&min_score=0.1&ordering=-score"
        )

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 100])
def test_corroborations_list_runs_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    claim = ClaimFactory()
    for _ in range(count):
        CorroborationFactory(claim=claim, source=SourceFactory(affiliation=PartyFactory()))

    with django_assert_max_num_queries(3):
        response = viewer_api.get("/api/v1/corroborations/?page_size=100")

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 100])
def test_accounts_and_disputes_lists_run_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    for _ in range(count):
        ClaimFactory(account=AccountFactory())

    with django_assert_max_num_queries(3):
        accounts = viewer_api.get("/api/v1/accounts/?page_size=100")
    with django_assert_max_num_queries(4):
        disputes = viewer_api.get("/api/v1/disputes/?page_size=100")

    assert len(accounts.json()["results"]) == len(disputes.json()["results"]) == count


# Writing evidence


def evidence_body(hanoi, **overrides):
    body = {
        "claim": hanoi.claims["test_halt"].pk,
        "source": hanoi.ap.pk,
        "stance": "supports",
        "quote": "North Korea offered a written halt to its tests.",
    }
    return {**body, **overrides}


def test_reporter_records_evidence_and_scores_move(reporter_api, hanoi):
    claim = hanoi.claims["test_halt"]
    changes_before = Change.objects.count()

    response = reporter_api.post("/api/v1/corroborations/", evidence_body(hanoi), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"]["name"] == "The Associated Press"
    assert body["stance"] == "supports"
    claim.refresh_from_db()
    hanoi.nk_account.refresh_from_db()
    assert claim.score > 0.5
    assert claim.verdict != "unverified"
    assert Corroboration.objects.get(pk=body["id"]).recorded_by.username == "reporter"
    assert Change.objects.count() > changes_before


def test_viewer_cannot_record_evidence(viewer_api, hanoi):
    response = viewer_api.post("/api/v1/corroborations/", evidence_body(hanoi), format="json")

    assert_error(response, 403)
    assert Corroboration.objects.count() == hanoi.corroboration_count


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"stance": "agrees"}, "stance"),
        ({"quote": ""}, "quote"),
        ({"quote": "   "}, "quote"),
        ({"source": 999999}, "source"),
        ({"claim": "abc"}, "claim"),
        ({"url": "not a url"}, "url"),
        ({"observed_at": "last tuesday"}, "observed_at"),
    ],
)
def test_bad_evidence_is_a_400_naming_the_field_and_writes_nothing(
    reporter_api, hanoi, overrides, field
):
    changes_before = Change.objects.count()

    response = reporter_api.post(
        "/api/v1/corroborations/", evidence_body(hanoi, **overrides), format="json"
    )

    assert_error(response, 400, field)
    assert Corroboration.objects.count() == hanoi.corroboration_count
    assert Change.objects.count() == changes_before


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"quote": 42}, "quote"),
        ({"claim": "1"}, "claim"),
        ({"source": True}, "source"),
        ({"stance": 1}, "stance"),
    ],
)
def test_value_of_the_wrong_json_type_is_a_400_not_coerced(reporter_api, hanoi, overrides, field):
    response = reporter_api.post(
        "/api/v1/corroborations/", evidence_body(hanoi, **overrides), format="json"
    )

    assert_error(response, 400, field)
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_text_that_no_database_can_store_is_a_400(editor_api, hanoi):
    response = editor_api.post(
        "/api/v1/accounts/", {"dispute": "hanoi\x00", "party": "north-korea"}, format="json"
    )

    assert_error(response, 400, "dispute")
    assert Account.objects.count() == 2


def test_form_encoded_body_is_a_415(reporter_api, hanoi):
    response = reporter_api.post("/api/v1/corroborations/", evidence_body(hanoi))

    assert_error(response, 415)
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_missing_required_field_is_a_400_naming_it(reporter_api, hanoi):
    body = evidence_body(hanoi)
    del body["stance"]

    assert_error(reporter_api.post("/api/v1/corroborations/", body, format="json"), 400, "stance")
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_malformed_json_is_a_400_in_the_error_shape(reporter_api, hanoi):
    response = reporter_api.post(
        "/api/v1/corroborations/", data='{"claim": 1, "stance": ', content_type="application/json"
    )

    error = assert_error(response, 400)
    assert error["code"] == "parse_error"
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_speaker_cannot_support_their_own_claim(reporter_api, hanoi):
    body = evidence_body(hanoi, source=hanoi.ri.pk)

    assert_error(reporter_api.post("/api/v1/corroborations/", body, format="json"), 400, "source")
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_a_copy_of_the_speaker_cannot_support_their_claim(reporter_api, hanoi):
    echo = SourceFactory(name="Trump, reposted", reliability="A", origin=hanoi.trump)
    body = evidence_body(hanoi, claim=hanoi.us_claim.pk, source=echo.pk)

    assert_error(reporter_api.post("/api/v1/corroborations/", body, format="json"), 400, "source")
    assert Corroboration.objects.count() == hanoi.corroboration_count
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.verdict == "mostly_contradicted"


@pytest.mark.parametrize("observed_at", ["2099-01-01T00:00:00Z", "2999-12-31T23:59:00Z"])
def test_evidence_dated_in_the_future_is_a_400_naming_observed_at(reporter_api, hanoi, observed_at):
    body = evidence_body(hanoi, source=SourceFactory().pk, observed_at=observed_at)

    assert_error(
        reporter_api.post("/api/v1/corroborations/", body, format="json"), 400, "observed_at"
    )
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_editing_evidence_rescores_its_claim(reporter_api, hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    before = hanoi.nk_claim.score

    response = reporter_api.patch(
        f"/api/v1/corroborations/{item.pk}/", {"stance": "contradicts"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == item.version + 1
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score < before


def test_evidence_cannot_move_to_another_claim(reporter_api, hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)

    response = reporter_api.put(
        f"/api/v1/corroborations/{item.pk}/",
        evidence_body(hanoi, claim=hanoi.us_claim.pk, source=hanoi.ap.pk, quote=item.quote),
        format="json",
    )

    assert_error(response, 400, "claim")
    item.refresh_from_db()
    assert item.claim_id == hanoi.nk_claim.pk


def test_put_back_what_was_read_is_accepted(reporter_api, hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    read = reporter_api.get(f"/api/v1/corroborations/{item.pk}/").json()
    body = {**read, "source": read["source"]["id"], "quote": "A shorter quote."}

    response = reporter_api.put(f"/api/v1/corroborations/{item.pk}/", body, format="json")

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert item.quote == "A shorter quote."


def test_stale_version_in_the_body_is_refused(reporter_api, hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)

    response = reporter_api.patch(
        f"/api/v1/corroborations/{item.pk}/",
        {"quote": "Overwriting a newer edit.", "version": item.version - 1 or 99},
        format="json",
    )

    assert_error(response, 412)
    item.refresh_from_db()
    assert item.quote != "Overwriting a newer edit."


def test_removing_evidence_rescores_its_claim(reporter_api, hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    before = hanoi.nk_claim.score

    response = reporter_api.delete(f"/api/v1/corroborations/{item.pk}/")

    assert response.status_code == 204
    assert not Corroboration.objects.filter(pk=item.pk).exists()
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score < before


def test_corroborations_filter_by_claim_source_and_stance(viewer_api, hanoi):
    results = viewer_api.get(
        f"/api/v1/corroborations/?claim={hanoi.us_claim.pk}&stance=contradicts"
    ).json()["results"]

    assert {item["source"]["name"] for item in results} == {
        "Ri Yong Ho",
        "Choe Sun Hui",
        "The Associated Press",
    }
    assert_error(viewer_api.get("/api/v1/corroborations/?stance=maybe"), 400, "stance")
    assert_error(viewer_api.get("/api/v1/corroborations/?claim=999999"), 400, "claim")


# Writing claims


def claim_body(hanoi, **overrides):
    body = {
        "account": hanoi.us_account.pk,
        "text": "The talks ended early.",
        "speaker": hanoi.trump.pk,
    }
    return {**body, **overrides}


def test_reporter_records_a_claim_that_starts_unverified(reporter_api, hanoi):
    response = reporter_api.post("/api/v1/claims/", claim_body(hanoi), format="json")

    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["credibility"] == {"score": 0.5, "verdict": "unverified", "evidence_weight": 0.0}
    assert claim["history"][0]["cause"] == "claim recorded"
    assert claim["explanation"]["items"] == []


def test_derived_fields_sent_with_a_claim_are_never_stored(reporter_api, hanoi):
    body = claim_body(
        hanoi,
        score=1.0,
        verdict="corroborated",
        evidence_weight=9,
        credibility={"score": 1.0, "verdict": "corroborated", "evidence_weight": 9},
    )

    created = reporter_api.post("/api/v1/claims/", body, format="json").json()
    reporter_api.patch(
        f"/api/v1/claims/{hanoi.us_claim.pk}/",
        {"score": 1.0, "verdict": "corroborated"},
        format="json",
    )

    stored = Claim.objects.get(pk=created["id"])
    assert (stored.score, stored.verdict, stored.evidence_weight) == (0.5, "unverified", 0.0)
    before = hanoi.us_claim.score
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.score == before


def test_editing_a_claims_text_bumps_its_version(reporter_api, hanoi):
    response = reporter_api.patch(
        f"/api/v1/claims/{hanoi.us_claim.pk}/",
        {"text": "They wanted all sanctions lifted."},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == hanoi.us_claim.version + 1
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.text == "They wanted all sanctions lifted."


def test_claim_with_unknown_speaker_is_a_400_and_writes_nothing(reporter_api, hanoi):
    count = Claim.objects.count()

    assert_error(
        reporter_api.post("/api/v1/claims/", claim_body(hanoi, speaker=999999), format="json"),
        400,
        "speaker",
    )
    assert Claim.objects.count() == count


def test_reporter_deletes_a_claim_as_on_the_dashboard(reporter_api, hanoi):
    # DESIGN §5: reporters and editors add, edit and delete claims.
    response = reporter_api.delete(f"/api/v1/claims/{hanoi.us_claim.pk}/")

    assert response.status_code == 204
    assert not Claim.objects.filter(pk=hanoi.us_claim.pk).exists()


def test_viewer_cannot_delete_a_claim(viewer_api, hanoi):
    assert_error(viewer_api.delete(f"/api/v1/claims/{hanoi.us_claim.pk}/"), 403)
    assert Claim.objects.filter(pk=hanoi.us_claim.pk).exists()


def test_editor_deletes_a_claim_with_its_evidence(editor_api, hanoi):
    response = editor_api.delete(f"/api/v1/claims/{hanoi.us_claim.pk}/")

    assert response.status_code == 204
    assert not Claim.objects.filter(pk=hanoi.us_claim.pk).exists()
    assert not Corroboration.objects.filter(claim_id=hanoi.us_claim.pk).exists()


# Disputes and accounts


def test_dispute_lists_its_accounts_with_their_credibility(viewer_api, hanoi):
    response = viewer_api.get("/api/v1/disputes/hanoi-summit-sanctions/")

    assert response.status_code == 200
    accounts = {a["party"]["slug"]: a for a in response.json()["accounts"]}
    hanoi.nk_account.refresh_from_db()
    assert accounts["north-korea"]["credibility"]["score"] == pytest.approx(hanoi.nk_account.score)
    assert (
        accounts["north-korea"]["credibility"]["score"]
        > accounts["united-states"]["credibility"]["score"]
    )
    assert accounts["north-korea"]["claim_count"] == 3


def test_unknown_dispute_slug_is_a_json_404(viewer_api, db):
    assert_error(viewer_api.get("/api/v1/disputes/no-such-dispute/"), 404)


def test_account_carries_its_party_and_credibility(viewer_api, hanoi):
    results = viewer_api.get(
        "/api/v1/accounts/?dispute=hanoi-summit-sanctions&party=north-korea"
    ).json()["results"]

    [account] = results
    assert account["party"] == {"id": hanoi.nk.pk, "slug": "north-korea", "name": "North Korea"}
    assert account["dispute"] == "hanoi-summit-sanctions"
    assert account["credibility"]["verdict"] == hanoi.nk_account.verdict


def test_editor_opens_a_dispute_and_adds_accounts(editor_api, hanoi):
    dispute = editor_api.post(
        "/api/v1/disputes/",
        {"slug": "singapore-2018", "title": "What was agreed in Singapore?"},
        format="json",
    )
    account = editor_api.post(
        "/api/v1/accounts/", {"dispute": "singapore-2018", "party": "north-korea"}, format="json"
    )

    assert dispute.status_code == 201, dispute.content
    assert account.status_code == 201, account.content
    assert account.json()["credibility"]["verdict"] == "unverified"
    detail = editor_api.get("/api/v1/disputes/singapore-2018/").json()
    assert [a["party"]["slug"] for a in detail["accounts"]] == ["north-korea"]


def test_reporter_cannot_open_a_dispute(reporter_api, hanoi):
    response = reporter_api.post("/api/v1/disputes/", {"slug": "x", "title": "X?"}, format="json")

    assert_error(response, 403)
    assert Dispute.objects.count() == 1


def test_duplicate_slug_and_second_account_are_400s(editor_api, hanoi):
    duplicate = editor_api.post(
        "/api/v1/disputes/", {"slug": "hanoi-summit-sanctions", "title": "Again?"}, format="json"
    )
    second = editor_api.post(
        "/api/v1/accounts/",
        {"dispute": "hanoi-summit-sanctions", "party": "north-korea"},
        format="json",
    )

    assert_error(duplicate, 400, "slug")
    assert_error(second, 400)
    assert Dispute.objects.count() == 1
    assert Account.objects.count() == 2


def test_an_accounts_party_cannot_be_changed(editor_api, hanoi):
    other = PartyFactory()

    response = editor_api.patch(
        f"/api/v1/accounts/{hanoi.us_account.pk}/", {"party": other.slug}, format="json"
    )

    assert_error(response, 400, "party")
    hanoi.us_account.refresh_from_db()
    assert hanoi.us_account.party == hanoi.us


def test_editor_edits_an_accounts_summary(editor_api, hanoi):
    response = editor_api.patch(
        f"/api/v1/accounts/{hanoi.us_account.pk}/", {"summary": "Shorter."}, format="json"
    )

    assert response.status_code == 200, response.content
    hanoi.us_account.refresh_from_db()
    assert hanoi.us_account.summary == "Shorter."


def test_deleting_a_dispute_removes_everything_in_it(editor_api, hanoi):
    response = editor_api.delete("/api/v1/disputes/hanoi-summit-sanctions/")

    assert response.status_code == 204
    assert not Dispute.objects.exists()
    assert not Claim.objects.exists()
    assert not Corroboration.objects.exists()


def test_dispute_status_outside_the_choices_is_a_400(editor_api, hanoi):
    response = editor_api.patch(
        "/api/v1/disputes/hanoi-summit-sanctions/", {"status": "closed"}, format="json"
    )

    assert_error(response, 400, "status")
    hanoi.dispute.refresh_from_db()
    assert hanoi.dispute.status == "open"


# Errors outside DRF's views are JSON too


def test_a_crash_under_the_api_is_a_json_500(viewer_api, hanoi, monkeypatch):
    from api.resources.claims import ClaimViewSet

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ClaimViewSet, "list", crash)
    viewer_api.raise_request_exception = False

    error = assert_error(viewer_api.get("/api/v1/claims/"), 500)
    assert error["code"] == "server_error"
    assert "boom" not in error["message"]


def test_unknown_api_path_is_a_json_404(viewer_api, db):
    assert_error(viewer_api.get("/api/v1/nothing-here/"), 404)


def test_write_to_a_path_without_its_slash_is_a_json_404_that_says_so(reporter_api, hanoi):
    error = assert_error(
        reporter_api.post("/api/v1/corroborations", evidence_body(hanoi), format="json"), 404
    )

    assert "/api/v1/corroborations/" in error["message"]
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_recording_evidence_through_the_api_runs_a_fixed_number_of_queries(
    reporter_api, hanoi, django_assert_num_queries
):
    # The reporter's permissions, the claim and the source by id, the
    # service's own (tests/claims/test_services.py; one more on PostgreSQL,
    # its lock) and the answer's representation. Its ETag comes from that
    # representation, not from reading the version back.
    claim = hanoi.claims["test_halt"]
    evidence = {
        "claim": claim.pk,
        "source": hanoi.ap.pk,
        "stance": "supports",
        "quote": "Backs it.",
    }
    with django_assert_num_queries(23 + (connection.vendor == "postgresql")):
        response = reporter_api.post("/api/v1/corroborations/", evidence, format="json")

    assert response.status_code == 201
    assert response["ETag"] == f'"corroboration-{response.json()["id"]}-v1"'
