"""One source per name: case, spacing and accents ignored, at every door and through the upgrade."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from changelog.models import Change
from claims import services as claim_services
from sources import services
from sources.models import Source, duplicate_name_key, normalise_name
from tests.api.test_claims import assert_error

fill = importlib.import_module("sources.migrations.0005_fill_source_name_key")


@pytest.mark.parametrize(
    "name", ["Reuters", " reuters ", "REUTERS", "Réuters", "REUTERS\t", "Ŕeuters"]
)
def test_names_that_differ_only_in_case_spacing_or_accents_are_one_name(name):
    assert normalise_name(name) == normalise_name("Reuters") == "reuters"


def test_runs_of_spacing_count_as_one_space():
    assert normalise_name("Reuters  News") == normalise_name("Reuters News") == "reuters news"
    assert normalise_name("Reuters , News") == normalise_name("Reuters, News")


def test_different_words_stay_different_names():
    assert normalise_name("Reuters News") != normalise_name("ReutersNews")
    assert normalise_name("Reuters") != normalise_name("Reuter")


# The service, which every door uses


@pytest.mark.parametrize("name", ["reuters", " REUTERS ", "Réuters"])
def test_adding_a_taken_name_is_refused_on_the_name_naming_the_existing_source(editor, name):
    reuters = services.create_source(by=editor, name="Reuters")
    last = Change.latest_id()

    with pytest.raises(ValidationError) as refused:
        services.create_source(by=editor, name=name)

    assert list(refused.value.message_dict) == ["name"]
    assert (
        f"“Reuters” already exists (source {reuters.pk})" in refused.value.message_dict["name"][0]
    )
    assert Source.objects.count() == 1
    assert Change.objects.filter(pk__gt=last).count() == 0


def test_renaming_a_source_onto_a_taken_name_is_refused_and_changes_nothing(editor):
    services.create_source(by=editor, name="Reuters News")
    other = services.create_source(by=editor, name="AFP")

    with pytest.raises(ValidationError) as refused:
        claim_services.update_source(source=other, by=editor, name="reuters  news")

    assert "name" in refused.value.message_dict
    other.refresh_from_db()
    assert (other.name, other.name_key, other.version) == ("AFP", "afp", 1)


def test_a_source_may_change_the_case_of_its_own_name(editor):
    source = services.create_source(by=editor, name="reuters")

    saved = claim_services.update_source(source=source, by=editor, name="Reuters")

    assert (saved.name, saved.name_key) == ("Reuters", "reuters")


def test_the_database_refuses_a_taken_name_even_past_the_service(db):
    from django.db import IntegrityError, transaction

    Source.objects.create(name="Reuters")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.bulk_create([Source(name="reuters", name_key="reuters")])


# The API


def test_api_answers_400_naming_name_and_adds_nothing(api_as, editor):
    services.create_source(by=editor, name="Reuters")

    response = api_as(editor).post("/api/v1/sources/", {"name": "reuters"}, format="json")

    error = assert_error(response, 400, "name")
    assert "“Reuters” already exists" in error["fields"]["name"][0]
    assert Source.objects.count() == 1


# The dashboard


def test_dashboard_form_says_the_name_is_taken_and_links_to_the_source(client, editor):
    reuters = services.create_source(by=editor, name="Reuters")
    client.force_login(editor)

    response = client.post(
        reverse("dashboard:source_add"),
        {"name": "reuters", "kind": "wire_service", "reliability": "B"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A source called “Reuters” already exists" in html
    assert f'href="{reuters.get_absolute_url()}"' in html
    assert Source.objects.count() == 1


def test_dashboard_form_with_a_new_name_adds_the_source(client, editor):
    services.create_source(by=editor, name="Reuters")
    client.force_login(editor)

    response = client.post(
        reverse("dashboard:source_add"),
        {"name": "Reuters News", "kind": "wire_service", "reliability": "B"},
    )

    assert response.status_code == 302
    assert Source.objects.filter(name_key="reuters news").exists()


# The upgrade: existing duplicates are kept apart and reported, not a failed migration


def _duplicates_as_before_the_upgrade():
    """Three sources sharing a name, as a desk without the rule could hold them."""
    rows = Source.objects.bulk_create(
        [
            Source(name=name, name_key=f"pre-upgrade {i}")
            for i, name in enumerate(["Reuters", "reuters ", "Réuters", "AFP"])
        ]
    )
    return rows


def test_the_upgrade_keeps_the_oldest_name_and_reports_the_others_with_the_merge_command(db):
    reuters, lower, accented, afp = _duplicates_as_before_the_upgrade()
    out = io.StringIO()

    fill.fill_name_keys(apps, None, out=out)

    keys = dict(Source.objects.values_list("pk", "name_key"))
    assert keys[reuters.pk] == "reuters"
    assert keys[lower.pk] == duplicate_name_key("reuters", lower.pk)
    assert keys[accented.pk] == duplicate_name_key("Réuters", accented.pk)
    assert keys[afp.pk] == "afp"
    report = out.getvalue()
    assert f"{reuters.pk} “Reuters” (keeps the name)" in report
    assert f"python manage.py merge_sources --from {lower.pk} --into {reuters.pk}" in report
    assert f"python manage.py merge_sources --from {accented.pk} --into {reuters.pk}" in report
    assert "AFP" not in report


def test_a_duplicate_left_by_the_upgrade_can_still_be_edited_until_merged(db, editor):
    reuters, lower, *_ = _duplicates_as_before_the_upgrade()
    fill.fill_name_keys(apps, None, out=io.StringIO())
    lower.refresh_from_db()

    saved = claim_services.update_source(source=lower, by=editor, notes="Same as Reuters.")

    assert saved.notes == "Same as Reuters."
    assert saved.name_key == duplicate_name_key("reuters", lower.pk)


def test_report_duplicate_sources_lists_what_is_left_to_merge(db, editor):
    reuters, lower, accented, _ = _duplicates_as_before_the_upgrade()
    fill.fill_name_keys(apps, None, out=io.StringIO())
    out = io.StringIO()

    call_command("report_duplicate_sources", stdout=out)
    assert f"merge_sources --from {lower.pk} --into {reuters.pk}" in out.getvalue()

    call_command(
        "merge_sources", "--from", str(lower.pk), "--into", str(reuters.pk), stdout=io.StringIO()
    )
    call_command(
        "merge_sources", "--from", str(accented.pk), "--into", str(reuters.pk), stdout=io.StringIO()
    )
    out = io.StringIO()
    call_command("report_duplicate_sources", "--check", stdout=out)
    assert "No two sources share a name." in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_a_database_that_holds_duplicates_succeeds_and_reports_them(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate([("sources", "0004_source_name_key")])
    before = (
        MigrationExecutor(connection).loader.project_state(("sources", "0004_source_name_key")).apps
    )
    Old = before.get_model("sources", "Source")
    first = Old.objects.create(name="Reuters", name_key="")
    second = Old.objects.create(name="REUTERS", name_key="")
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        # Whatever happened, leave the schema at the newest migration.
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )

    assert dict(Source.objects.values_list("pk", "name_key")) == {
        first.pk: "reuters",
        second.pk: duplicate_name_key("REUTERS", second.pk),
    }
    assert f"merge_sources --from {second.pk} --into {first.pk}" in capsys.readouterr().out
    with pytest.raises(ValidationError):
        services.create_source(by=None, name="reuters")
