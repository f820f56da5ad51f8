"""The admin for parties, sources and the change log: every write goes through the services."""

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Claim
from sources.models import Party, Source
from tests.factories import PartyFactory, SourceFactory


def changes_since(last_id):
    return list(Change.objects.filter(pk__gt=last_id).order_by("pk"))


@pytest.mark.parametrize("extra_rows", [0, 30])
@pytest.mark.parametrize(
    ("page", "max_queries"),
    [("sources_party", 5), ("sources_source", 6), ("changelog_change", 8)],
)
def test_changelist_renders_in_a_fixed_number_of_queries(
    admin_client, hanoi, django_assert_max_num_queries, page, max_queries, extra_rows
):
    for _ in range(extra_rows):
        SourceFactory(affiliation=PartyFactory(), origin=hanoi.ap)
        Change.objects.create(action="updated", object_type="source", object_id=hanoi.ap.pk)

    with django_assert_max_num_queries(max_queries):
        response = admin_client.get(reverse(f"admin:{page}_changelist"))

    assert response.status_code == 200


def test_source_changelist_shows_grade_party_and_evidence(admin_client, hanoi):
    response = admin_client.get(reverse("admin:sources_source_changelist"))

    assert "The Associated Press" in response.text
    assert "Senior U.S. official (unnamed)" in response.text
    assert "B · usually reliable" in response.text


@pytest.mark.parametrize(("page", "obj"), [("sources_party", "us"), ("sources_source", "ap")])
def test_change_page_renders_with_its_version_and_history_link(
    admin_client, hanoi, django_assert_max_num_queries, page, obj
):
    obj = getattr(hanoi, obj)
    with django_assert_max_num_queries(4):
        response = admin_client.get(reverse(f"admin:{page}_change", args=[obj.pk]))

    assert response.status_code == 200
    assert f'name="expected_version" value="{obj.version}"' in response.text
    assert reverse(f"admin:{page}_history", args=[obj.pk]) in response.text


def test_admin_adds_a_party_through_the_service_and_logs_it(admin_client, admin_user, db):
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:sources_party_add"), {"name": "South Korea", "slug": "south-korea"}
    )

    assert response.status_code == 302
    party = Party.objects.get(slug="south-korea")
    [change] = changes_since(last)
    assert (change.action, change.object_type, change.object_id, change.actor) == (
        "created",
        "party",
        party.pk,
        admin_user,
    )


def test_party_with_a_taken_slug_shows_the_error_and_changes_nothing(admin_client, hanoi):
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:sources_party_add"), {"name": "Another US", "slug": "united-states"}
    )

    assert response.status_code == 200
    assert "Party with this Slug already exists." in response.text
    assert not Party.objects.filter(name="Another US").exists()
    assert changes_since(last) == []


def test_raising_a_source_grade_in_the_admin_rescores_the_claims_it_backs(
    admin_client, admin_user, hanoi, form_data
):
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    data["reliability"] = "A"
    nk_before, us_before = hanoi.nk_claim.score, hanoi.us_claim.score
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 302
    hanoi.ap.refresh_from_db()
    hanoi.nk_claim.refresh_from_db()
    hanoi.us_claim.refresh_from_db()
    assert (hanoi.ap.reliability, hanoi.ap.version) == ("A", 2)
    assert hanoi.nk_claim.score > nk_before  # the AP supports it
    assert hanoi.us_claim.score < us_before  # the AP contradicts it
    logged = {(c.object_type, c.object_id) for c in changes_since(last)}
    assert ("source", hanoi.ap.pk) in logged
    assert {("claim", hanoi.nk_claim.pk), ("claim", hanoi.us_claim.pk)} <= logged
    assert {c.actor for c in changes_since(last)} == {admin_user}


def test_editing_a_source_without_changing_anything_writes_nothing(admin_client, hanoi, form_data):
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 302
    hanoi.ap.refresh_from_db()
    assert hanoi.ap.version == 1
    assert changes_since(last) == []


def test_origin_loop_shows_the_error_and_changes_nothing(admin_client, hanoi, form_data):
    copy = SourceFactory(name="Hanoi Daily", origin=hanoi.ap)
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    data["origin"] = str(copy.pk)
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "This origin would make a loop of sources." in response.text
    hanoi.ap.refresh_from_db()
    assert (hanoi.ap.origin_id, hanoi.ap.version) == (None, 1)
    assert changes_since(last) == []


