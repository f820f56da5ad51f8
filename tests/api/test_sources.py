"""The sources side of the partner API: parties and sources with their record."""

import pytest

from changelog.models import Change
from claims.models import Claim, Corroboration
from sources.models import Party, Source
from tests.api.test_claims import assert_error
from tests.factories import ClaimFactory, CorroborationFactory, PartyFactory, SourceFactory


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


@pytest.fixture
def editor_api(api_as, editor):
    return api_as(editor)


def names(response):
    assert response.status_code == 200, response.content
    return {source["name"] for source in response.json()["results"]}


# Parties


def test_parties_are_listed_and_read_by_slug(viewer_api, hanoi):
    listed = viewer_api.get("/api/v1/parties/").json()
    detail = viewer_api.get("/api/v1/parties/north-korea/")

    assert {party["slug"] for party in listed["results"]} == {"united-states", "north-korea"}
    assert detail.status_code == 200
    assert detail.json()["name"] == "North Korea"
    assert_error(viewer_api.get("/api/v1/parties/atlantis/"), 404)


def test_editor_adds_a_party_and_it_enters_the_change_log(editor_api, hanoi):
    response = editor_api.post(
        "/api/v1/parties/", {"name": "South Korea", "slug": "south-korea"}, format="json"
    )

    assert response.status_code == 201, response.content
    party = Party.objects.get(slug="south-korea")
    assert Change.objects.filter(object_type="party", object_id=party.pk, action="created").exists()


def test_viewer_cannot_add_a_party(viewer_api, hanoi):
    response = viewer_api.post(
        "/api/v1/parties/", {"name": "South Korea", "slug": "south-korea"}, format="json"
    )

    assert_error(response, 403)
    assert Party.objects.count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "South Korea", "slug": "south korea!"}, "slug"),
        ({"name": "South Korea", "slug": "north-korea"}, "slug"),
        ({"name": "North Korea", "slug": "dprk"}, "name"),
        ({"slug": "south-korea"}, "name"),
    ],
)
def test_bad_party_is_a_400_naming_the_field(editor_api, hanoi, body, field):
    assert_error(editor_api.post("/api/v1/parties/", body, format="json"), 400, field)
    assert Party.objects.count() == 2


def test_party_that_holds_accounts_cannot_be_deleted(editor_api, hanoi):
    assert_error(editor_api.delete("/api/v1/parties/north-korea/"), 400)
    assert Party.objects.filter(slug="north-korea").exists()


def test_party_slug_can_be_renamed(editor_api, hanoi):
    response = editor_api.patch("/api/v1/parties/north-korea/", {"slug": "dprk"}, format="json")

    assert response.status_code == 200, response.content
    assert editor_api.get("/api/v1/parties/dprk/").json()["name"] == "North Korea"


# Sources and their record


def test_source_lists_what_it_has_corroborated(viewer_api, hanoi):
    source = viewer_api.get(f"/api/v1/sources/{hanoi.ap.pk}/").json()

    assert {(item["claim"], item["stance"]) for item in source["corroborations"]} == {
        (hanoi.us_claim.pk, "contradicts"),
        (hanoi.nk_claim.pk, "supports"),
    }
    assert source["reliability"] == "B"
    assert source["affiliation"] is None


def test_source_track_record_says_how_its_claims_held_up(viewer_api, hanoi):
    record = viewer_api.get(f"/api/v1/sources/{hanoi.ap.pk}/").json()["track_record"]

    assert record["stances"] == {
        "supports": 1,
        "partly_supports": 0,
        "partly_contradicts": 0,
        "contradicts": 1,
    }
    # The AP backed North Korea's claim and contradicted Trump's: both held up.
    assert record["supported"]["total"] == record["supported"]["held_up"] == 1
    assert record["supported"]["verdicts"][hanoi.nk_claim.verdict] == 1
    assert record["contradicted"]["total"] == record["contradicted"]["held_up"] == 1
    assert record["contradicted"]["verdicts"][hanoi.us_claim.verdict] == 1


def test_track_record_counts_a_source_once_per_claim_on_its_latest_side(viewer_api, hanoi):
    # The unnamed U.S. official first partly supported Trump's claim, then
    # partly contradicted it.
    record = viewer_api.get(f"/api/v1/sources/{hanoi.us_official.pk}/").json()["track_record"]

    assert record["stances"]["partly_supports"] == 1
    assert record["stances"]["partly_contradicts"] == 1
    assert record["contradicted"]["total"] == 1
    assert record["supported"]["total"] == 1  # North Korea's claim


