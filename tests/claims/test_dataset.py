import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from changelog.models import Change
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from claims.tooling import dataset, demo_data
from sources import services as source_services
from sources.models import Party, Source
from tests.conftest import make_user

MODELS = [Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot]


def every_row():
    rows = {}
    for model in MODELS:
        values = list(model.objects.order_by("pk").values())
        if model is Corroboration:
            # Users are not part of the dataset: who recorded the evidence is
            # matched again by username.
            names = dict(get_user_model().objects.values_list("pk", "username"))
            for row in values:
                row["recorded_by_id"] = names.get(row["recorded_by_id"])
        rows[model.__name__] = values
    return rows


def export(path="-"):
    out, err = StringIO(), StringIO()
    call_command("export_dataset", path, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_(path):
    out = StringIO()
    call_command("import_dataset", str(path), stdout=out)
    return out.getvalue()


def flush():
    # Inside the test's transaction PostgreSQL refuses TRUNCATE while deferred
    # foreign-key checks are pending; run them first, as a commit would.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)


def domain_is_empty():
    return all(not model.objects.exists() for model in MODELS) and not Change.objects.exists()


@pytest.fixture
def desk(hanoi, reporter):
    """Hanoi, a small generated desk, and evidence recorded by a named reporter."""
    demo_data.generate(
        sizes=demo_data.Sizes(disputes=5, claims=40, corroborations=300, sources=50),
        seed=3,
        end=datetime(2026, 5, 1, tzinfo=UTC),
    )
    services.record_corroboration(
        claim=hanoi.nk_claim,
        by=reporter,
        source=hanoi.sources["trump"],
        stance="partly_supports",
        quote="We had some productive time.",
    )
    return hanoi


@pytest.fixture
def hanoi_file(hanoi, tmp_path):
    """The Hanoi story exported to a file, and the database emptied."""
    path = tmp_path / "hanoi.json"
    export(str(path))
    flush()
    return path


def write(tmp_path, document):
    path = tmp_path / "dataset.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_round_trip_gives_back_every_row_and_score(desk, tmp_path):
    before = every_row()
    path = tmp_path / "desk.json"
    export(str(path))
    flush()
    make_user("reporter")
    assert domain_is_empty()

    output = import_(path)

    assert every_row() == before
    assert services.recompute_all(fix=False) == []
    assert "Every imported score matches the model." in output


def test_export_is_one_json_document_with_a_format_version(hanoi):
    text, report = export()
    document = json.loads(text)
    assert document["format"] == "claimdesk-dataset"
    assert document["format_version"] == dataset.FORMAT_VERSION
    assert len(document["corroborations"]) == hanoi.corroboration_count
    ap = next(row for row in document["sources"] if row["id"] == hanoi.ap.pk)
    assert ap["reliability"] == "B" and ap["origin"] is None
    us = next(row for row in document["accounts"] if row["id"] == hanoi.us_account.pk)
    assert us["score"] == Account.objects.get(pk=hanoi.us_account.pk).score
    assert "Exported" in report


def test_the_dataset_carries_every_field_of_every_model():
    for model, keys in dataset.SECTIONS.values():
        derived = dataset.DERIVED_FIELDS.get(model, frozenset())
        assert set(keys) == {field.name for field in model._meta.concrete_fields} - derived, model


def test_inserts_after_an_import_get_fresh_ids(hanoi_file):
    import_(hanoi_file)
    highest = Party.objects.order_by("-pk").first().pk
    party = source_services.create_party(by=None, name="South Korea", slug="south-korea")
    assert party.pk > highest


def test_import_enters_each_object_in_the_change_log_for_partners_to_sync(hanoi_file):
    import_(hanoi_file)
    created = Change.objects.filter(action="created")
    assert created.filter(object_type="corroboration").count() == Corroboration.objects.count()
    assert created.filter(object_type="dispute").count() == 1
    assert created.filter(object_type="party").count() == 2


def test_evidence_recorded_by_an_unknown_user_is_kept_without_recorder(desk, tmp_path):
    path = tmp_path / "desk.json"
    export(str(path))
    flush()
    output = import_(path)
    assert "No user here for: reporter" in output
    assert Corroboration.objects.filter(
        quote="We had some productive time.", recorded_by=None
    ).exists()


def test_import_into_a_database_with_data_is_refused_and_writes_nothing(hanoi, tmp_path):
    path = tmp_path / "hanoi.json"
    export(str(path))
    before = every_row()
    changes = Change.objects.count()
    with pytest.raises(CommandError, match="The database is not empty .*2 parties"):
        import_(path)
    assert every_row() == before
    assert Change.objects.count() == changes


def mutate(document, change):
    change(document)
    return document


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format_version=2), "Unsupported format_version 2"),
        (lambda d: d.update(format="something-else"), "This is not a claimdesk dataset"),
        (lambda d: d.pop("claims"), "lacks the section\\(s\\): claims"),
        (lambda d: d.update(claims={}), 'Section "claims" must be a list'),
        (
            lambda d: d["corroborations"][0].pop("stance"),
            r"corroborations\[0\] lacks the field\(s\): stance",
        ),
        (
            lambda d: d["corroborations"][0].update(mood="sure"),
            r"corroborations\[0\] has unknown field\(s\): mood",
        ),
        (
            lambda d: d["corroborations"][1].update(stance="maybe"),
            r"corroborations\[1\]\.stance: 'maybe' is not one of",
        ),
        (lambda d: d["claims"][0].update(stated_at="yesterday"), r"claims\[0\]\.stated_at:"),
        (lambda d: d["claims"][0].update(score="high"), r"claims\[0\]\.score: expected a number"),
        (
            lambda d: d["claims"][0].update(account=999),
            r"claims\[0\]\.account: accounts id 999 is not in the document",
        ),
        (
            lambda d: d["sources"][1].update(id=d["sources"][0]["id"]),
            'Section "sources" repeats an id',
        ),
        (
            lambda d: d["parties"][1].update(slug=d["parties"][0]["slug"]),
            "The database refused the data",
        ),
    ],
)
def test_bad_documents_are_refused_with_a_clear_error_and_nothing_written(
    hanoi_file, tmp_path, edit, message
):
    document = mutate(json.loads(hanoi_file.read_text()), edit)
    path = write(tmp_path, document)
    with pytest.raises(CommandError, match=message):
        import_(path)
    assert domain_is_empty()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "The file is not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
    ],
)
def test_files_that_are_not_a_dataset_are_refused(db, tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        import_(write(tmp_path, text))
    assert domain_is_empty()


def test_a_missing_file_is_reported(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.json"):
        import_(tmp_path / "missing.json")
