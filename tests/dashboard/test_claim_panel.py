"""The claim panel: the evidence with its score explanation, and evidence recorded in place."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Account, Claim, Corroboration, ScoreSnapshot
from tests.factories import ClaimFactory, SourceFactory, build_dispute


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def claim_url(claim) -> str:
    return reverse("dashboard:claim", args=[claim.pk])


def ap_on_nk_claim(hanoi) -> Corroboration:
    return Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)


def desk_state() -> tuple:
    """Everything a write would touch: the evidence, the scores, the change log."""
    return (
        list(
            Corroboration.objects.order_by("pk").values_list(
                "pk", "source_id", "stance", "quote", "version"
            )
        ),
        list(Claim.objects.order_by("pk").values_list("pk", "score", "version")),
        list(Account.objects.order_by("pk").values_list("pk", "score", "version")),
        Change.latest_id(),
    )


@pytest.fixture
def reuters(db):
    return SourceFactory(name="Reuters", reliability="A")


@pytest.fixture
def login(client, request):
    def as_role(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return as_role


def new_evidence(source_name: str = "Reuters", **extra) -> dict[str, str]:
    return {
        "source": source_name,
        "stance": "supports",
        "quote": "Kim wanted every sanction lifted, a U.S. negotiator said.",
        "url": "https://example.org/report",
        "observed_at": "2019-03-01T09:30",
        **extra,
    }


# Reading


def test_claim_page_shows_the_claim_its_speaker_and_when_it_was_said(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.us_claim)).content.decode()

    assert "Basically, they wanted the sanctions lifted in their entirety" in html
    assert f'href="/sources/{hanoi.trump.pk}/">Donald Trump</a>' in html
    assert "28 Feb 2019, 08:00 UTC" in html
    assert "United States’s account" in html


def test_evidence_list_explains_each_counted_items_weight(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.us_claim)).content.decode()

    evidence = html[html.index('id="evidence"') :]
    # The AP, independent, grade B: r .80, k 1, a 1.
    ap_row = re.search(r"<th scope=\"row\">The Associated Press .*?</tr>", evidence, re.S).group()
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", ap_row, re.S)
    assert [" ".join(re.sub(r"<.*?>", " ", c).split()) for c in cells] == [
        "The Associated Press independent",
        "Contradicts",
        "0.80",
        "1.00",
        "1.00",
        "0.800",
        "0.000",
        "0.800",
    ]
    # The unnamed U.S. official contradicting his own side: against interest, anonymous.
    official = re.search(
        r"<th scope=\"row\">Senior U.S. official \(unnamed\) .*?</tr>", evidence, re.S
    ).group()
    assert "1.50" in official and "against interest" in official and "0.70" in official
    assert "= <strong>0.262</strong>, mostly contradicted." in evidence


def test_evidence_list_says_which_items_did_not_count_and_why(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.us_claim)).content.decode()

    not_counted = html[html.index("<h3>Not counted</h3>") :]
    assert (
        "Senior U.S. official (unnamed)</strong> (partly supports): superseded by a later item from the same source."
        in not_counted
    )
    assert "Does not count: superseded by a later item from the same source." in html


@pytest.mark.parametrize(
    "target", ["claim-score", "account-score", "evidence", "corroboration-form"]
)
def test_htmx_gets_the_partial_it_targets(login, hanoi, target):
    response = login("reporter").get(claim_url(hanoi.us_claim), headers=htmx(target))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.match(rf'\s*<section id="{target}"', html)
    assert "<html" not in html
    assert "HX-Request" in response["Vary"] and "HX-Target" in response["Vary"]


def test_score_widgets_listen_for_scores_changed(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.us_claim)).content.decode()

    for widget in ("claim-score", "account-score", "evidence"):
        tag = re.search(rf'<section id="{widget}"[^>]*>', html, re.S).group()
        assert 'hx-trigger="scores-changed from:body"' in tag
        assert f'hx-get="{claim_url(hanoi.us_claim)}"' in tag
    # The score widgets sit inside live regions that htmx does not replace.
    assert html.count('<div class="live" aria-live="polite" aria-atomic="true">') == 2


def test_unknown_claim_is_404(login, hanoi):
    assert login("viewer").get(reverse("dashboard:claim", args=[999999])).status_code == 404


def test_claim_page_is_served_under_a_self_only_content_security_policy(login, hanoi):
    response = login("reporter").get(claim_url(hanoi.us_claim))

    html = response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("size", [1, 6])
def test_claim_page_runs_a_fixed_number_of_queries(db, login, size, django_assert_max_num_queries):
    dispute = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=size)
    claim = Claim.objects.filter(account__dispute=dispute).first()
    web = login("reporter")

    # session, user, the change log's newest id (the live poll's cursor), two
    # for permissions, claim with its history starts, evidence, explanation
    # (3), histories, what the account's score is made of. The source picker
    # is empty until the user types.
    with django_assert_max_num_queries(12):
        response = web.get(claim_url(claim))

    assert response.content.decode().count('class="evidence-item ') == size


# Who sees the controls


def test_viewer_sees_no_controls_to_change_evidence(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.nk_claim)).content.decode()

    assert 'id="corroboration-form"' not in html
    assert "/evidence/" not in html


@pytest.mark.parametrize("role", ["reporter", "editor"])
def test_reporters_and_editors_see_add_edit_and_remove(login, hanoi, role):
    html = login(role).get(claim_url(hanoi.nk_claim)).content.decode()
    evidence = ap_on_nk_claim(hanoi)

    assert 'id="corroboration-form"' in html and "Record evidence" in html
    assert f'href="{reverse("dashboard:edit_corroboration", args=[evidence.pk])}"' in html
    assert f'href="{reverse("dashboard:delete_corroboration", args=[evidence.pk])}"' in html


def test_viewer_cannot_fetch_the_form_partial_directly(login, hanoi):
    response = login("viewer").get(claim_url(hanoi.nk_claim), headers=htmx("corroboration-form"))

    assert response.status_code == 403


# The role matrix: each role × each write, with and without htmx.


def perform(client, action: str, hanoi, *, with_htmx: bool):
    headers = htmx("corroboration-form") if with_htmx else {}
    evidence = ap_on_nk_claim(hanoi)
    if action == "add":
        return client.post(
            reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
            new_evidence(),
            headers=headers,
        )
    if action == "edit":
        data = new_evidence(
            "The Associated Press", stance="partly_supports", version=evidence.version
        )
        return client.post(
            reverse("dashboard:edit_corroboration", args=[evidence.pk]), data, headers=headers
        )
    return client.post(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        {"version": evidence.version},
        headers=headers,
    )


@pytest.mark.parametrize("with_htmx", [True, False])
@pytest.mark.parametrize("action", ["add", "edit", "delete"])
@pytest.mark.parametrize("role", ["reporter", "editor"])
def test_reporters_and_editors_can_add_edit_and_remove_evidence(
    login, hanoi, reuters, role, action, with_htmx
):
    before = desk_state()

    response = perform(login(role), action, hanoi, with_htmx=with_htmx)

    assert response.status_code == (200 if with_htmx else 302)
    assert desk_state() != before
    count = Corroboration.objects.count()
    assert count == {"add": 1, "edit": 0, "delete": -1}[action] + hanoi.corroboration_count
    if action == "edit":
        assert ap_on_nk_claim(hanoi).stance == "partly_supports"


@pytest.mark.parametrize("with_htmx", [True, False])
@pytest.mark.parametrize("action", ["add", "edit", "delete"])
def test_viewer_is_refused_every_write_and_nothing_changes(
    login, hanoi, reuters, action, with_htmx
):
    before = desk_state()

    response = perform(login("viewer"), action, hanoi, with_htmx=with_htmx)

    assert response.status_code == 403
    assert desk_state() == before


@pytest.mark.parametrize("action", ["add", "edit", "delete"])
def test_anonymous_is_sent_to_log_in_and_nothing_changes(login, hanoi, reuters, action):
    before = desk_state()

    response = perform(login("anonymous"), action, hanoi, with_htmx=False)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert desk_state() == before


@pytest.mark.parametrize("view", ["dashboard:edit_corroboration", "dashboard:delete_corroboration"])
def test_viewer_cannot_open_the_edit_or_delete_step(login, hanoi, view):
    response = login("viewer").get(
        reverse(view, args=[ap_on_nk_claim(hanoi).pk]), headers=htmx("corroboration-form")
    )

    assert response.status_code == 403


# Adding


def test_adding_with_htmx_returns_a_fresh_form_and_tells_the_widgets_scores_changed(
    login, hanoi, reuters
):
    before_claim, before_account = hanoi.us_claim.score, hanoi.us_account.score

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert re.match(r'\s*<section id="corroboration-form"', html)
    assert 'name="quote"' in html and "Kim wanted every sanction lifted" not in html
    assert '<div id="messages"' in html and 'hx-swap-oob="innerHTML"' in html
    assert "Evidence from Reuters recorded." in html
    assert json.loads(response["HX-Trigger"]) == {
        "scores-changed": {"claim": hanoi.us_claim.pk, "account": hanoi.us_account.pk}
    }
    hanoi.us_claim.refresh_from_db()
    hanoi.us_account.refresh_from_db()
    assert hanoi.us_claim.score > before_claim
    assert hanoi.us_account.score > before_account
    added = Corroboration.objects.get(claim=hanoi.us_claim, source=reuters)
    assert added.url == "https://example.org/report"
    assert added.observed_at.isoformat() == "2019-03-01T09:30:00+00:00"
    assert added.recorded_by.username == "reporter"


def test_widgets_refetched_after_a_save_show_the_new_scores(login, hanoi, reuters):
    web = login("reporter")
    web.post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(),
        headers=htmx("corroboration-form"),
    )
    hanoi.us_claim.refresh_from_db()
    hanoi.us_account.refresh_from_db()

    claim_score = web.get(claim_url(hanoi.us_claim), headers=htmx("claim-score")).content.decode()
    account_score = web.get(
        claim_url(hanoi.us_claim), headers=htmx("account-score")
    ).content.decode()
    evidence = web.get(claim_url(hanoi.us_claim), headers=htmx("evidence")).content.decode()

    assert f'<span class="gauge-score">{hanoi.us_claim.score:.2f}</span>' in claim_score
    assert f'<span class="gauge-score">{hanoi.us_account.score:.2f}</span>' in account_score
    assert "Reuters" in evidence and 'Evidence <span class="muted">(6)</span>' in evidence


def test_adding_as_a_plain_post_redirects_to_the_claim_with_a_message(login, hanoi, reuters):
    web = login("reporter")

    response = web.post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == claim_url(hanoi.us_claim) + "#evidence"
    html = response.content.decode()
    assert "Evidence from Reuters recorded." in html
    assert "Reuters" in html[html.index('id="evidence"') :]


def test_empty_quote_is_reported_beside_the_field_and_nothing_is_saved(login, hanoi, reuters):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(quote="   "),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert '<ul class="errorlist" id="id_quote_error"><li>This field is required.</li></ul>' in html
    quote_input = re.search(r"<textarea[^>]*>", html).group()
    assert 'aria-invalid="true"' in quote_input and "id_quote_error" in quote_input
    assert "autofocus" in quote_input
    assert 'value="Reuters"' in html  # what was typed is kept
    # The messages area is swapped too, emptied of the news of an earlier save.
    assert re.search(r'<div id="messages"[^>]*hx-swap-oob="innerHTML">\s*</div>', html)
    assert desk_state() == before


def test_empty_quote_as_a_plain_post_shows_the_whole_page_with_the_error(login, hanoi, reuters):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]), new_evidence(quote="")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="id_quote_error"' in html
    assert desk_state() == before


def test_unknown_source_is_reported_beside_the_source_field(login, hanoi):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence("Nobody Known"),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert 'id="id_source_error"' in html and "No source is called “Nobody Known”" in html
    assert desk_state() == before


@pytest.mark.parametrize("typed", ["reuters", "  Réuters ", "REUTERS"])
def test_a_source_typed_with_other_case_spacing_or_accents_is_the_same_source(
    login, hanoi, reuters, typed
):
    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(typed),
        headers=htmx("corroboration-form"),
    )

    assert 'id="id_source_error"' not in response.content.decode()
    assert hanoi.us_claim.corroborations.filter(source=reuters).count() == 1


@pytest.mark.parametrize(
    "field, value", [("stance", "maybe"), ("url", "not a url"), ("observed_at", "soon")]
)
def test_bad_values_are_reported_beside_their_field(login, hanoi, reuters, field, value):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(**{field: value}),
        headers=htmx("corroboration-form"),
    )

    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert desk_state() == before


@pytest.mark.parametrize("observed_at", ["2099-01-01T00:00", "2999-12-31T23:59"])
def test_evidence_dated_in_the_future_is_refused_beside_its_field(
    login, hanoi, reuters, observed_at
):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(observed_at=observed_at),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_observed_at_error"' in html and "is in the future" in html
    assert desk_state() == before


def test_speaker_cannot_support_their_own_claim(login, hanoi):
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence("Donald Trump"),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert 'id="id_source_error"' in html and "cannot corroborate it" in html
    assert desk_state() == before


def test_source_picker_offers_matching_sources(login, hanoi):
    response = login("reporter").get(
        reverse("dashboard:source_options"), {"source": "press"}, headers=htmx("source-options")
    )

    html = response.content.decode()
    assert re.match(r'\s*<datalist id="source-options">', html)
    assert '<option value="The Associated Press">B · independent</option>' in html
    assert "Donald Trump" not in html


def test_claim_page_ships_no_list_of_sources_before_the_user_types(login, hanoi):
    SourceFactory.create_batch(30)

    html = login("reporter").get(claim_url(hanoi.us_claim)).content.decode()

    datalist = html[html.index('<datalist id="source-options">') :]
    assert datalist[: datalist.index("</datalist>")].count("<option") == 0


def test_source_picker_offers_at_most_twenty_sources(login, hanoi):
    SourceFactory.create_batch(30)

    response = login("reporter").get(reverse("dashboard:source_options"), {"source": "source"})

    assert response.content.decode().count("<option") == 20


def test_source_field_is_labelled_and_searches_as_you_type(login, hanoi):
    html = login("reporter").get(claim_url(hanoi.us_claim)).content.decode()

    source = re.search(r'<input type="text" name="source"[^>]*>', html).group()
    assert 'list="source-options"' in source
    assert f'hx-get="{reverse("dashboard:source_options")}"' in source
    for field in ("source", "stance", "quote", "url", "observed_at"):
        assert f'<label for="id_{field}">' in html


# Editing


def test_edit_link_brings_the_form_filled_in_with_its_version(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)

    response = login("reporter").get(
        reverse("dashboard:edit_corroboration", args=[evidence.pk]),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert re.match(r'\s*<section id="corroboration-form"', html)
    assert "Edit evidence from The Associated Press" in html
    assert 'value="The Associated Press"' in html
    assert f'name="version" value="{evidence.version}"' in html
    assert '<option value="supports" selected>' in html


def observed_at_of(html: str) -> tuple[str, str]:
    """The evidence form's date input, and its help text in one line."""
    field = re.search(r'<input[^>]*name="observed_at"[^>]*>', html).group()
    help_text = re.search(r'id="id_observed_at_helptext"[^>]*>(.*?)</div>', html, re.S).group(1)
    return field, " ".join(help_text.split())