def test_stale_version_is_refused_and_the_other_edit_survives(admin_client, hanoi, form_data):
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    # Someone else saves the source while this form is open.
    services.update_source(source=hanoi.ap, by=None, notes="Checked by the other editor.")
    data["reliability"] = "E"
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "has changed since you loaded it" in response.text
    hanoi.ap.refresh_from_db()
    assert (hanoi.ap.reliability, hanoi.ap.notes, hanoi.ap.version) == (
        "B",
        "Checked by the other editor.",
        2,
    )
    assert changes_since(last) == []


def test_history_page_shows_who_changed_the_source(admin_client, hanoi, form_data):
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    data["notes"] = "Wire copy confirmed."
    admin_client.post(url, data)

    response = admin_client.get(reverse("admin:sources_source_history", args=[hanoi.ap.pk]))

    assert response.status_code == 200
    assert '<a href="/admin/auth/user/' in response.text
    assert ">admin</a>" in response.text
    assert "Wire copy confirmed." in response.text


def test_reverting_from_the_history_is_refused(admin_client, hanoi):
    record = hanoi.ap.history.earliest()
    url = reverse("admin:sources_source_simple_history", args=[hanoi.ap.pk, record.history_id])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"name": "Renamed by a revert", "reliability": "E"})

    assert response.status_code == 403
    hanoi.ap.refresh_from_db()
    assert hanoi.ap.name == "The Associated Press"


def test_deleting_an_unused_source_goes_through_the_service(admin_client, admin_user, db):
    source = SourceFactory()
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:sources_source_delete", args=[source.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()
    [change] = changes_since(last)
    assert (change.action, change.object_id, change.actor) == ("deleted", source.pk, admin_user)


def test_a_cited_source_cannot_be_deleted(admin_client, hanoi):
    response = admin_client.post(
        reverse("admin:sources_source_delete", args=[hanoi.ap.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert "Cannot delete source" in response.text
    assert Source.objects.filter(pk=hanoi.ap.pk).exists()


def test_bulk_delete_goes_through_the_service_for_each_party(admin_client, admin_user, db):
    parties = [PartyFactory(), PartyFactory()]
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:sources_party_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in parties], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Party.objects.filter(pk__in=[p.pk for p in parties]).exists()
    assert sorted((c.action, c.object_id) for c in changes_since(last)) == sorted(
        ("deleted", p.pk) for p in parties
    )


def test_change_log_is_read_only(admin_client, hanoi):
    change = Change.objects.order_by("pk").first()
    count = Change.objects.count()

    assert admin_client.get(reverse("admin:changelog_change_add")).status_code == 403
    view = admin_client.get(reverse("admin:changelog_change_change", args=[change.pk]))
    assert view.status_code == 200
    assert 'name="summary"' not in view.text
    edit = admin_client.post(
        reverse("admin:changelog_change_change", args=[change.pk]), {"summary": "rewritten"}
    )
    assert edit.status_code == 403
    delete = admin_client.post(
        reverse("admin:changelog_change_delete", args=[change.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    change.refresh_from_db()
    assert change.summary != "rewritten"
    assert Change.objects.count() == count


def test_admin_pages_need_a_staff_login(client, editor, hanoi):
    client.force_login(editor)

    response = client.get(reverse("admin:sources_source_changelist"))

    assert response.status_code == 302
    assert Claim.objects.count() == 4


def test_a_concurrent_save_that_slips_past_the_form_is_undone_with_a_message(
    admin_client, hanoi, form_data, monkeypatch
):
    url = reverse("admin:sources_source_change", args=[hanoi.ap.pk])
    data = form_data(admin_client.get(url), "source_form")
    # The other save lands between the form's check and the service's.
    monkeypatch.setattr("changelog.admin.check_version", lambda obj, expected: None)
    services.update_source(source=hanoi.ap, by=None, notes="Checked by the other editor.")
    data["reliability"] = "E"
    last = Change.latest_id()

    response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "has changed since you loaded it" in response.text
    hanoi.ap.refresh_from_db()
    assert (hanoi.ap.reliability, hanoi.ap.version) == ("B", 2)
    assert changes_since(last) == []
