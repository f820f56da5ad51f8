"""
The change log and the write machinery every service uses
(changelog/writes.py): entries commit with their write or not at all, in
the order they were recorded, and say whether they are a person's edit or a
recomputed score.
"""

import importlib

from django.apps import apps
from django.db import transaction

from changelog import writes
from changelog.models import Change
from claims import services as claim_services
from sources import services
from tests.factories import SourceFactory


def test_a_write_rolled_back_inside_another_leaves_no_change_behind(db):
    with writes.write_transaction():
        services.create_party(by=None, name="Kept", slug="kept")
        try:
            with transaction.atomic():
                services.create_party(by=None, name="Dropped", slug="dropped")
                raise RuntimeError("the caller changes its mind")
        except RuntimeError:
            pass

    assert list(Change.objects.filter(object_type="party").values_list("summary", flat=True)) == [
        "party Kept added"
    ]


def test_changes_enter_the_log_in_the_order_they_were_recorded(db):
    with writes.write_transaction():
        first = services.create_party(by=None, name="First", slug="first")
        second = services.create_party(by=None, name="Second", slug="second")
        services.update_party(party=first, by=None, name="First again")

    assert list(Change.objects.filter(object_type="party").values_list("object_id", "action")) == [
        (first.pk, "created"),
        (second.pk, "created"),
        (first.pk, "updated"),
    ]


def test_evidence_that_moves_scores_logs_score_moves_beside_the_edit(hanoi, reporter):
    start = Change.latest_id()

    claim_services.record_corroboration(
        claim=hanoi.us_claim,
        by=reporter,
        source=SourceFactory(),
        stance="contradicts",
        quote="North Korea asked for partial relief.",
    )

    new = Change.objects.filter(id__gt=start)
    assert list(new.edits().values_list("object_type", flat=True)) == ["corroboration"]
    assert set(new.score_moves().values_list("object_type", "object_id")) == {
        ("claim", hanoi.us_claim.pk),
        ("account", hanoi.us_claim.account_id),
    }


def test_an_edit_worded_like_a_score_move_is_still_an_edit(hanoi, editor):
    start = Change.latest_id()

    claim_services.update_claim(claim=hanoi.us_claim, by=editor, text="score 0.10 → 0.90: no")

    assert not Change.objects.filter(id__gt=start).score_moves().exists()


def test_a_full_recompute_that_fixes_drift_logs_score_moves(hanoi):
    type(hanoi.us_claim).objects.filter(pk=hanoi.us_claim.pk).update(score=0.99)
    start = Change.latest_id()

    claim_services.recompute_all(fix=True)

    moved = Change.objects.filter(id__gt=start)
    assert moved.exists()
    assert moved.count() == moved.score_moves().count()


def test_the_migration_marks_the_score_moves_logged_before_the_field(db):
    migration = importlib.import_module("changelog.migrations.0002_change_is_score_move")
    score = Change.objects.create(
        action="updated", object_type="claim", object_id=1, summary="score 0.50 → 0.64: evidence"
    )
    account_score = Change.objects.create(
        action="updated", object_type="account", object_id=1, summary="score 0.50 → 0.55: x"
    )
    a_source_named_score = Change.objects.create(
        action="updated", object_type="source", object_id=1, summary="score keeper edited"
    )
    created = Change.objects.create(
        action="created", object_type="claim", object_id=2, summary="score of a claim"
    )

    migration.mark_score_moves(apps, None)

    assert set(Change.objects.score_moves()) == {score, account_score}
    assert set(Change.objects.edits()) == {a_source_named_score, created}
