"""The dashboard's merge of two sources: pick, confirm, merged; editors only."""

import re

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Corroboration
from claims.services import recompute_all
from sources.models import Source
from tests.factories import SourceFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def dup(hanoi):
    source = SourceFactory(name="AP wire", kind="wire_service", reliability="B")
    services.record_corroboration(
        claim=hanoi.nk_claim, by=None, source=source, stance="supports", quote="Partial relief."
    )
    return source


def merge_url(source):
    return reverse("dashboard:source_merge", args=[source.pk])


def confirmation(source, into, **changes):
    """What the confirmation step posts: the source picked, and both versions it showed."""
    return {
        "into_id": into.pk,
        "confirm": "1",
        "source_version": source.version,
        "into_version": into.version,
        **changes,
    }


def test_editor_sees_merge_into_on_a_source_page_and_others_do_not(client, editor, reporter, dup):
    client.force_login(editor)
    assert "Merge into…" in client.get(reverse("dashboard:source", args=[dup.pk])).text
    client.force_login(reporter)
    assert "Merge into…" not in client.get(reverse("dashboard:source", args=[dup.pk])).text


def test_picking_a_source_shows_what_moves_and_writes_nothing(client, editor, hanoi, dup):
    client.force_login(editor)
    last = Change.latest_id()

    response = client.post(merge_url(dup), {"into": "the associated press"})

    assert response.status_code == 200
    html = response.text
    assert "Merge “AP wire” into “The Associated Press”?" in html
    assert (
        "1 piece of evidence, on 1 claim — on 1 of them The Associated Press has evidence too"
        in html
    )
    assert f'name="into_id" value="{hanoi.ap.pk}"' in html
    assert Source.objects.filter(pk=dup.pk).exists()
    assert Change.latest_id() == last


def test_confirming_merges_and_lands_on_the_remaining_source(client, editor, hanoi, dup):
    client.force_login(editor)

    response = client.post(merge_url(dup), confirmation(dup, hanoi.ap))

    assert response.status_code == 302
    assert response["Location"] == hanoi.ap.get_absolute_url()
    assert not Source.objects.filter(pk=dup.pk).exists()
    assert Corroboration.objects.filter(source=hanoi.ap, claim=hanoi.nk_claim).count() == 2
    assert recompute_all(fix=False) == []
    page = client.get(response["Location"]).text
    assert "“AP wire” merged into “The Associated Press”." in page


def test_confirming_over_htmx_asks_the_browser_to_go_to_the_remaining_source(
    client, editor, hanoi, dup
):
    client.force_login(editor)

    response = client.post(
        merge_url(dup),
        confirmation(dup, hanoi.ap),
        headers={**HTMX, "HX-Target": "source-merge"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == hanoi.ap.get_absolute_url()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"into": ""}, "Name the source to merge into."),
        ({"into": "Nobody at all"}, "No source is called “Nobody at all”"),
        ({"into": "AP wire"}, "A source cannot be merged into itself."),
        ({"into_id": "999999", "confirm": "1"}, "That source no longer exists"),
        ({"into_id": "nonsense", "confirm": "1"}, "Enter a whole number."),
    ],
)
def test_bad_picks_are_inline_errors_and_change_nothing(client, editor, dup, data, message):
    client.force_login(editor)
    last = Change.latest_id()

    response = client.post(merge_url(dup), data)

    assert response.status_code == 200
    assert message in response.text
    assert Source.objects.filter(pk=dup.pk).exists()
    assert Change.latest_id() == last


def test_a_refusal_of_the_service_is_shown_and_changes_nothing(client, editor, hanoi):
    copy = SourceFactory(name="Hanoi Daily", origin=hanoi.ap)
    client.force_login(editor)
    last = Change.latest_id()

    response = client.post(merge_url(hanoi.ap), confirmation(hanoi.ap, copy))

    assert response.status_code == 200
    assert "it is one of its copies" in response.text
    assert Source.objects.filter(pk=hanoi.ap.pk).exists()
    assert Change.latest_id() == last


def test_the_confirmation_carries_the_versions_of_both_sources(client, editor, hanoi, dup):
    client.force_login(editor)

    html = client.post(merge_url(dup), {"into": "The Associated Press"}).text

    assert f'name="source_version" value="{dup.version}"' in html
    assert f'name="into_version" value="{hanoi.ap.version}"' in html


