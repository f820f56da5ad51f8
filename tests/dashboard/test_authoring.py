"""
Running a story from the dashboard: editors open, edit and delete disputes
and accounts; reporters and editors add, edit and delete claims. Every form
works as a plain POST and through htmx, with the services' rules and errors.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute
from sources.models import Party, Source
from tests.factories import PartyFactory, SourceFactory, build_dispute


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def desk_state() -> tuple:
    """Everything an authoring write would touch."""
    return (
        list(Dispute.objects.order_by("pk").values_list("pk", "slug", "title", "version")),
        list(Account.objects.order_by("pk").values_list("pk", "party_id", "summary", "version")),
        list(Claim.objects.order_by("pk").values_list("pk", "text", "speaker_id", "version")),
        list(Party.objects.order_by("pk").values_list("pk", "name")),
        Corroboration.objects.count(),
        Change.latest_id(),
    )


@pytest.fixture
def login(client, request):
    def as_role(role: str):
        user = request.getfixturevalue(role)
        client.force_login(user)
        return client

    return as_role


@pytest.fixture
def staff_editor(editor):
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return editor


def errors_of(response) -> str:
    return response.content.decode()


# Who may do what

EDITOR_ONLY = [
    ("dispute_add", lambda h: []),
    ("dispute_edit", lambda h: [h.dispute.slug]),
    ("dispute_delete", lambda h: [h.dispute.slug]),
    ("account_add", lambda h: [h.dispute.slug]),
    ("account_edit", lambda h: [h.us_account.pk]),
    ("account_delete", lambda h: [h.us_account.pk]),
]
CLAIM_URLS = [
    ("claim_add", lambda h: [h.us_account.pk]),
    ("claim_edit", lambda h: [h.us_claim.pk]),
    ("claim_delete", lambda h: [h.us_claim.pk]),
]


@pytest.mark.parametrize(("name", "args"), EDITOR_ONLY + CLAIM_URLS)
def test_viewer_is_refused_every_authoring_page_and_post(login, hanoi, name, args):
    web = login("viewer")
    url = reverse(f"dashboard:{name}", args=args(hanoi))
    before = desk_state()

    assert web.get(url).status_code == 403
    assert web.post(url, {"version": 1, "title": "x", "text": "x"}).status_code == 403
    assert desk_state() == before


@pytest.mark.parametrize(("name", "args"), EDITOR_ONLY)
def test_reporter_is_refused_dispute_and_account_authoring(login, hanoi, name, args):
    web = login("reporter")
    url = reverse(f"dashboard:{name}", args=args(hanoi))
    before = desk_state()

    assert web.get(url).status_code == 403
    assert web.post(url, {"version": 1, "title": "x", "party": hanoi.us.pk}).status_code == 403
    assert desk_state() == before


@pytest.mark.parametrize("role", ["reporter", "editor"])
@pytest.mark.parametrize(("name", "args"), CLAIM_URLS)
def test_reporters_and_editors_open_the_claim_pages(login, hanoi, role, name, args):
    assert login(role).get(reverse(f"dashboard:{name}", args=args(hanoi))).status_code == 200


@pytest.mark.parametrize(("name", "args"), EDITOR_ONLY)
def test_editor_opens_the_dispute_and_account_pages(login, hanoi, name, args):
    assert login("editor").get(reverse(f"dashboard:{name}", args=args(hanoi))).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, hanoi):
    response = client.get(reverse("dashboard:claim_add", args=[hanoi.us_account.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Where the pages are linked from


def test_overview_offers_new_dispute_to_editors_only(login, hanoi):
    assert "New dispute" in login("editor").get(reverse("dashboard:overview")).content.decode()
    assert (
        "New dispute" not in login("reporter").get(reverse("dashboard:overview")).content.decode()
    )


def test_each_account_column_offers_add_claim_to_reporters_not_viewers(login, hanoi):
    url = hanoi.dispute.get_absolute_url()
    reporter_page = login("reporter").get(url).content.decode()
    assert reporter_page.count("Add claim<span") == 2
    assert reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]) in reporter_page
    assert "Add an account" not in reporter_page
    assert "Add claim" not in login("viewer").get(url).content.decode()


def test_staff_editors_see_admin_links_for_dispute_accounts_and_claim(login, hanoi, staff_editor):
    web = login("staff_editor")
    dispute_page = web.get(hanoi.dispute.get_absolute_url()).content.decode()
    claim_page = web.get(hanoi.us_claim.get_absolute_url()).content.decode()

    assert reverse("admin:claims_dispute_change", args=[hanoi.dispute.pk]) in dispute_page
    assert reverse("admin:claims_account_change", args=[hanoi.us_account.pk]) in dispute_page
    assert reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk]) in claim_page
    assert (
        "/admin/" not in login("reporter").get(hanoi.us_claim.get_absolute_url()).content.decode()
    )


# Disputes


def test_editor_opens_a_dispute_and_its_slug_is_made_from_the_title(login, db, editor):
    response = login("editor").post(
        reverse("dashboard:dispute_add"),
        {"title": "Who ordered the Hà Nội strike?", "slug": "", "summary": "", "status": "open"},
    )

    dispute = Dispute.objects.get()
    assert dispute.slug == "who-ordered-the-ha-noi-strike"
    assert response.status_code == 302 and response["Location"] == dispute.get_absolute_url()
    assert Change.objects.filter(object_type="dispute", object_id=dispute.pk).exists()


def test_opening_a_dispute_through_htmx_sends_the_browser_to_it(login, db):
    response = login("editor").post(
        reverse("dashboard:dispute_add"),
        {"title": "Tariffs", "slug": "tariffs-2025", "status": "settled"},
        headers=htmx("dispute-form"),
    )

    assert response["HX-Redirect"] == "/disputes/tariffs-2025/"
    assert Dispute.objects.get().status == "settled"


def test_a_taken_slug_is_an_inline_error_and_nothing_is_written(login, hanoi):
    before = desk_state()
    response = login("editor").post(
        reverse("dashboard:dispute_add"),
        {"title": "Another", "slug": hanoi.dispute.slug, "status": "open"},
        headers=htmx("dispute-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('\n<form id="dispute-form"') or 'id="dispute-form"' in html[:200]
    assert "already exists" in html
    assert desk_state() == before


def test_a_title_without_letters_asks_for_a_slug(login, db):
    response = login("editor").post(
        reverse("dashboard:dispute_add"), {"title": "???", "slug": "", "status": "open"}
    )

    assert "no letters or digits a web address can use" in response.content.decode()
    assert not Dispute.objects.exists()


def test_no_dispute_may_take_the_slug_of_the_new_dispute_page(login, db):
    response = login("editor").post(
        reverse("dashboard:dispute_add"), {"title": "New", "slug": "", "status": "open"}
    )

    assert "names a dashboard page" in response.content.decode()
    assert not Dispute.objects.exists()


def test_editor_edits_a_dispute(login, hanoi, form_data):
    web = login("editor")
    url = reverse("dashboard:dispute_edit", args=[hanoi.dispute.slug])
    data = form_data(web.get(url), "dispute-form")
    data["title"] = "What did Kim really demand?"

    response = web.post(url, data)

    hanoi.dispute.refresh_from_db()
    assert hanoi.dispute.title == "What did Kim really demand?"
    assert hanoi.dispute.slug == "hanoi-summit-sanctions"
    assert response["Location"] == hanoi.dispute.get_absolute_url()


def test_a_stale_dispute_edit_is_refused_inline(login, hanoi, editor, form_data):
    web = login("editor")
    url = reverse("dashboard:dispute_edit", args=[hanoi.dispute.slug])
    data = form_data(web.get(url), "dispute-form")
    services.update_dispute(dispute=hanoi.dispute, by=editor, summary="Someone else's summary.")
    before = desk_state()
    data["title"] = "Mine"

    response = web.post(url, data, headers=htmx("dispute-form"))

    assert "Someone else changed this dispute after you opened it" in response.content.decode()
    assert desk_state() == before


def test_deleting_a_dispute_says_what_goes_with_it(login, hanoi):
    claims = Claim.objects.filter(account__dispute=hanoi.dispute).count()
    response = login("editor").get(reverse("dashboard:dispute_delete", args=[hanoi.dispute.slug]))

    assert (
        f"also deletes 2 accounts, {claims} claims and {hanoi.corroboration_count} pieces of evidence."
        in response.content.decode()
    )
    assert Dispute.objects.filter(pk=hanoi.dispute.pk).exists()


def test_editor_deletes_a_dispute_with_everything_in_it(login, hanoi, form_data):
    web = login("editor")
    url = reverse("dashboard:dispute_delete", args=[hanoi.dispute.slug])

    response = web.post(url, form_data(web.get(url)))

    assert response["Location"] == reverse("dashboard:overview")
    assert not Dispute.objects.exists() and not Claim.objects.exists()
    assert not Corroboration.objects.exists()


def test_a_stale_dispute_delete_asks_again(login, hanoi, editor, form_data):
    web = login("editor")
    url = reverse("dashboard:dispute_delete", args=[hanoi.dispute.slug])
    data = form_data(web.get(url))
    services.update_dispute(dispute=hanoi.dispute, by=editor, summary="Changed meanwhile.")
    before = desk_state()

    response = web.post(url, data, headers=htmx("confirm-delete"))

    html = response.content.decode()
    assert "so it was not deleted" in html
    assert f'value="{hanoi.dispute.version + 1}"' in html
    assert desk_state() == before


# Accounts


def test_editor_adds_an_account_for_an_existing_party(login, db):
    dispute = build_dispute(parties=1, claims_per_account=0)
    party = PartyFactory(name="Japan")

    response = login("editor").post(
        reverse("dashboard:account_add", args=[dispute.slug]),
        {"party": party.pk, "new_party": "", "summary": "Tokyo says no."},
    )

    account = Account.objects.get(dispute=dispute, party=party)
    assert account.summary == "Tokyo says no."
    assert response["Location"] == f"{dispute.get_absolute_url()}#column-{account.pk}"


def test_editor_adds_an_account_for_a_party_named_in_the_form(login, db):
    dispute = build_dispute(parties=1, claims_per_account=0)

    response = login("editor").post(
        reverse("dashboard:account_add", args=[dispute.slug]),
        {"party": "", "new_party": "South Korea", "summary": ""},
        headers=htmx("account-form"),
    )

    party = Party.objects.get(name="South Korea")
    assert party.slug == "south-korea"
    assert Account.objects.filter(dispute=dispute, party=party).exists()
    assert "HX-Redirect" in response


def test_a_second_account_for_a_party_is_refused_inline(login, hanoi):
    before = desk_state()
    response = login("editor").post(
        reverse("dashboard:account_add", args=[hanoi.dispute.slug]),
        {"party": hanoi.us.pk, "summary": "Again."},
        headers=htmx("account-form"),
    )

    assert "United States already has an account in this dispute." in response.content.decode()
    assert desk_state() == before


def test_a_new_party_whose_name_is_taken_is_refused_inline(login, hanoi):
    before = desk_state()
    response = login("editor").post(
        reverse("dashboard:account_add", args=[hanoi.dispute.slug]),
        {"party": "", "new_party": "North Korea"},
    )

    assert "already exists" in response.content.decode()
    assert desk_state() == before


def test_a_refused_account_leaves_no_new_party_behind(login, hanoi, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"summary": "Refused for the test."})

    monkeypatch.setattr(services, "create_account", refuse)
    before = desk_state()

    response = login("editor").post(
        reverse("dashboard:account_add", args=[hanoi.dispute.slug]),
        {"party": "", "new_party": "China", "summary": "x"},
    )

    assert "Refused for the test." in response.content.decode()
    assert desk_state() == before


def test_choosing_no_party_or_two_is_an_inline_error(login, hanoi):
    web = login("editor")
    url = reverse("dashboard:account_add", args=[hanoi.dispute.slug])
    before = desk_state()

    assert "Choose a party, or type the name" in web.post(url, {}).content.decode()
    both = web.post(url, {"party": hanoi.us.pk, "new_party": "China"}).content.decode()
    assert "keep one of the two" in both
    assert desk_state() == before


def test_editor_edits_an_accounts_summary_and_a_stale_edit_is_refused(
    login, hanoi, editor, form_data
):
    web = login("editor")
    url = reverse("dashboard:account_edit", args=[hanoi.us_account.pk])
    data = form_data(web.get(url), "account-form")
    data["summary"] = "The U.S. says Kim wanted everything."
    assert web.post(url, data).status_code == 302
    hanoi.us_account.refresh_from_db()
    assert hanoi.us_account.summary == "The U.S. says Kim wanted everything."

    before = desk_state()
    data["summary"] = "An edit from a stale page."
    response = web.post(url, data)
    assert "Someone else changed this account" in response.content.decode()
    assert desk_state() == before


def test_editor_deletes_an_account_after_seeing_what_goes_with_it(login, hanoi, form_data):
    web = login("editor")
    url = reverse("dashboard:account_delete", args=[hanoi.nk_account.pk])
    claims = hanoi.nk_account.claims.count()
    evidence = Corroboration.objects.filter(claim__account=hanoi.nk_account).count()

    page = web.get(url)
    assert (
        f"also deletes {claims} claims and {evidence} pieces of evidence." in page.content.decode()
    )
    response = web.post(url, form_data(page), headers=htmx("confirm-delete"))

    assert response["HX-Redirect"] == hanoi.dispute.get_absolute_url()
    assert not Account.objects.filter(pk=hanoi.nk_account.pk).exists()
    assert Account.objects.filter(pk=hanoi.us_account.pk).exists()


# Claims


def new_claim(**extra) -> dict[str, str]:
    return {
        "text": "Kim offered to close Yongbyon for relief from five resolutions.",
        "speaker": "ri yong ho",
        "stated_at": "2019-03-01T00:30",
        "appearance": "https://example.org/press-conference",
        **extra,
    }


def test_reporter_adds_a_claim_with_its_speaker_picked_by_name(login, hanoi):
    response = login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]), new_claim()
    )

    claim = Claim.objects.get(text__startswith="Kim offered to close Yongbyon")
    assert claim.account == hanoi.nk_account and claim.speaker == hanoi.ri
    assert claim.stated_at == datetime(2019, 3, 1, 0, 30, tzinfo=UTC)
    assert response["Location"] == claim.get_absolute_url()


def test_adding_a_claim_through_htmx_sends_the_browser_to_it(login, hanoi):
    response = login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]),
        new_claim(stated_at=""),
        headers=htmx("claim-form"),
    )

    claim = Claim.objects.get(text__startswith="Kim offered to close Yongbyon")
    assert response["HX-Redirect"] == claim.get_absolute_url()
    assert claim.stated_at is None


def test_a_speaker_who_is_not_a_source_is_an_inline_error(login, hanoi):
    before = desk_state()
    response = login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]),
        new_claim(speaker="Kim Yo Jong"),
        headers=htmx("claim-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200 and 'id="claim-form"' in html
    assert "No source is called “Kim Yo Jong”. Pick one from the list." in html
    assert desk_state() == before


def test_a_claim_dated_in_the_future_is_refused_inline(login, hanoi):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]), new_claim(stated_at=tomorrow)
    )

    assert "is in the future: it cannot have been said or published yet." in (
        response.content.decode()
    )
    assert desk_state() == before


def test_an_empty_claim_or_a_bad_date_is_an_inline_error(login, hanoi):
    before = desk_state()
    response = login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]),
        new_claim(text="   ", stated_at="yesterday-ish"),
    )

    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter the date and time in UTC as YYYY-MM-DD HH:MM, 24-hour" in html
    assert desk_state() == before


def stated_at_input(html: str) -> str:
    return re.search(r'<input[^>]*name="stated_at"[^>]*>', html).group()


def stated_at_help(html: str) -> str:
    return " ".join(
        re.search(r'id="id_stated_at_helptext"[^>]*>(.*?)</div>', html, re.S).group(1).split()
    )


def test_the_claim_forms_date_is_a_24_hour_utc_field_when_adding(login, hanoi):
    html = login("reporter").get(reverse("dashboard:claim_add", args=[hanoi.nk_account.pk])).text

    field = stated_at_input(html)
    # Typed, not a datetime-local that the browser would show in its locale's 12-hour clock.
    assert 'type="text"' in field and 'placeholder="YYYY-MM-DD HH:MM"' in field
    assert "Said at (UTC, 24-hour clock)" in html
    assert stated_at_help(html) == (
        "Date and time in UTC, 24-hour, e.g. 2019-02-28 14:30. Leave empty if not known."
    )


def test_editing_a_claim_shows_its_date_as_the_field_takes_it(login, hanoi, form_data):
    services.update_claim(
        claim=hanoi.nk_claim, by=None, stated_at=datetime(2019, 2, 28, 14, 30, tzinfo=UTC)
    )
    web = login("reporter")
    page = web.get(reverse("dashboard:claim_edit", args=[hanoi.nk_claim.pk]))

    assert 'value="2019-02-28 14:30"' in stated_at_input(page.text)
    # Emptying it makes the time unknown, as the help says; nothing suggests "now".
    assert stated_at_help(page.text).endswith("Leave empty if not known.")
    assert "for now" not in stated_at_help(page.text)
    data = form_data(page, "claim-form")
    assert data["stated_at"] == "2019-02-28 14:30"
    web.post(reverse("dashboard:claim_edit", args=[hanoi.nk_claim.pk]), {**data, "stated_at": ""})
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.stated_at is None


@pytest.mark.parametrize("typed", ["2019-02-28 14:30", "2019-02-28T14:30", "2019-02-28 14:30:00"])
def test_the_claim_forms_date_takes_the_shown_format_and_the_iso_one(login, hanoi, typed):
    login("reporter").post(
        reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]), new_claim(stated_at=typed)
    )

    claim = Claim.objects.get(text__startswith="Kim offered to close Yongbyon")
    assert claim.stated_at == datetime(2019, 2, 28, 14, 30, tzinfo=UTC)


def test_rewording_a_claim_with_evidence_asks_for_confirmation(login, hanoi, form_data):
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[hanoi.us_claim.pk])
    page = web.get(url)
    assert "pieces of evidence, weighed against its present words" in page.content.decode()
    data = form_data(page, "claim-form")
    data["text"] = "They wanted the sanctions lifted in their entirety."
    before = desk_state()

    refused = web.post(url, data, headers=htmx("claim-form"))

    assert "tick the box to change its words anyway" in refused.content.decode()
    assert desk_state() == before


def test_a_confirmed_rewording_is_saved_and_the_old_words_are_shown(login, hanoi, form_data):
    old_text = hanoi.us_claim.text
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[hanoi.us_claim.pk])
    data = form_data(web.get(url), "claim-form")
    data.update(text="They wanted the sanctions lifted in their entirety.", confirm_rewording="on")

    response = web.post(url, data)

    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.text == "They wanted the sanctions lifted in their entirety."
    assert response["Location"] == hanoi.us_claim.get_absolute_url()
    again = web.get(url).content.decode()
    assert "Previous wording" in again
    assert "they wanted the sanctions lifted in their entirety, and we couldn" in again
    assert hanoi.us_claim.history.filter(text=old_text).exists()


def test_a_claim_without_evidence_is_reworded_without_confirmation(login, db, form_data):
    account = Account.objects.get(
        dispute=build_dispute(parties=1, claims_per_account=1, evidence_per_claim=0)
    )
    claim = account.claims.get()
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[claim.pk])
    data = form_data(web.get(url), "claim-form")
    assert "confirm_rewording" not in data
    data["text"] = "A better wording."

    web.post(url, data)

    claim.refresh_from_db()
    assert claim.text == "A better wording."


def test_a_stale_claim_edit_is_refused_inline(login, hanoi, editor, form_data):
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[hanoi.nk_claim.pk])
    data = form_data(web.get(url), "claim-form")
    services.update_claim(claim=hanoi.nk_claim, by=editor, appearance="https://example.org/a")
    before = desk_state()
    data["appearance"] = "https://example.org/mine"

    response = web.post(url, data, headers=htmx("claim-form"))

    assert "Someone else changed this claim after you opened it" in response.content.decode()
    assert desk_state() == before


def test_a_speaker_already_supporting_the_claim_is_refused_inline(login, hanoi, form_data):
    supporter = (
        Corroboration.objects.filter(
            claim=hanoi.us_claim, stance__in=["supports", "partly_supports"]
        )
        .select_related("source")
        .first()
    )
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[hanoi.us_claim.pk])
    data = form_data(web.get(url), "claim-form")
    data["speaker"] = supporter.source.name
    before = desk_state()

    response = web.post(url, data)

    assert "a speaker cannot corroborate their own claim" in response.content.decode()
    assert desk_state() == before


def test_saving_an_untouched_claim_writes_nothing(login, hanoi, form_data):
    web = login("reporter")
    url = reverse("dashboard:claim_edit", args=[hanoi.us_claim.pk])
    before = desk_state()

    response = web.post(url, form_data(web.get(url), "claim-form"), follow=True)

    assert "Nothing to save: the claim is unchanged." in response.content.decode()
    assert desk_state() == before


def test_reporter_deletes_a_claim_after_seeing_its_evidence_count(login, hanoi, form_data):
    web = login("reporter")
    url = reverse("dashboard:claim_delete", args=[hanoi.us_claim.pk])
    evidence = hanoi.us_claim.corroborations.count()

    page = web.get(url)
    assert f"also deletes {evidence} pieces of evidence." in page.content.decode()
    response = web.post(url, form_data(page))

    assert (
        response["Location"] == f"{hanoi.dispute.get_absolute_url()}#column-{hanoi.us_account.pk}"
    )
    assert not Claim.objects.filter(pk=hanoi.us_claim.pk).exists()
    assert Corroboration.objects.count() == hanoi.corroboration_count - evidence


def test_a_stale_claim_delete_asks_again(login, hanoi, editor, form_data):
    web = login("reporter")
    url = reverse("dashboard:claim_delete", args=[hanoi.nk_claim.pk])
    data = form_data(web.get(url))
    services.update_claim(claim=hanoi.nk_claim, by=editor, appearance="https://example.org/a")
    before = desk_state()

    response = web.post(url, data)

    assert "so it was not deleted" in response.content.decode()
    assert desk_state() == before


def test_a_removal_without_its_version_is_refused(login, hanoi):
    before = desk_state()
    response = login("reporter").post(reverse("dashboard:claim_delete", args=[hanoi.nk_claim.pk]))

    assert "does not say which version" in response.content.decode()
    assert desk_state() == before


# Query counts


@pytest.mark.parametrize("size", [1, 6])
def test_authoring_pages_run_a_fixed_number_of_queries(
    login, db, size, django_assert_max_num_queries
):
    dispute = build_dispute(parties=2, claims_per_account=size, evidence_per_claim=size)
    account = dispute.accounts.first()
    claim = account.claims.first()
    for _ in range(size):
        SourceFactory()
        PartyFactory()
    web = login("editor")

    # session, user, two for permissions, the object (with its evidence count).
    for url in (
        reverse("dashboard:dispute_add"),
        reverse("dashboard:dispute_edit", args=[dispute.slug]),
        reverse("dashboard:claim_add", args=[account.pk]),
        reverse("dashboard:account_edit", args=[account.pk]),
    ):
        with django_assert_max_num_queries(5):
            assert web.get(url).status_code == 200
    # The account form lists the parties; the claim edit page reads its
    # earlier wordings; the confirmations count what goes.
    for url in (
        reverse("dashboard:account_add", args=[dispute.slug]),
        reverse("dashboard:claim_edit", args=[claim.pk]),
        reverse("dashboard:dispute_delete", args=[dispute.slug]),
        reverse("dashboard:account_delete", args=[account.pk]),
        reverse("dashboard:claim_delete", args=[claim.pk]),
    ):
        with django_assert_max_num_queries(6):
            assert web.get(url).status_code == 200


def test_the_source_picker_serves_the_claim_forms_speaker(login, hanoi):
    response = login("reporter").get(
        reverse("dashboard:source_options"), {"speaker": "Ri Y"}, headers=htmx("source-options")
    )

    assert '<option value="Ri Yong Ho">' in response.content.decode()
    page = login("reporter").get(reverse("dashboard:claim_add", args=[hanoi.nk_account.pk]))
    assert 'list="source-options"' in page.content.decode()
    assert Source.objects.count() == len(hanoi.sources)
