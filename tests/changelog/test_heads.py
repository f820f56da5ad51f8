"""
Each object type's head in the change log (changelog.Head): moved by the
database in the statement that appends to the log, whoever appends.
"""

from django.core.management import call_command
from django.db import connection

from api.resources.claim_json import reference_epoch
from changelog.models import Change, Head
from claims import services as claim_services
from sources import services


def heads() -> dict[str, int]:
    return dict(Head.objects.values_list("object_type", "change_id"))


def newest_by_type() -> dict[str, int]:
    return {
        object_type: Change.objects.filter(object_type=object_type).order_by("-id")[0].id
        for object_type in Change.objects.values_list("object_type", flat=True).distinct()
    }


def test_every_write_moves_the_head_of_what_it_wrote(hanoi, editor):
    assert heads() == newest_by_type()

    party = services.create_party(by=editor, name="Japan", slug="japan")
    claim_services.update_source(source=hanoi.ap, by=editor, notes="Checked.")

    assert heads() == newest_by_type()
    assert (
        heads()["source"]
        > heads()["party"]
        == Change.objects.filter(object_id=party.pk, object_type="party").get().id
    )


def test_a_bulk_load_moves_the_heads_too(db):
    call_command(
        "generate_demo",
        "--disputes=3",
        "--claims=20",
        "--corroborations=60",
        "--sources=12",
        stdout=None,
    )

    assert heads() == newest_by_type()


def test_editing_a_source_moves_the_reference_epoch_and_evidence_does_not(hanoi, editor):
    before = reference_epoch()

    claim_services.record_corroboration(
        claim=hanoi.nk_claim, by=editor, source=hanoi.ap, stance="supports", quote="Again."
    )
    assert reference_epoch() == before

    claim_services.update_source(source=hanoi.ap, by=editor, notes="Checked.")
    assert reference_epoch() > before


def test_the_reference_epoch_is_one_query_however_long_the_log(hanoi, django_assert_num_queries):
    Change.objects.bulk_create(
        Change(action="created", object_type="corroboration", object_id=n) for n in range(500)
    )
    with django_assert_num_queries(1) as captured:
        epoch = reference_epoch()

    assert epoch == max(heads()[kind] for kind in ("dispute", "party", "source"))
    assert connection.ops.quote_name("changelog_head") in captured.captured_queries[0]["sql"]