@pytest.mark.parametrize("edited", ["source", "into"])
def test_a_source_edited_after_the_review_is_not_merged_unseen(
    client, editor, reporter, hanoi, dup, edited
):
    client.force_login(editor)
    reviewed = confirmation(dup, hanoi.ap)
    # Someone regrades one of the two between the review and the confirmation.
    changed = {"source": dup, "into": hanoi.ap}[edited]
    services.update_source(source=changed, by=editor, reliability="E")
    last = Change.latest_id()

    response = client.post(merge_url(dup), reviewed)

    assert response.status_code == 200
    html = " ".join(response.text.split())
    assert "The sources were not merged." in html
    assert f"Someone else changed “{changed.name}” after you reviewed this merge" in html
    # Asked again, about the sources as they now are.
    changed.refresh_from_db()
    assert "Merge “AP wire” into “The Associated Press”?" in html
    assert (
        f'name="{"into" if edited == "into" else "source"}_version" value="{changed.version}"'
        in html
    )
    assert Source.objects.filter(pk=dup.pk).exists()
    assert Corroboration.objects.filter(source=dup).count() == 1
    assert Change.latest_id() == last


def test_confirming_again_after_a_stale_refusal_merges(client, editor, hanoi, dup):
    client.force_login(editor)
    stale = confirmation(dup, hanoi.ap)
    services.update_source(source=hanoi.ap, by=editor, notes="Checked again.")
    again = form_data_of(client.post(merge_url(dup), stale))

    response = client.post(merge_url(dup), again)

    assert response.status_code == 302
    assert not Source.objects.filter(pk=dup.pk).exists()


def form_data_of(response) -> dict[str, str]:
    """The hidden fields of the confirmation form on the page."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))


@pytest.mark.parametrize("missing", ["source_version", "into_version"])
def test_a_confirmation_without_both_versions_is_refused_inline(
    client, editor, hanoi, dup, missing
):
    client.force_login(editor)
    last = Change.latest_id()
    data = confirmation(dup, hanoi.ap)
    del data[missing]

    response = client.post(merge_url(dup), data)

    assert response.status_code == 200
    assert "does not say which versions of the two sources it merges" in response.text
    assert Source.objects.filter(pk=dup.pk).exists()
    assert Change.latest_id() == last


@pytest.mark.parametrize("role", ["reporter", "viewer"])
def test_reporters_and_viewers_cannot_merge(client, request, role, hanoi, dup):
    client.force_login(request.getfixturevalue(role))
    last = Change.latest_id()

    assert client.get(merge_url(dup)).status_code == 403
    response = client.post(merge_url(dup), confirmation(dup, hanoi.ap))

    assert response.status_code == 403
    assert Source.objects.filter(pk=dup.pk).exists()
    assert Corroboration.objects.filter(source=dup).count() == 1
    assert Change.latest_id() == last


def test_the_merge_page_and_its_confirmation_cost_a_fixed_number_of_queries(
    client, editor, hanoi, dup, django_assert_max_num_queries
):
    for n in range(5):
        services.record_corroboration(
            claim=hanoi.us_claim, by=None, source=dup, stance="contradicts", quote=f"Item {n}."
        )
    client.force_login(editor)

    with django_assert_max_num_queries(8):
        assert client.get(merge_url(dup)).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.post(merge_url(dup), {"into": "The Associated Press"}).status_code == 200


def test_the_picker_offers_matching_sources(client, editor, hanoi):
    client.force_login(editor)

    response = client.get(
        reverse("dashboard:source_merge_options"), {"into": "associated"}, headers=HTMX
    )

    assert '<option value="The Associated Press">' in response.text


@pytest.mark.parametrize("typed", ["Ri  Yong-ho", "ri yong ho", "Rì Yong Ho"])
def test_the_picker_ignores_case_spacing_and_accents(client, editor, hanoi, typed):
    client.force_login(editor)

    response = client.get(reverse("dashboard:source_merge_options"), {"into": typed}, headers=HTMX)

    assert re.findall(r'<option value="([^"]*)"', response.text) == ["Ri Yong Ho"]
