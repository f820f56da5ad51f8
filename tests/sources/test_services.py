"""
The write services for parties and sources (sources/services.py), and the
door that edits a source and rescores what it corroborates
(claims.services.update_source).
"""

import pytest
from django.core.exceptions import ValidationError

from changelog.models import Change
from changelog.writes import StaleObjectError
from claims import services as claim_services
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from sources import services
from sources.models import Party, Source
from sources.selectors import origin_roots

MODELS = [Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot, Change]


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["history of Source"] = Source.history.count()
    counts["history of Party"] = Party.history.count()
    return counts


# Creating


def test_creating_a_source_logs_it_with_its_author(db, editor):
    party = services.create_party(by=editor, name="Vietnam", slug="vietnam")
    source = services.create_source(
        by=editor,
        name="VNA",
        kind="wire_service",
        affiliation=party,
        reliability="C",
        url="https://vnanet.vn/",
    )
    assert (source.version, source.reliability, source.affiliation) == (1, "C", party)
    change = Change.objects.get(object_type="source", object_id=source.pk)
    assert (change.action, change.actor) == ("created", editor)
    assert source.history.get().history_user == editor


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"reliability": "G"}, "reliability"),
        ({"reliability": ""}, "reliability"),
        ({"kind": "oracle"}, "kind"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp//missing-colon"}, "url"),
        ({"name": ""}, "name"),
        ({"popularity": 3}, "popularity"),
    ],
)
def test_bad_source_is_refused_naming_the_field_and_nothing_changes(hanoi, fields, field):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_source(by=None, **{"name": "Some outlet", **fields})
    assert field in error.value.message_dict
    assert row_counts() == before