def test_sources_filter_by_party_independent_grade_kind_and_search(viewer_api, hanoi):
    assert names(viewer_api.get("/api/v1/sources/?party=north-korea")) == {
        "Ri Yong Ho",
        "Choe Sun Hui",
    }
    assert names(viewer_api.get("/api/v1/sources/?party=independent")) == {"The Associated Press"}
    assert names(viewer_api.get("/api/v1/sources/?reliability=B")) == {
        "The Associated Press",
        "Senior U.S. official (unnamed)",
    }
    assert names(viewer_api.get("/api/v1/sources/?kind=wire_service")) == {"The Associated Press"}
    assert names(viewer_api.get("/api/v1/sources/?search=foreign minister")) == {
        "Ri Yong Ho",
        "Choe Sun Hui",
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ("party=atlantis", "party"),
        ("reliability=Z", "reliability"),
        ("kind=astrologer", "kind"),
        ("ordering=notes", "ordering"),
        ("page_size=1000", "page_size"),
    ],
)
def test_bad_source_filter_is_a_400_naming_it(viewer_api, hanoi, query, field):
    assert_error(viewer_api.get(f"/api/v1/sources/?{query}"), 400, field)


def test_sources_order_by_grade(viewer_api, hanoi):
    grades = [
        s["reliability"]
        for s in viewer_api.get("/api/v1/sources/?ordering=reliability,name").json()["results"]
    ]

    assert grades == sorted(grades)


@pytest.mark.parametrize("count", [1, 100])
def test_sources_list_runs_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    claim = ClaimFactory()
    for _ in range(count):
        source = SourceFactory(affiliation=PartyFactory(), origin=None)
        CorroborationFactory(claim=claim, source=source)

    # The change log's head (ETag), the count, the page, its evidence.
    with django_assert_max_num_queries(4):
        response = viewer_api.get("/api/v1/sources/?page_size=100")

    # The claim's speaker is a source too.
    assert len(response.json()["results"]) == min(count + 1, 100)


@pytest.mark.parametrize("count", [1, 100])
def test_parties_list_runs_a_fixed_number_of_queries(
    viewer_api, count, django_assert_max_num_queries
):
    for _ in range(count):
        PartyFactory()

    with django_assert_max_num_queries(3):
        response = viewer_api.get("/api/v1/parties/?page_size=100")

    assert len(response.json()["results"]) == count


# Writing sources


def test_editor_adds_a_source_with_a_party_by_slug(editor_api, hanoi):
    response = editor_api.post(
        "/api/v1/sources/",
        {"name": "KCNA", "kind": "news_outlet", "affiliation": "north-korea", "reliability": "D"},
        format="json",
    )

    assert response.status_code == 201, response.content
    source = response.json()
    assert source["affiliation"]["slug"] == "north-korea"
    assert source["track_record"]["supported"]["total"] == 0
    assert Source.objects.get(pk=source["id"]).reliability == "D"


def test_regrading_a_source_rescores_the_claims_it_weighs_on(editor_api, hanoi):
    before = hanoi.nk_claim.score

    response = editor_api.patch(
        f"/api/v1/sources/{hanoi.ap.pk}/", {"reliability": "A"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["reliability"] == "A"
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score > before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reliability": "G"}, "reliability"),
        ({"kind": "oracle"}, "kind"),
        ({"affiliation": "atlantis"}, "affiliation"),
        ({"origin": 999999}, "origin"),
        ({"url": "ftp//nowhere"}, "url"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_source_edit_is_a_400_naming_the_field_and_changes_nothing(
    editor_api, hanoi, body, field
):
    assert_error(
        editor_api.patch(f"/api/v1/sources/{hanoi.ap.pk}/", body, format="json"), 400, field
    )
    ap = Source.objects.get(pk=hanoi.ap.pk)
    assert (ap.name, ap.reliability, ap.kind, ap.version) == (
        hanoi.ap.name,
        hanoi.ap.reliability,
        hanoi.ap.kind,
        hanoi.ap.version,
    )


def test_a_source_cannot_become_its_own_origin(editor_api, hanoi):
    response = editor_api.patch(
        f"/api/v1/sources/{hanoi.ap.pk}/", {"origin": hanoi.ap.pk}, format="json"
    )

    assert_error(response, 400, "origin")
    assert Source.objects.get(pk=hanoi.ap.pk).origin is None


def test_reporter_cannot_regrade_a_source(api_as, reporter, hanoi):
    response = api_as(reporter).patch(
        f"/api/v1/sources/{hanoi.ap.pk}/", {"reliability": "E"}, format="json"
    )

    assert_error(response, 403)
    assert Source.objects.get(pk=hanoi.ap.pk).reliability == "B"


def test_cited_source_cannot_be_deleted(editor_api, hanoi):
    assert_error(editor_api.delete(f"/api/v1/sources/{hanoi.ap.pk}/"), 400)
    assert Source.objects.filter(pk=hanoi.ap.pk).exists()
    assert Corroboration.objects.filter(source=hanoi.ap).count() == 2


def test_uncited_source_is_deleted(editor_api, hanoi):
    source = SourceFactory()

    assert editor_api.delete(f"/api/v1/sources/{source.pk}/").status_code == 204
    assert not Source.objects.filter(pk=source.pk).exists()
    assert Claim.objects.count() == 4