def test_the_evidence_date_is_a_24_hour_utc_field_that_may_be_left_for_now(login, hanoi):
    html = login("reporter").get(claim_url(hanoi.us_claim)).text

    field, help_text = observed_at_of(html)
    # Typed, not a datetime-local that the browser would show in its locale's 12-hour clock.
    assert 'type="text"' in field and 'placeholder="YYYY-MM-DD HH:MM"' in field
    assert "Said or published at (UTC, 24-hour clock)" in html
    assert help_text == "Date and time in UTC, 24-hour, e.g. 2019-02-28 14:30. Leave empty for now."


def test_editing_evidence_shows_its_date_as_the_field_takes_it_and_says_what_empty_does(
    login, hanoi
):
    evidence = ap_on_nk_claim(hanoi)
    evidence.observed_at = datetime(2019, 3, 1, 7, 5, tzinfo=UTC)
    evidence.save(update_fields=["observed_at"])

    html = (
        login("reporter")
        .get(
            reverse("dashboard:edit_corroboration", args=[evidence.pk]),
            headers=htmx("corroboration-form"),
        )
        .text
    )

    field, help_text = observed_at_of(html)
    assert 'value="2019-03-01 07:05"' in field
    assert help_text == (
        "Date and time in UTC, 24-hour, e.g. 2019-02-28 14:30. "
        "If you empty it, the evidence keeps the date it has."
    )


