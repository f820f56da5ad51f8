"""The changes feed: what a partner syncs from, without re-reading everything."""

import pytest

from changelog.models import Change
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute
from sources import services as source_services
from sources.models import Party, Source
from tests.api.test_claims import assert_error
from tests.factories import ClaimFactory, CorroborationFactory

MODELS = {
    "party": Party,
    "source": Source,
    "dispute": Dispute,
    "account": Account,
    "claim": Claim,
    "corroboration": Corroboration,
}


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


def replay(api, *, alive=None, since=0, limit=7):
    """
    Follow the feed as a partner would, page by page, from what it already
    knows: return the ids it now believes exist, and its cursor.
    """
    alive = alive or {name: set() for name in MODELS}
    while True:
        page = api.get("/api/v1/changes/", {"since": since, "limit": limit}).json()
        for event in page["results"]:
            ids = alive.setdefault(event["object_type"], set())
            if event["action"] == "deleted":
                ids.discard(event["object_id"])
            else:
                ids.add(event["object_id"])
        assert page["next"] >= since
        since = page["next"]
        if not page["has_more"]:
            return alive, since


def existing():
    return {name: set(model.objects.values_list("pk", flat=True)) for name, model in MODELS.items()}


def test_replaying_the_feed_reconstructs_exactly_the_objects_that_exist(viewer_api, hanoi, editor):
    # Creations, edits and every kind of deletion, cascades included, all
    # through the services as every door writes (factories that skip them
    # would leave no trace in the log).
    extra = ClaimFactory(account=hanoi.us_account, speaker=hanoi.trump)
    CorroborationFactory(claim=extra, source=hanoi.ap)
    services.remove_corroboration(
        corroboration=Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.choe), by=editor
    )
    services.delete_claim(claim=hanoi.claims["test_halt"], by=editor)
    source_services.update_party(party=hanoi.nk, by=editor, description="Edited.")
    doomed = services.create_dispute(by=editor, slug="doomed", title="Doomed?")
    services.create_account(by=editor, dispute=doomed, party=hanoi.us)
    services.delete_dispute(dispute=doomed, by=editor)
    source_services.delete_source(
        source=source_services.create_source(by=editor, name="Gone"), by=editor
    )

    alive, _ = replay(viewer_api)

    assert alive == existing()


def test_a_partner_that_synced_then_catches_up_reaches_the_same_set(viewer_api, hanoi, editor):
    alive, cursor = replay(viewer_api)
    services.delete_claim(claim=hanoi.us_claim, by=editor)
    ClaimFactory(account=hanoi.nk_account, speaker=hanoi.ri)

    alive, _ = replay(viewer_api, alive=alive, since=cursor)

    assert alive == existing()


def test_deletions_appear_with_no_url(viewer_api, hanoi, editor):
    cursor = Change.latest_id()
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    services.remove_corroboration(corroboration=item, by=editor)

    events = viewer_api.get(f"/api/v1/changes/?since={cursor}").json()["results"]

    deletion = next(e for e in events if e["action"] == "deleted")
    assert (deletion["object_type"], deletion["object_id"], deletion["url"]) == (
        "corroboration",
        item.pk,
        None,
    )
    # Removing evidence rescored its claim: that is an update, with a link.
    update = next(e for e in events if e["object_type"] == "claim")
    assert update["action"] == "updated"
    assert update["url"] == f"http://testserver/api/v1/claims/{hanoi.nk_claim.pk}/"


def test_events_link_to_objects_read_by_slug(viewer_api, hanoi):
    first = viewer_api.get("/api/v1/changes/?limit=1").json()["results"][0]

    assert first["object_type"] == "party"
    assert first["url"] == "http://testserver/api/v1/parties/united-states/"


def test_next_cursor_returns_only_what_is_new(viewer_api, hanoi, editor):
    caught_up = viewer_api.get("/api/v1/changes/?since=0&limit=1000").json()
    assert caught_up["has_more"] is False

    idle = viewer_api.get(f"/api/v1/changes/?since={caught_up['next']}").json()
    source_services.create_party(by=editor, name="South Korea", slug="south-korea")
    fresh = viewer_api.get(f"/api/v1/changes/?since={caught_up['next']}").json()

    assert idle["results"] == [] and idle["next"] == caught_up["next"]
    assert [(e["action"], e["object_type"]) for e in fresh["results"]] == [("created", "party")]
    assert fresh["next"] == fresh["results"][0]["id"]


@pytest.mark.parametrize(
    "query, field",
    [("since=-1", "since"), ("since=abc", "since"), ("limit=0", "limit"), ("limit=5000", "limit")],
)
def test_bad_cursor_or_limit_is_a_400_naming_it(viewer_api, db, query, field):
    assert_error(viewer_api.get(f"/api/v1/changes/?{query}"), 400, field)


@pytest.mark.parametrize("count", [1, 100])
def test_feed_runs_a_fixed_number_of_queries(
    viewer_api, editor, count, django_assert_max_num_queries
):
    for n in range(count):
        # Not "Source {n}": those are the factory's names.
        source_services.create_source(by=editor, name=f"Feed source {n}")
    ClaimFactory()

    # The change log's head (ETag), the events, one lookup per type of object.
    with django_assert_max_num_queries(2 + len(MODELS)):
        response = viewer_api.get("/api/v1/changes/?limit=1000")

    assert len(response.json()["results"]) >= count
