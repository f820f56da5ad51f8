"""
The write services of claims/services.py on the database: each write
rescores what it changed in its own transaction, leaves snapshots and change
log entries, and refuses bad input without writing anything.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from changelog.models import Change
from changelog.writes import StaleObjectError
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from claims.selectors import explain_claim
from sources import services as source_services
from sources.models import Party, Source
from tests.factories import SourceFactory

MODELS = [Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot, Change]


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    for model in [Source, Dispute, Account, Claim, Corroboration]:
        counts[f"history of {model.__name__}"] = model.history.count()
    return counts


def refreshed(*objs):
    for obj in objs:
        obj.refresh_from_db()
    return objs


def keyed(object_type: str, queryset) -> set[tuple[str, int]]:
    """(object_type, id) pairs, as the change log names objects."""
    return {(object_type, pk) for pk in queryset.values_list("pk", flat=True)}


def record(claim, source, stance="supports", by=None, **extra):
    return services.record_corroboration(
        claim=claim,
        by=by,
        source=source,
        stance=stance,
        quote=extra.pop("quote", "A quote the evidence rests on."),
        **extra,
    )


# Recording, editing and removing evidence rescores in the same transaction


def test_recording_evidence_rescores_claim_and_account_with_snapshots_and_changes(hanoi, editor):
    claim, account = hanoi.claims["test_halt"], hanoi.nk_account
    claim_snapshots = claim.snapshots.count()
    account_snapshots = account.snapshots.count()
    before_account = account.score
    last_change = Change.latest_id()

    corroboration = record(claim, hanoi.ap, "supports", by=editor)

    refreshed(claim, account)
    assert claim.score == pytest.approx(1.8 / 2.8)  # AP alone: w = .8
    assert claim.verdict == "mostly_corroborated"
    assert claim.evidence_weight == pytest.approx(0.8)
    assert account.score > before_account
    assert claim.snapshots.count() == claim_snapshots + 1
    assert account.snapshots.count() == account_snapshots + 1
    assert claim.snapshots.last().score == claim.score
    assert "The Associated Press supports" in claim.snapshots.last().cause
    changes = Change.objects.filter(id__gt=last_change)
    assert {(c.object_type, c.object_id, c.action) for c in changes} == {
        ("corroboration", corroboration.pk, "created"),
        ("claim", claim.pk, "updated"),
        ("account", account.pk, "updated"),
    }
    assert {c.actor for c in changes} == {editor}


def test_recording_evidence_runs_a_fixed_number_of_queries(
    hanoi, editor, django_assert_num_queries
):
    # Lock the account, then the claim; check the source exists; write the
    # evidence and its history row; read the claim's evidence, its sources'
    # origins (one query, however deep) and the dispute's parties; write the
    # claim's score, history and snapshot; read the account's claims; write
    # its score, history and snapshot; then the three changes, in one
    # insert. Around them, the savepoint the test's own transaction makes the
    # service take, and on PostgreSQL the change log's lock.
    expected = 16 + 2 + (connection.vendor == "postgresql")
    with django_assert_num_queries(expected):
        record(hanoi.claims["test_halt"], hanoi.ap, by=editor)


def test_a_failure_while_rescoring_leaves_no_evidence_behind(hanoi, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("rescoring failed")

    monkeypatch.setattr(services, "rescore_account", broken)
    before = row_counts()
    with pytest.raises(RuntimeError):
        record(hanoi.claims["test_halt"], hanoi.ap)
    assert row_counts() == before
    hanoi.claims["test_halt"].refresh_from_db()
    assert hanoi.claims["test_halt"].score == 0.5


def test_editing_evidence_stance_rescores_claim_and_account(hanoi, editor):
    corroboration = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    before_claim, before_account = hanoi.nk_claim.score, hanoi.nk_account.score
    snapshots = ScoreSnapshot.objects.count()

    services.update_corroboration(corroboration=corroboration, by=editor, stance="contradicts")

    claim, account = refreshed(hanoi.nk_claim, hanoi.nk_account)
    assert claim.score < before_claim
    assert account.score < before_account
    # AP now contradicts: S = .84 + .15, C = .8
    assert claim.score == pytest.approx(1.99 / 3.79)
    assert ScoreSnapshot.objects.count() == snapshots + 2
    assert Change.objects.filter(
        object_type="corroboration", object_id=corroboration.pk, action="updated"
    ).exists()


def test_editing_only_the_quote_moves_no_score_and_takes_no_snapshot(hanoi, editor):
    corroboration = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    snapshots = ScoreSnapshot.objects.count()
    before = hanoi.nk_claim.score

    updated = services.update_corroboration(
        corroboration=corroboration, by=editor, quote="  A better transcription.  "
    )

    assert updated.quote == "A better transcription."
    assert updated.version == corroboration.version + 1
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score == before
    assert ScoreSnapshot.objects.count() == snapshots
    assert (
        Change.objects.filter(
            object_type="corroboration", object_id=corroboration.pk, action="updated"
        ).count()
        == 1
    )


def test_removing_the_only_evidence_returns_the_claim_to_unverified(hanoi, editor):
    claim = hanoi.claims["test_halt"]
    corroboration = record(claim, hanoi.ap, "supports")

    services.remove_corroboration(corroboration=corroboration, by=editor)

    claim.refresh_from_db()
    assert (claim.score, claim.verdict, claim.evidence_weight) == (0.5, "unverified", 0.0)
    assert not Corroboration.objects.filter(pk=corroboration.pk).exists()
    assert claim.snapshots.last().score == 0.5
    assert "evidence removed" in claim.snapshots.last().cause
    assert Change.objects.filter(
        object_type="corroboration", object_id=corroboration.pk, action="deleted"
    ).exists()


def test_removing_evidence_rescores_the_account(hanoi, editor):
    corroboration = Corroboration.objects.get(claim=hanoi.us_claim, source=hanoi.ap)
    before = hanoi.us_account.score

    services.remove_corroboration(corroboration=corroboration, by=editor)

    hanoi.us_account.refresh_from_db()
    assert hanoi.us_account.score > before
    assert hanoi.us_account.score == pytest.approx(1 / 3.02)  # C = .3 + .3 + .42


def test_a_copy_of_a_source_already_cited_does_not_move_the_score(hanoi):
    reprint = source_services.create_source(
        by=None, name="Daily Reprint", kind="news_outlet", reliability="B", origin=hanoi.ap
    )
    before = hanoi.nk_claim.score

    record(hanoi.nk_claim, reprint, "supports")

    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score == pytest.approx(before)
    explained = {i.source_name: i for i in explain_claim(hanoi.nk_claim).items}
    counted = [name for name, i in explained.items() if i.counted]
    assert counted.count("Daily Reprint") + counted.count("The Associated Press") == 1


def test_a_party_joining_the_dispute_turns_its_sources_into_an_opposing_side(hanoi):
    south = source_services.create_party(by=None, name="South Korea", slug="south-korea")
    seoul = source_services.create_source(
        by=None, name="Seoul official", kind="official", affiliation=south, reliability="B"
    )
    record(hanoi.us_claim, seoul, "supports")
    hanoi.us_claim.refresh_from_db()
    as_outsider = hanoi.us_claim.score

    dispute = Dispute.objects.get(pk=hanoi.dispute.pk)
    services.create_account(by=None, dispute=dispute, party=south)

    hanoi.us_claim.refresh_from_db()
    # Supporting another side's claim is now against its interest: it weighs more.
    assert hanoi.us_claim.score > as_outsider


def test_deleting_a_claim_rescores_its_account(hanoi, editor):
    services.delete_claim(claim=hanoi.nk_claim, by=editor)
    hanoi.nk_account.refresh_from_db()
    assert (hanoi.nk_account.score, hanoi.nk_account.verdict) == (0.5, "unverified")


# The speaker


@pytest.mark.parametrize("stance", ["supports", "partly_supports"])
def test_speaker_cannot_support_their_own_claim_and_nothing_is_written(hanoi, stance):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        record(hanoi.us_claim, hanoi.trump, stance)
    assert "source" in error.value.message_dict
    assert "cannot corroborate" in error.value.message_dict["source"][0]
    assert row_counts() == before


def test_speaker_can_retract_their_claim_which_lowers_its_score(hanoi):
    before = hanoi.nk_claim.score
    record(hanoi.nk_claim, hanoi.ri, "contradicts", quote="We never asked for that.")
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score < before
    retraction = next(
        i for i in explain_claim(hanoi.nk_claim).items if i.source_name == "Ri Yong Ho"
    )
    assert retraction.counted and retraction.k == 1.5


def test_evidence_cannot_be_edited_into_the_speakers_own_support(hanoi):
    corroboration = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.update_corroboration(corroboration=corroboration, by=None, source=hanoi.ri)
    assert "source" in error.value.message_dict
    assert row_counts() == before
    corroboration.refresh_from_db()
    assert corroboration.source == hanoi.ap


def test_a_claim_cannot_get_a_speaker_who_supports_it_as_evidence(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.update_claim(claim=hanoi.nk_claim, by=None, speaker=hanoi.choe)
    assert "speaker" in error.value.message_dict
    assert row_counts() == before
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.speaker == hanoi.ri


def test_a_copy_of_the_speaker_cannot_support_their_claim_and_nothing_is_written(hanoi):
    echo = SourceFactory(name="Trump, reposted", reliability="A", origin=hanoi.trump)
    before = row_counts()

    with pytest.raises(ValidationError) as error:
        record(hanoi.us_claim, echo, "supports")

    assert "shares its origin with Donald Trump" in error.value.message_dict["source"][0]
    assert row_counts() == before


def test_the_source_a_speaker_repeats_cannot_support_the_speakers_claim(hanoi):
    original = SourceFactory(name="The statement Trump read out", reliability="A")
    services.update_source(source=hanoi.trump, by=None, origin=original)
    before = row_counts()

    with pytest.raises(ValidationError) as error:
        record(hanoi.us_claim, original, "partly_supports")

    assert "source" in error.value.message_dict
    assert row_counts() == before


def test_a_copy_of_the_speaker_may_still_contradict_the_claim(hanoi):
    echo = SourceFactory(name="Trump, reposted", reliability="A", origin=hanoi.trump)
    before = hanoi.us_claim.score

    record(hanoi.us_claim, echo, "contradicts")

    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.score < before


def test_a_claim_cannot_get_a_speaker_whose_copy_supports_it(hanoi):
    echo = SourceFactory(name="Choe, quoted", origin=hanoi.choe)
    record(hanoi.nk_claim, echo, "supports")
    before = row_counts()

    with pytest.raises(ValidationError) as error:
        services.update_claim(claim=hanoi.nk_claim, by=None, speaker=hanoi.choe)

    assert "speaker" in error.value.message_dict
    assert row_counts() == before


# Dates


@pytest.mark.parametrize("observed_at", ["2099-01-01T00:00:00Z", "2999-12-31T23:59:00Z"])
def test_evidence_dated_in_the_future_is_refused_naming_the_field(hanoi, observed_at):
    source = SourceFactory()
    before = row_counts()

    with pytest.raises(ValidationError) as error:
        record(hanoi.nk_claim, source, observed_at=parse_datetime(observed_at))

    assert "is in the future" in error.value.message_dict["observed_at"][0]
    assert row_counts() == before


def test_future_evidence_cannot_freeze_a_score_through_an_edit(hanoi):
    item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    with pytest.raises(ValidationError) as error:
        services.update_corroboration(
            corroboration=item, by=None, observed_at=timezone.now() + timedelta(days=1)
        )
    assert "observed_at" in error.value.message_dict


def test_a_clock_a_minute_fast_is_still_now(hanoi):
    item = record(
        hanoi.nk_claim, SourceFactory(), observed_at=timezone.now() + timedelta(minutes=1)
    )
    assert item.pk is not None


def test_a_claim_stated_in_the_future_is_refused(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_claim(
            by=None,
            account=hanoi.us_account,
            text="Tomorrow's statement.",
            speaker=hanoi.trump,
            stated_at=timezone.now() + timedelta(days=2),
        )
    assert "stated_at" in error.value.message_dict
    assert row_counts() == before


# Bad input


def test_evidence_for_a_claim_deleted_meanwhile_is_refused_naming_the_claim(hanoi):
    claim = hanoi.claims["test_halt"]
    services.delete_claim(claim=Claim.objects.get(pk=claim.pk), by=None)
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        record(claim, hanoi.ap)
    assert error.value.message_dict == {"claim": [f"Claim {claim.pk} no longer exists."]}
    assert row_counts() == before


@pytest.mark.parametrize(
    "field, bad",
    [
        ("quote", ""),
        ("quote", "   "),
        ("stance", "endorses"),
        ("url", "not a url"),
        ("url", "javascript:alert(1)"),
    ],
)
def test_bad_evidence_is_refused_naming_the_field_and_nothing_changes(hanoi, field, bad):
    data = {"stance": "supports", "quote": "A fine quote.", "url": "https://apnews.com/x"}
    data[field] = bad
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.record_corroboration(
            claim=hanoi.claims["test_halt"], by=None, source=hanoi.ap, **data
        )
    assert field in error.value.message_dict
    assert row_counts() == before


@pytest.mark.parametrize(
    "field, bad",
    [("quote", ""), ("stance", "maybe"), ("url", "htp:/broken"), ("claim", 1)],
)
def test_bad_evidence_edit_is_refused_naming_the_field_and_nothing_changes(hanoi, field, bad):
    corroboration = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.update_corroboration(corroboration=corroboration, by=None, **{field: bad})
    assert field in error.value.message_dict
    assert row_counts() == before
    assert Corroboration.objects.get(pk=corroboration.pk).version == corroboration.version


def test_a_second_account_for_the_same_party_is_refused_naming_the_party(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_account(by=None, dispute=hanoi.dispute, party=hanoi.us)
    assert "party" in error.value.message_dict
    assert "United States" in error.value.message_dict["party"][0]
    assert row_counts() == before


def test_the_same_party_may_hold_accounts_in_different_disputes(hanoi):
    other = services.create_dispute(by=None, slug="other-summit", title="Another summit?")
    account = services.create_account(by=None, dispute=other, party=hanoi.us)
    assert account.pk and (account.score, account.verdict) == (0.5, "unverified")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"text": ""}, "text"),
        ({"appearance": "not a url"}, "appearance"),
    ],
)
def test_bad_claim_is_refused_naming_the_field_and_nothing_changes(hanoi, fields, field):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_claim(
            by=None,
            account=hanoi.us_account,
            speaker=hanoi.trump,
            **{"text": "A checkable statement.", **fields},
        )
    assert field in error.value.message_dict
    assert row_counts() == before


def test_a_duplicate_dispute_slug_is_refused_naming_the_slug(hanoi):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.create_dispute(by=None, slug=hanoi.dispute.slug, title="Same slug")
    assert "slug" in error.value.message_dict
    assert row_counts() == before


# Concurrent edits


def test_editing_evidence_someone_else_changed_meanwhile_is_refused(hanoi, editor, reporter):
    loaded = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    services.update_corroboration(
        corroboration=loaded, by=reporter, expected_version=loaded.version, quote="Reporter's edit."
    )
    before = row_counts()

    with pytest.raises(StaleObjectError):
        services.update_corroboration(
            corroboration=loaded, by=editor, expected_version=loaded.version, stance="contradicts"
        )

    assert row_counts() == before
    current = Corroboration.objects.get(pk=loaded.pk)
    assert (current.quote, current.stance) == ("Reporter's edit.", "supports")


@pytest.mark.parametrize(
    "update, target, fields",
    [
        (services.update_claim, "nk_claim", {"text": "Edited."}),
        (services.update_account, "nk_account", {"summary": "Edited."}),
        (services.update_dispute, "dispute", {"title": "Edited?"}),
    ],
)
def test_stale_version_is_refused_for_every_editable_record(hanoi, update, target, fields):
    obj = getattr(hanoi, target)
    kwarg = {"nk_claim": "claim", "nk_account": "account", "dispute": "dispute"}[target]
    before = row_counts()
    with pytest.raises(StaleObjectError):
        update(**{kwarg: obj}, by=None, expected_version=obj.version + 1, **fields)
    assert row_counts() == before
    assert type(obj).objects.get(pk=obj.pk).version == obj.version


def test_matching_version_is_accepted_and_bumped(hanoi):
    claim = hanoi.nk_claim
    updated = services.update_claim(
        claim=claim, by=None, expected_version=claim.version, text="Edited statement."
    )
    assert updated.version == claim.version + 1
    assert Claim.objects.get(pk=claim.pk).text == "Edited statement."


# Deleting a dispute


def test_deleting_a_dispute_logs_the_deletion_of_everything_under_it(hanoi, editor):
    dispute = hanoi.dispute
    expected = {("dispute", dispute.pk)}
    expected |= keyed("account", Account.objects.filter(dispute=dispute))
    expected |= keyed("claim", Claim.objects.filter(account__dispute=dispute))
    expected |= keyed(
        "corroboration", Corroboration.objects.filter(claim__account__dispute=dispute)
    )
    assert len(expected) == 1 + 2 + 4 + 8
    last_change = Change.latest_id()

    services.delete_dispute(dispute=dispute, by=editor)

    deleted = Change.objects.filter(id__gt=last_change, action="deleted")
    assert {(c.object_type, c.object_id) for c in deleted} == expected
    assert {c.actor for c in deleted} == {editor}
    assert not Dispute.objects.filter(pk=dispute.pk).exists()
    assert Account.objects.count() == Claim.objects.count() == Corroboration.objects.count() == 0
    assert Source.objects.count() == len(hanoi.sources)  # evidence goes, sources stay


# Full recompute


def test_recompute_all_finds_no_drift_on_a_healthy_database(hanoi):
    before = row_counts()
    assert services.recompute_all() == []
    assert row_counts() == before


def test_recompute_all_finds_and_fixes_a_drifted_claim_and_its_account(hanoi):
    right = hanoi.us_claim.score
    Claim.objects.filter(pk=hanoi.us_claim.pk).update(score=0.9, verdict="corroborated")
    Account.objects.filter(pk=hanoi.nk_account.pk).update(evidence_weight=7.0)

    drifts = services.recompute_all(fix=False)
    assert {d.label for d in drifts} == {
        f"claim {hanoi.us_claim.pk}",
        f"account {hanoi.nk_account.pk}",
    }
    claim_drift = next(d for d in drifts if d.label.startswith("claim"))
    assert (claim_drift.stored, claim_drift.computed) == (0.9, pytest.approx(right))
    assert Claim.objects.get(pk=hanoi.us_claim.pk).score == 0.9  # check only: untouched

    snapshots = ScoreSnapshot.objects.count()
    assert len(services.recompute_all()) == 2

    claim, account = refreshed(hanoi.us_claim, hanoi.nk_account)
    assert (claim.score, claim.verdict) == (pytest.approx(right), "mostly_contradicted")
    assert account.evidence_weight == pytest.approx(1.79)
    assert ScoreSnapshot.objects.count() == snapshots + 2
    assert Change.objects.filter(
        object_type="claim", object_id=claim.pk, summary="full recompute"
    ).exists()
    assert services.recompute_all() == []


def test_recompute_all_agrees_with_the_incremental_services(hanoi, editor):
    reprint = source_services.create_source(
        by=None, name="Reprint", reliability="A", origin=hanoi.ap
    )
    record(hanoi.us_claim, reprint, "contradicts")
    record(hanoi.claims["lost_will"], hanoi.ap, "partly_supports")
    services.update_source(source=hanoi.choe, by=editor, reliability="A")
    services.remove_corroboration(
        corroboration=Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap), by=editor
    )
    assert services.recompute_all(fix=False) == []


def test_deleting_an_account_logs_its_contents_and_rescores_the_other_side(hanoi, editor):
    contents = keyed("claim", hanoi.nk_account.claims.all()) | keyed(
        "corroboration", Corroboration.objects.filter(claim__account=hanoi.nk_account)
    )
    before = hanoi.us_claim.score
    last_change = Change.latest_id()

    services.delete_account(account=hanoi.nk_account, by=editor)

    deleted = {
        (c.object_type, c.object_id)
        for c in Change.objects.filter(id__gt=last_change, action="deleted")
    }
    assert deleted == {("account", hanoi.nk_account.pk)} | contents
    # Ri and Choe no longer speak for a side of this dispute: independent now, they weigh more.
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.score < before
    assert services.recompute_all(fix=False) == []


def test_deleting_a_claim_logs_it_and_its_evidence(hanoi, editor):
    claim = hanoi.us_claim
    evidence = keyed("corroboration", claim.corroborations.all())
    last_change = Change.latest_id()

    services.delete_claim(claim=claim, by=editor)

    deleted = {
        (c.object_type, c.object_id)
        for c in Change.objects.filter(id__gt=last_change, action="deleted")
    }
    assert deleted == {("claim", claim.pk)} | evidence


def test_hanoi_scores_are_the_worked_example_of_the_scoring_docs(hanoi):
    # docs/scoring.md quotes these numbers; if the model changes, so must the docs.
    expected = {
        hanoi.us_claim: (1 / 3.82, "mostly_contradicted", 1.82),
        hanoi.nk_claim: (2.79 / 3.79, "mostly_corroborated", 1.79),
        hanoi.claims["test_halt"]: (0.5, "unverified", 0.0),
        hanoi.claims["lost_will"]: (0.5, "unverified", 0.0),
        hanoi.us_account: (1 / 3.82, "mostly_contradicted", 1.82),
        hanoi.nk_account: ((2.79 / 3.79 * 2.79 + 1) / 4.79, "mostly_corroborated", 1.79),
    }
    for obj, (score, verdict, weight) in expected.items():
        obj.refresh_from_db()
        assert (obj.score, obj.verdict, obj.evidence_weight) == (
            pytest.approx(score),
            verdict,
            pytest.approx(weight),
        ), obj
    assert round(hanoi.nk_account.score, 3) == 0.638
    assert round(hanoi.us_account.score, 3) == 0.262
    assert round(hanoi.nk_claim.score, 3) == 0.736


def test_a_stale_delete_is_refused_and_removes_nothing(hanoi):
    evidence = hanoi.us_claim.corroborations.first()
    seen = evidence.version
    services.update_corroboration(corroboration=evidence, by=None, quote="Edited meanwhile.")
    with pytest.raises(StaleObjectError):
        services.remove_corroboration(corroboration=evidence, by=None, expected_version=seen)
    assert Corroboration.objects.filter(pk=evidence.pk, quote="Edited meanwhile.").exists()