def test_an_edit_with_the_date_emptied_keeps_the_date_as_its_help_says(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    dated = evidence.observed_at

    login("reporter").post(
        reverse("dashboard:edit_corroboration", args=[evidence.pk]),
        new_evidence(
            "The Associated Press", quote="Edited.", observed_at="", version=evidence.version
        ),
    )

    evidence.refresh_from_db()
    assert evidence.quote == "Edited." and evidence.observed_at == dated


@pytest.mark.parametrize("typed", ["2019-03-01 09:30", "2019-03-01T09:30"])
def test_the_evidence_date_takes_the_shown_format_and_the_iso_one(login, hanoi, reuters, typed):
    login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(observed_at=typed),
    )

    added = Corroboration.objects.get(claim=hanoi.us_claim, source=reuters)
    assert added.observed_at == datetime(2019, 3, 1, 9, 30, tzinfo=UTC)


def test_a_date_in_another_format_says_which_one_to_use(login, hanoi, reuters):
    response = login("reporter").post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        new_evidence(observed_at="03/01/2019 09:30 AM"),
        headers=htmx("corroboration-form"),
    )

    assert (
        "Enter the date and time in UTC as YYYY-MM-DD HH:MM, 24-hour, e.g. 2019-02-28 14:30."
        in (response.text)
    )
    assert not Corroboration.objects.filter(source=reuters).exists()