def test_a_duplicate_party_slug_is_refused_naming_the_slug(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_party(by=None, name="USA", slug="united-states")
    assert "slug" in error.value.message_dict
    assert row_counts() == before


# Editing


def test_an_unknown_grade_on_edit_is_refused_and_the_source_keeps_its_grade(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        claim_services.update_source(source=hanoi.ap, by=None, reliability="Z")
    assert "reliability" in error.value.message_dict
    assert row_counts() == before
    assert Source.objects.get(pk=hanoi.ap.pk).reliability == "B"


@pytest.mark.parametrize("origin_of", ["itself", "its own copy"])
def test_an_origin_loop_is_refused_naming_the_origin(hanoi, origin_of):
    reprint = services.create_source(by=None, name="Reprint", origin=hanoi.ap)
    origin = hanoi.ap if origin_of == "itself" else reprint
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        claim_services.update_source(source=hanoi.ap, by=None, origin=origin)
    assert "origin" in error.value.message_dict
    assert row_counts() == before


def test_editing_a_source_someone_else_changed_meanwhile_is_refused(hanoi, editor):
    loaded = Source.objects.get(pk=hanoi.ap.pk)
    claim_services.update_source(
        source=loaded, by=editor, expected_version=loaded.version, notes="Wire."
    )
    before = row_counts()

    with pytest.raises(StaleObjectError):
        claim_services.update_source(
            source=loaded, by=editor, expected_version=loaded.version, reliability="E"
        )

    assert row_counts() == before
    current = Source.objects.get(pk=hanoi.ap.pk)
    assert (current.reliability, current.notes, current.version) == (
        "B",
        "Wire.",
        loaded.version + 1,
    )


def test_stale_party_edit_is_refused(hanoi):
    before = row_counts()
    with pytest.raises(StaleObjectError):
        services.update_party(
            party=hanoi.us, by=None, expected_version=hanoi.us.version + 1, name="USA"
        )
    assert row_counts() == before
    assert Party.objects.get(pk=hanoi.us.pk).name == "United States"


def test_regrading_a_source_rescores_every_claim_it_corroborates(hanoi, editor):
    us_before, nk_before = hanoi.us_claim.score, hanoi.nk_claim.score
    untouched_before = hanoi.claims["test_halt"].score
    snapshots = ScoreSnapshot.objects.count()

    claim_services.update_source(source=hanoi.ap, by=editor, reliability="A")

    us, nk, untouched = (
        Claim.objects.get(pk=hanoi.us_claim.pk),
        Claim.objects.get(pk=hanoi.nk_claim.pk),
        Claim.objects.get(pk=hanoi.claims["test_halt"].pk),
    )
    # AP contradicts the US claim and supports the North Korean one, now at .95.
    assert us.score < us_before
    assert us.score == pytest.approx(1 / (2 + 0.95 + 0.3 + 0.3 + 0.42))
    assert nk.score > nk_before
    assert nk.score == pytest.approx((1 + 0.95 + 0.84 + 0.15) / (2 + 0.95 + 0.84 + 0.15))
    assert untouched.score == untouched_before
    # two claims and both accounts moved
    assert ScoreSnapshot.objects.count() == snapshots + 4
    assert "source The Associated Press edited" in us.snapshots.last().cause
    assert claim_services.recompute_all(fix=False) == []


def test_making_a_source_a_copy_of_one_already_cited_stops_it_counting_twice(hanoi, editor):
    outlet = services.create_source(by=None, name="Seoul Daily", reliability="B")
    claim_services.record_corroboration(
        claim=hanoi.nk_claim, by=None, source=outlet, stance="supports", quote="As AP reported."
    )
    hanoi.nk_claim.refresh_from_db()
    counted_twice = hanoi.nk_claim.score

    claim_services.update_source(source=outlet, by=editor, origin=hanoi.ap)

    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score < counted_twice
    assert hanoi.nk_claim.score == pytest.approx(2.79 / 3.79)


def test_editing_a_sources_notes_moves_no_score(hanoi, editor):
    snapshots = ScoreSnapshot.objects.count()
    claim_services.update_source(source=hanoi.ap, by=editor, notes="Global wire service.")
    assert ScoreSnapshot.objects.count() == snapshots
    assert Change.objects.filter(
        object_type="source", object_id=hanoi.ap.pk, action="updated"
    ).exists()


# Deleting


@pytest.mark.parametrize("cited_as", ["evidence", "speaker", "origin"])
def test_deleting_a_cited_source_is_refused_and_nothing_changes(hanoi, cited_as):
    if cited_as == "origin":
        target = services.create_source(by=None, name="Original")
        services.create_source(by=None, name="Copy", origin=target)
    else:
        target = hanoi.ap if cited_as == "evidence" else hanoi.trump
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.delete_source(source=target, by=None)
    assert "still cited" in error.value.messages[0]
    assert row_counts() == before


def test_deleting_an_uncited_source_logs_the_deletion(hanoi, editor):
    source = services.create_source(by=None, name="Unused blog")
    services.delete_source(source=source, by=editor)
    assert not Source.objects.filter(pk=source.pk).exists()
    change = Change.objects.filter(object_type="source", object_id=source.pk).last()
    assert (change.action, change.actor) == ("deleted", editor)


def test_deleting_a_party_with_accounts_is_refused(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError):
        services.delete_party(party=hanoi.nk, by=None)
    assert row_counts() == before


# Origins


def test_origin_roots_follow_the_whole_chain(db):
    wire = services.create_source(by=None, name="Wire")
    paper = services.create_source(by=None, name="Paper", origin=wire)
    aggregator = services.create_source(by=None, name="Aggregator", origin=paper)
    alone = services.create_source(by=None, name="Alone")
    assert origin_roots([aggregator.pk, paper.pk, wire.pk, alone.pk]) == {
        aggregator.pk: wire.pk,
        paper.pk: wire.pk,
        wire.pk: wire.pk,
        alone.pk: alone.pk,
    }


def test_origin_roots_read_a_long_chain_in_one_query(db, django_assert_num_queries):
    chain = [services.create_source(by=None, name="Source 0")]
    for n in range(1, 8):
        chain.append(services.create_source(by=None, name=f"Source {n}", origin=chain[-1]))

    with django_assert_num_queries(1):
        roots = origin_roots([chain[-1].pk, chain[3].pk])

    assert roots == {chain[-1].pk: chain[0].pk, chain[3].pk: chain[0].pk}


def test_origin_roots_end_where_a_loop_closes(db):
    first = services.create_source(by=None, name="First")
    second = services.create_source(by=None, name="Second", origin=first)
    # A loop cannot be made through the services (they refuse it); the
    # walk must still end if one exists in the data.
    Source.objects.filter(pk=first.pk).update(origin=second)

    roots = origin_roots([first.pk, second.pk])

    assert set(roots) == {first.pk, second.pk}
    assert set(roots.values()) <= {first.pk, second.pk}
