"""
What a partner key reads: the released revisions only, everywhere (lists,
details, filters, search, sources, the feed, ClaimReview), served as stored
at release; and `?view=partner`, with which staff see exactly that.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from claims import services as claim_services
from claims.models import Account, Claim, Corroboration
from publishing import services
from tests.api.test_claims import assert_error
from tests.factories import SourceFactory, build_dispute

LISTS = ["disputes", "accounts", "claims", "corroborations", "sources", "parties"]


@pytest.fixture
def published(db, reporter, editor):
    dispute = build_dispute(parties=2, claims_per_account=2, evidence_per_claim=2)
    services.submit_for_review(dispute=dispute, by=reporter)
    services.publish(dispute=dispute, by=editor)
    return dispute


@pytest.fixture
def unreleased(db, reporter, editor):
    """A draft, a dispute in review, and one published under an embargo not yet over."""
    draft = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    in_review = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    services.submit_for_review(dispute=in_review, by=reporter)
    embargoed = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    services.submit_for_review(dispute=embargoed, by=reporter)
    services.publish(
        dispute=embargoed, by=editor, embargo_until=timezone.now() + timedelta(hours=1)
    )
    return [draft, in_review, embargoed]


def ids(client, resource, query=""):
    """Every id (slug for disputes and parties) a list shows, all pages."""
    found, url = [], f"/api/v1/{resource}/?page_size=100{query}"
    while url:
        page = client.get(url).json()
        found += [item.get("slug", item["id"]) for item in page["results"]]
        url = page["next"]
    return found


def objects_of(dispute):
    claims = Claim.objects.filter(account__dispute=dispute)
    evidence = Corroboration.objects.filter(claim__in=claims)
    return {
        "disputes": [dispute.slug],
        "accounts": list(Account.objects.filter(dispute=dispute).values_list("id", flat=True)),
        "claims": list(claims.values_list("id", flat=True)),
        "corroborations": list(evidence.values_list("id", flat=True)),
    }


def first_claim(dispute):
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


# Only what was released


def test_unreleased_disputes_are_absent_from_every_list_and_404_in_detail(
    partner_client, published, unreleased
):
    for dispute in unreleased:
        for resource, hidden in objects_of(dispute).items():
            assert not set(hidden) & set(ids(partner_client, resource)), (dispute, resource)
            for key in hidden:
                assert partner_client.get(f"/api/v1/{resource}/{key}/").status_code == 404
        assert (
            partner_client.get(f"/api/v1/disputes/{dispute.slug}/claimreview/").status_code == 404
        )
    for resource, shown in objects_of(published).items():
        assert sorted(ids(partner_client, resource)) == sorted(shown)


def test_a_source_partners_see_is_one_cited_in_released_evidence(
    partner_client, published, unreleased
):
    cited = set(
        Corroboration.objects.filter(claim__account__dispute=published).values_list(
            "source_id", flat=True
        )
    ) | set(Claim.objects.filter(account__dispute=published).values_list("speaker_id", flat=True))
    assert set(ids(partner_client, "sources")) == cited
    hidden = Corroboration.objects.filter(claim__account__dispute=unreleased[0]).first().source
    assert partner_client.get(f"/api/v1/sources/{hidden.pk}/").status_code == 404


def test_partners_see_the_parties_a_released_account_or_source_names(
    partner_client, published, unreleased
):
    named = set(Account.objects.filter(dispute=published).values_list("party__slug", flat=True))
    assert set(ids(partner_client, "parties")) == named
    hidden = Account.objects.filter(dispute=unreleased[0]).first().party
    assert partner_client.get(f"/api/v1/parties/{hidden.slug}/").status_code == 404


def test_later_edits_change_nothing_for_partners_until_republished(
    partner_client, viewer_client, reporter_client, editor, published
):
    claim = first_claim(published)
    url = f"/api/v1/claims/{claim.pk}/"
    released = partner_client.get(url).content
    released_list = partner_client.get("/api/v1/claims/").content
    response = reporter_client.patch(url, {"text": "Rewritten on the desk."}, format="json")
    assert response.status_code == 200
    claim_services.record_corroboration(
        claim=claim, by=None, source=SourceFactory(), stance="supports", quote="More."
    )

    assert partner_client.get(url).content == released
    assert partner_client.get("/api/v1/claims/").content == released_list
    assert viewer_client.get(url).json()["text"] == "Rewritten on the desk."

    services.republish(dispute=published, by=editor, note="Rewritten.")

    now = partner_client.get(url).json()
    assert now["text"] == "Rewritten on the desk."
    assert now["version"] == 2


def test_a_partner_object_carries_its_publication_fields(partner_client, viewer_client, published):
    claim = first_claim(published)
    partner = partner_client.get(f"/api/v1/claims/{claim.pk}/").json()
    staff = viewer_client.get(f"/api/v1/claims/{claim.pk}/").json()

    assert partner["pub_status"] == "usable"
    assert partner["version"] == 1  # the revision, where staff read the row's version
    assert staff["version"] == claim.version
    assert partner["first_published_at"] == partner["version_created_at"]
    assert partner["embargoed_until"] is None and partner["corrections"] == []
    assert set(staff) | {
        "pub_status",
        "first_published_at",
        "version_created_at",
        "embargoed_until",
        "corrections",
    } == set(partner)
    assert partner["explanation"] == staff["explanation"]


def test_an_unchanged_object_keeps_its_version_when_its_dispute_is_republished(
    partner_client, reporter_client, editor, published
):
    changed, unchanged = Claim.objects.filter(account__dispute=published).order_by("id")[:2]
    reporter_client.patch(f"/api/v1/claims/{changed.pk}/", {"text": "Reworded."}, format="json")
    services.republish(dispute=published, by=editor)

    assert partner_client.get(f"/api/v1/claims/{changed.pk}/").json()["version"] == 2
    assert partner_client.get(f"/api/v1/claims/{unchanged.pk}/").json()["version"] == 1
    assert partner_client.get(f"/api/v1/disputes/{published.slug}/").json()["version"] == 2


def test_a_claims_history_stops_at_its_revision(partner_client, editor, published):
    claim = first_claim(published)
    released = partner_client.get(f"/api/v1/claims/{claim.pk}/").json()["history"]
    claim_services.record_corroboration(
        claim=claim, by=editor, source=SourceFactory(), stance="contradicts", quote="No."
    )

    assert partner_client.get(f"/api/v1/claims/{claim.pk}/").json()["history"] == released
    assert len(released) == claim.snapshots.count() - 1


# Filters, ordering and search apply to the released values


def test_filters_apply_to_the_released_values(partner_client, reporter_client, published):
    claim = first_claim(published)
    released = partner_client.get(f"/api/v1/claims/{claim.pk}/").json()["credibility"]
    for _ in range(3):
        reporter_client.post(
            "/api/v1/corroborations/",
            {
                "claim": claim.pk,
                "source": SourceFactory(reliability="A").pk,
                "stance": "contradicts",
                "quote": "Not so.",
            },
            format="json",
        )
    live = Claim.objects.get(pk=claim.pk)
    assert live.verdict != released["verdict"]

    by_released = ids(partner_client, "claims", f"&verdict={released['verdict']}")
    by_live = ids(partner_client, "claims", f"&verdict={live.verdict}")
    score = released["score"]

    assert claim.pk in by_released and claim.pk not in by_live
    assert claim.pk in ids(partner_client, "claims", f"&min_score={score}&max_score={score}")
    assert claim.pk not in ids(
        partner_client, "claims", f"&min_score={live.score}&max_score={live.score}"
    )


def test_every_filter_of_the_claims_list_works_for_partners(partner_client, published):
    claim = first_claim(published)
    account = claim.account
    cases = {
        f"dispute={published.slug}": 4,
        f"party={account.party.slug}": 2,
        f"account={account.pk}": 2,
        f"speaker={claim.speaker_id}": 1,
        "updated_since=2000-01-01T00:00:00Z": 4,
        f"updated_since={(timezone.now() + timedelta(hours=1)).isoformat()[:19]}": 0,
        f"search={claim.text}": 1,
    }
    for query, count in cases.items():
        assert partner_client.get(f"/api/v1/claims/?{query}").json()["count"] == count, query


def test_the_other_lists_filter_and_order_for_partners(partner_client, published):
    claim = first_claim(published)
    evidence = Corroboration.objects.filter(claim__account__dispute=published)
    source = evidence.order_by("id").first().source
    assert ids(partner_client, "corroborations", f"&claim={claim.pk}") == list(
        claim.corroborations.order_by("id").values_list("id", flat=True)
    )
    assert ids(partner_client, "corroborations", f"&source={source.pk}") == list(
        evidence.filter(source=source).order_by("id").values_list("id", flat=True)
    )
    assert ids(partner_client, "corroborations", "&ordering=-observed_at") == list(
        evidence.order_by("-observed_at", "id").values_list("id", flat=True)
    )
    assert ids(partner_client, "accounts", "&ordering=-score") == list(
        Account.objects.filter(dispute=published)
        .order_by("-score", "id")
        .values_list("id", flat=True)
    )
    assert ids(partner_client, "disputes", "&status=open&ordering=title") == [published.slug]
    assert ids(partner_client, "disputes", "&status=settled") == []
    sources = ids(partner_client, "sources", "&ordering=name")
    assert sources == sorted(
        sources, key=lambda pk: partner_client.get(f"/api/v1/sources/{pk}/").json()["name"]
    )
    assert ids(partner_client, "sources", f"&reliability={source.reliability}")
    assert source.pk in ids(partner_client, "sources", f"&kind={source.kind}")


@pytest.mark.parametrize(
    "query, field",
    [
        ("dispute=never-released", "dispute"),
        ("party=atlantis", "party"),
        ("account=999999", "account"),
        ("speaker=999999", "speaker"),
        ("verdict=probably", "verdict"),
        ("min_score=high", "min_score"),
        ("max_score=2", "max_score"),
        ("updated_since=yesterday", "updated_since"),
        ("verdict=", "verdict"),
        ("ordering=text", "ordering"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it_for_partners_too(partner_client, published, query, field):
    assert_error(partner_client.get(f"/api/v1/claims/?{query}"), 400, field)


def test_the_slug_of_an_unreleased_dispute_is_refused_like_one_that_does_not_exist(
    partner_client, published, unreleased
):
    for dispute in unreleased:
        error = assert_error(partner_client.get(f"/api/v1/claims/?dispute={dispute.slug}"), 400)
        assert error["message"] == (f"dispute: No released dispute has the slug {dispute.slug!r}.")


def test_search_reads_the_released_text(partner_client, reporter_client, published):
    claim = first_claim(published)
    reporter_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"text": "A draft word: zanzibar."}, format="json"
    )
    assert ids(partner_client, "claims", "&search=zanzibar") == []
    assert ids(partner_client, "claims", f"&search={claim.text}") == [claim.pk]


# Withheld and canceled


def test_a_paused_dispute_is_a_withheld_tombstone_and_its_objects_are_gone(
    partner_client, editor, published
):
    services.pause(dispute=published, by=editor)

    tombstone = partner_client.get(f"/api/v1/disputes/{published.slug}/").json()

    assert tombstone["pub_status"] == "withheld"
    assert (tombstone["id"], tombstone["slug"], tombstone["version"]) == (
        published.pk,
        published.slug,
        1,
    )
    assert not {"title", "summary", "accounts"} & set(tombstone)
    for resource, hidden in objects_of(published).items():
        assert not set(hidden) & set(ids(partner_client, resource)), resource
    claim = first_claim(published)
    assert partner_client.get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert partner_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404


def test_a_retracted_dispute_is_a_canceled_tombstone_with_its_note(
    partner_client, editor, published
):
    services.retract(dispute=published, by=editor, note="The sourcing did not hold.")

    tombstone = partner_client.get(f"/api/v1/disputes/{published.slug}/").json()

    assert tombstone["pub_status"] == "canceled"
    assert tombstone["retraction"]["note"] == "The sourcing did not hold."
    assert ids(partner_client, "disputes") == []


# Staff asking for the partner view


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/disputes/",
        "/api/v1/accounts/",
        "/api/v1/claims/",
        "/api/v1/corroborations/",
        "/api/v1/sources/",
        "/api/v1/parties/",
        "/api/v1/changes/",
        "claim",
        "claimreview",
        "dispute",
    ],
)
def test_staff_with_view_partner_see_exactly_what_a_partner_sees(
    partner_client, viewer_client, reporter_client, published, unreleased, path
):
    claim = first_claim(published)
    reporter_client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "Drafted."}, format="json")
    path = {
        "claim": f"/api/v1/claims/{claim.pk}/",
        "claimreview": f"/api/v1/claims/{claim.pk}/claimreview/",
        "dispute": f"/api/v1/disputes/{published.slug}/",
    }.get(path, path)

    partner = partner_client.get(path)
    staff = viewer_client.get(path, {"view": "partner"})
    desk = viewer_client.get(path)

    assert partner.status_code == staff.status_code == 200
    assert staff.content == partner.content
    assert desk.content != partner.content


def test_view_desk_is_the_default_for_staff(viewer_client, published):
    claim = first_claim(published)
    url = f"/api/v1/claims/{claim.pk}/"
    assert viewer_client.get(url, {"view": "desk"}).content == viewer_client.get(url).content


def test_a_partner_may_not_ask_for_the_desk(partner_client, published):
    response = partner_client.get("/api/v1/claims/?view=desk")
    assert_error(response, 403)
    assert "view=desk" in response.json()["error"]["message"]


@pytest.mark.parametrize("value", ["live", ""])
def test_an_unknown_view_is_a_400_naming_it(viewer_client, published, value):
    assert_error(viewer_client.get(f"/api/v1/claims/?view={value}"), 400, "view")


# The partners' feed


def test_partners_follow_their_own_feed_with_urls_they_can_read(partner_client, published):
    page = partner_client.get("/api/v1/changes/?since=0&limit=1000").json()
    events = page["results"]

    first = events[0]
    assert (first["object_type"], first["action"], first["event"], first["version"]) == (
        "dispute",
        "created",
        "published",
        1,
    )
    for event in events:
        assert partner_client.get(event["url"]).status_code == 200, event
    objects = objects_of(published)
    assert {e["object_id"] for e in events if e["object_type"] == "claim"} == set(objects["claims"])


def test_a_draft_writes_to_the_desks_log_not_to_the_partners_feed(
    partner_client, viewer_client, reporter_client, published
):
    cursor = partner_client.get("/api/v1/changes/?limit=1000").json()["next"]
    desk_cursor = viewer_client.get("/api/v1/changes/?limit=1000").json()["next"]
    claim = first_claim(published)
    reporter_client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "Drafted."}, format="json")

    assert partner_client.get(f"/api/v1/changes/?since={cursor}").json()["results"] == []
    assert viewer_client.get(f"/api/v1/changes/?since={desk_cursor}").json()["results"]


# ClaimReview from the released claim


def test_claimreview_is_built_from_the_released_claim(partner_client, reporter_client, published):
    claim = first_claim(published)
    released = partner_client.get(f"/api/v1/claims/{claim.pk}/").json()
    reporter_client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "Drafted."}, format="json")

    review = partner_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    graph = partner_client.get(f"/api/v1/disputes/{published.slug}/claimreview/").json()

    assert review["claimReviewed"] == released["text"]
    assert review["itemReviewed"]["author"]["name"] == released["speaker"]["name"]
    assert "correction" not in review
    assert review in [{"@context": "https://schema.org", **item} for item in graph["@graph"]]
    assert len(graph["@graph"]) == len(objects_of(published)["claims"])


# Fixed query counts


def published_with(claims):
    dispute = build_dispute(parties=1, claims_per_account=claims, evidence_per_claim=1)
    services.submit_for_review(dispute=dispute, by=None)
    services.publish(dispute=dispute, by=None)
    return dispute


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(
    "path, queries",
    [
        # The key with the feed's head (ETag), the list's ids (from the
        # index alone; then cached at that head), the page's JSON.
        ("/api/v1/claims/?page_size=100", 3),
        ("/api/v1/accounts/?page_size=100", 3),
        ("/api/v1/corroborations/?page_size=100", 3),
        ("/api/v1/disputes/?page_size=100", 3),
        # ... and the dispute slug's check.
        ("/api/v1/claims/?page_size=100&dispute={slug}&min_score=0&ordering=-score", 4),
        # The sources' count and page, then their rows, evidence and verdicts.
        ("/api/v1/sources/?page_size=100", 6),
        # The key, the events, one lookup per type of object on the page.
        ("/api/v1/changes/?limit=1000", 2 + 5),
        # The key, the parties.
        ("/api/v1/parties/?page_size=100", 3),
    ],
)
def test_partner_lists_run_a_fixed_number_of_queries(
    partner_client, db, count, path, queries, django_assert_max_num_queries
):
    dispute = published_with(count)
    with django_assert_max_num_queries(queries):
        response = partner_client.get(path.format(slug=dispute.slug))
    assert response.status_code == 200


def test_a_partner_paging_through_claims_reads_only_each_pages_json(
    partner_client, db, django_assert_num_queries
):
    dispute = published_with(30)
    first = partner_client.get("/api/v1/claims/?page_size=10").json()
    pages = [first]
    url = first["next"]
    while url:
        # The key with the feed's head, the page's JSON: the count and the
        # ids were read with the first page, at this head.
        with django_assert_num_queries(2):
            pages.append(partner_client.get(url).json())
        url = pages[-1]["next"]
    seen = [item["id"] for page in pages for item in page["results"]]
    assert seen == sorted(first_claim(dispute).account.claims.values_list("id", flat=True))
    assert {page["count"] for page in pages} == {30}


def test_a_release_between_two_pages_is_in_the_next_read(partner_client, db):
    published_with(3)
    assert partner_client.get("/api/v1/claims/").json()["count"] == 3
    later = published_with(2)
    page = partner_client.get("/api/v1/claims/?page_size=100").json()
    assert page["count"] == 5
    assert set(Claim.objects.filter(account__dispute=later).values_list("id", flat=True)) <= {
        item["id"] for item in page["results"]
    }
    services.pause(dispute=later, by=None, note="")
    assert partner_client.get("/api/v1/claims/").json()["count"] == 3


@pytest.mark.parametrize("count", [1, 30])
def test_partner_details_run_a_fixed_number_of_queries(
    partner_client, db, count, django_assert_max_num_queries
):
    dispute = published_with(count)
    claim = first_claim(dispute)
    # The key; the row with its revision; the history.
    with django_assert_max_num_queries(3):
        assert partner_client.get(f"/api/v1/claims/{claim.pk}/").status_code == 200
    # The key; the dispute's released row with its publication.
    with django_assert_max_num_queries(2):
        assert partner_client.get(f"/api/v1/disputes/{dispute.slug}/").status_code == 200
    # The key; the claims of the revision; their speakers.
    with django_assert_max_num_queries(4):
        graph = partner_client.get(f"/api/v1/disputes/{dispute.slug}/claimreview/")
    assert len(json.loads(graph.content)["@graph"]) == count


def test_a_slug_renamed_under_an_embargo_reaches_partners_only_at_its_end(
    partner_client, editor, published
):
    old = published.slug
    claim_services.update_dispute(dispute=published, by=editor, slug="renamed")
    ends = timezone.now() + timedelta(hours=1)
    services.republish(dispute=published, by=editor, embargo_until=ends)

    assert partner_client.get(f"/api/v1/disputes/{old}/").json()["slug"] == old
    assert partner_client.get("/api/v1/disputes/renamed/").status_code == 404
    assert partner_client.get("/api/v1/claims/?dispute=renamed").status_code == 400
    feed = partner_client.get("/api/v1/changes/?limit=1000").json()["results"]
    assert feed[0]["url"].endswith(f"/api/v1/disputes/{old}/")

    services.release_embargoed(now=ends)

    assert partner_client.get("/api/v1/disputes/renamed/").json()["slug"] == "renamed"
    assert partner_client.get(f"/api/v1/disputes/{old}/").status_code == 404