def test_edit_page_works_without_javascript(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)

    html = (
        login("reporter")
        .get(reverse("dashboard:edit_corroboration", args=[evidence.pk]))
        .content.decode()
    )

    assert "<html" in html and "Edit evidence from The Associated Press" in html
    # The claim's and its account's score histories, as on the claim page.
    assert html.count("<polyline points=") == 2


def test_editing_changes_the_evidence_and_the_score(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    before = hanoi.nk_claim.score

    response = login("editor").post(
        reverse("dashboard:edit_corroboration", args=[evidence.pk]),
        new_evidence(
            "The Associated Press",
            stance="contradicts",
            quote=evidence.quote,
            version=evidence.version,
        ),
        headers=htmx("corroboration-form"),
    )

    assert "scores-changed" in json.loads(response["HX-Trigger"])
    evidence.refresh_from_db()
    hanoi.nk_claim.refresh_from_db()
    assert evidence.stance == "contradicts"
    assert hanoi.nk_claim.score < before


def test_a_concurrent_edit_is_refused_with_a_clear_error(login, hanoi, reporter):
    evidence = ap_on_nk_claim(hanoi)
    loaded_version = evidence.version
    services.update_corroboration(
        corroboration=evidence, by=reporter, quote="Edited meanwhile by someone else."
    )
    before = desk_state()

    response = login("editor").post(
        reverse("dashboard:edit_corroboration", args=[evidence.pk]),
        new_evidence("The Associated Press", stance="contradicts", version=loaded_version),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this evidence after you opened it" in html
    assert 'role="alert"' in html
    assert desk_state() == before


def test_edit_without_a_version_is_refused(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    before = desk_state()

    response = login("editor").post(
        reverse("dashboard:edit_corroboration", args=[evidence.pk]),
        new_evidence("The Associated Press", stance="contradicts"),
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert 'role="alert"' in html
    assert "This form does not say which version of the evidence it edits; reload it." in html
    assert desk_state() == before


# Removing


def test_remove_link_asks_for_confirmation_first_and_removes_nothing(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    before = desk_state()

    partial = login("reporter").get(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        headers=htmx("corroboration-form"),
    )
    page = login("reporter").get(reverse("dashboard:delete_corroboration", args=[evidence.pk]))

    assert "Remove this evidence?" in partial.content.decode()
    assert re.search(
        rf'<form method="post" action="{reverse("dashboard:delete_corroboration", args=[evidence.pk])}"',
        partial.content.decode(),
    )
    assert "<html" in page.content.decode() and "Remove this evidence?" in page.content.decode()
    assert desk_state() == before


def test_confirming_removes_the_evidence_and_rescores(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    before = hanoi.nk_claim.score

    response = login("reporter").post(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        {"version": evidence.version},
        headers=htmx("corroboration-form"),
    )

    assert "Evidence from The Associated Press removed." in response.content.decode()
    assert "scores-changed" in json.loads(response["HX-Trigger"])
    assert not Corroboration.objects.filter(pk=evidence.pk).exists()
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score < before


def test_evidence_edited_since_the_confirmation_is_not_removed_unseen(login, hanoi, reporter):
    evidence = ap_on_nk_claim(hanoi)
    web = login("reporter")
    confirmation = web.get(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        headers=htmx("corroboration-form"),
    ).content.decode()
    seen_version = int(re.search(r'name="version" value="(\d+)"', confirmation).group(1))
    services.update_corroboration(corroboration=evidence, by=reporter, quote="Rewritten meanwhile.")
    before = desk_state()

    response = web.post(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        {"version": seen_version},
        headers=htmx("corroboration-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this evidence after you opened it" in html
    assert "Rewritten meanwhile." in html
    assert desk_state() == before
    # Confirming again, having seen the new text, removes it.
    version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
    web.post(reverse("dashboard:delete_corroboration", args=[evidence.pk]), {"version": version})
    assert not Corroboration.objects.filter(pk=evidence.pk).exists()


def test_a_removal_without_its_version_is_refused_inline(login, hanoi):
    evidence = ap_on_nk_claim(hanoi)
    before = desk_state()

    response = login("reporter").post(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        headers=htmx("corroboration-form"),
    )

    assert response.status_code == 200
    assert "does not say which version of the evidence it removes" in response.content.decode()
    assert desk_state() == before


def test_removing_something_already_removed_is_404(login, hanoi, reporter):
    evidence = ap_on_nk_claim(hanoi)
    services.remove_corroboration(corroboration=evidence, by=reporter)

    response = login("reporter").post(reverse("dashboard:delete_corroboration", args=[evidence.pk]))

    assert response.status_code == 404


def test_write_views_refuse_other_methods(login, hanoi):
    web = login("reporter")

    assert (
        web.get(reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk])).status_code == 405
    )
    assert (
        web.put(
            reverse("dashboard:edit_corroboration", args=[ap_on_nk_claim(hanoi).pk])
        ).status_code
        == 405
    )


def test_claim_page_draws_only_the_latest_scores_of_a_long_history(login, hanoi):
    ScoreSnapshot.objects.bulk_create(
        ScoreSnapshot(account=hanoi.nk_account, score=n / 100, verdict="contested", cause="test")
        for n in range(1, 51)
    )

    html = login("viewer").get(claim_url(hanoi.nk_claim)).content.decode()

    account_score = html[html.index('<section id="account-score"') :]
    assert 'aria-label="Score over the last 40 changes: from 0.11 to 0.50"' in account_score


# Long evidence lists


@pytest.fixture
def long_claim(db):
    """A claim with 76 pieces of evidence, each from its own source, a minute apart."""
    claim = ClaimFactory(text="Many sources weighed in.")
    start = datetime(2019, 2, 28, 8, 0, tzinfo=UTC)
    for n in range(76):
        services.record_corroboration(
            claim=claim,
            by=None,
            source=SourceFactory(name=f"Outlet {n:02d}"),
            stance="supports" if n % 2 else "contradicts",
            quote=f"Item number {n:02d}.",
            observed_at=start + timedelta(minutes=n),
        )
    return claim


def listed(html: str) -> list[str]:
    """The quotes of the evidence items the list shows, in order."""
    return re.findall(r"<blockquote>Item number (\d\d)\.</blockquote>", html)


def test_a_long_evidence_list_shows_twenty_and_links_to_the_rest(login, long_claim):
    html = login("viewer").get(claim_url(long_claim)).text

    assert listed(html) == [f"{n:02d}" for n in range(20)]
    assert "Evidence <span" in html and "(76)" in html
    assert "Items 1–20 of 76" in html
    url = claim_url(long_claim)
    assert f'href="{url}?evidence=2#evidence"' in html and "Next 20 →" in html
    assert f'href="{url}?evidence=all#evidence"' in html and "Show all 76" in html
    # The score explanation stays complete: every source is a row of the table.
    table = html[html.index('<table class="explain">') :]
    assert table.count('<th scope="row">Outlet ') == 76


@pytest.mark.parametrize(
    ("asked", "first", "last", "count"),
    [
        ("2", 20, 39, 20),
        ("4", 60, 75, 16),
        ("99", 60, 75, 16),
        ("x", 0, 19, 20),
        ("all", 0, 75, 76),
    ],
)
def test_each_page_of_evidence_is_a_plain_link(login, long_claim, asked, first, last, count):
    html = login("viewer").get(claim_url(long_claim), {"evidence": asked}).text

    shown = listed(html)
    assert len(shown) == count and shown[0] == f"{first:02d}" and shown[-1] == f"{last:02d}"


def test_showing_all_offers_to_go_back_to_pages(login, long_claim):
    html = login("viewer").get(claim_url(long_claim), {"evidence": "all"}).text

    assert "All 76 items" in html and "Show 20 at a time" in html and "Show all 76" not in html


def test_htmx_swaps_only_the_list_when_paging(login, long_claim):
    response = login("viewer").get(
        claim_url(long_claim), {"evidence": "2"}, headers=htmx("evidence-list")
    )

    html = response.text
    assert re.match(r'\s*<div id="evidence-list">', html)
    assert listed(html)[0] == "20"
    assert "<table" not in html and "<html" not in html


def test_a_refresh_of_the_evidence_keeps_the_page_the_reader_is_on(login, long_claim):
    # After a save, or a colleague's change, htmx refetches the evidence from
    # the page whose address the pager pushed.
    here = f"http://testserver{claim_url(long_claim)}?evidence=3"

    html = (
        login("reporter")
        .get(claim_url(long_claim), headers={**htmx("evidence"), "HX-Current-URL": here})
        .text
    )

    assert listed(html)[0] == "40"


def test_editing_an_item_without_javascript_shows_the_page_it_is_on(login, long_claim):
    item = Corroboration.objects.get(claim=long_claim, quote="Item number 45.")

    html = login("reporter").get(reverse("dashboard:edit_corroboration", args=[item.pk])).text

    assert "45" in listed(html) and listed(html)[0] == "40"


def test_a_claim_with_few_items_has_no_pager(login, hanoi):
    html = login("viewer").get(claim_url(hanoi.us_claim)).text

    assert 'aria-label="Pages of evidence"' not in html


def test_the_claim_page_costs_as_many_queries_with_80_items_as_with_one(
    db, login, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def claim_with(items: int) -> Claim:
        dispute = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=items)
        return Claim.objects.filter(account__dispute=dispute).first()

    few, many = claim_with(1), claim_with(80)
    web = login("reporter")
    with CaptureQueriesContext(connection) as one_item:
        web.get(claim_url(few))

    with django_assert_num_queries(len(one_item)):
        response = web.get(claim_url(many))

    assert response.text.count('class="evidence-item ') == 20
    assert "Show all 80" in response.text
