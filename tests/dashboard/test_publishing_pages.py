"""
Publishing to partners from the dashboard: the dispute page's badge and the
transitions each role may make from each state, the step that shows what
would change for partners before an editor publishes, retracting with a
note, what partners see, and the overview's badges and filter by status.
Every form works as a plain POST and through htmx; every refusal is shown
inline (or as the 403 page) and changes nothing.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from changelog.models import Change
from claims import services as claim_services
from claims.models import Claim, Corroboration
from dashboard.selectors.overview import OVERVIEW_PAGE_SIZE
from dashboard.selectors.publication import partner_changes
from publishing import services
from publishing.models import FeedEvent, Publication, Revision
from tests.factories import SourceFactory, build_dispute

EMBARGO = datetime(2099, 12, 1, 18, 0, tzinfo=UTC)


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


@pytest.fixture
def login(client, request):
    def as_role(role: str):
        client.force_login(request.getfixturevalue(role))
        return client

    return as_role


def dispute_in(state: str, editor, reporter, **sizes):
    """A dispute brought to `state` through the services, as the desk would."""
    dispute = build_dispute(**({"parties": 2, "claims_per_account": 2} | sizes))
    if state == "draft":
        return dispute
    services.submit_for_review(dispute=dispute, by=reporter)
    if state == "in_review":
        return dispute
    if state == "embargoed":
        services.publish(dispute=dispute, by=editor, embargo_until=EMBARGO)
        return dispute
    services.publish(dispute=dispute, by=editor)
    if state == "paused":
        services.pause(dispute=dispute, by=editor)
    elif state == "retracted":
        services.retract(dispute=dispute, by=editor, note="We could not stand behind it.")
    return dispute


@pytest.fixture
def make(editor, reporter, viewer):
    # Every role exists from the start, whichever one a test signs in as.
    return lambda state, **sizes: dispute_in(state, editor, reporter, **sizes)


def page_of(dispute) -> str:
    return dispute.get_absolute_url()


def panel(html: str) -> str:
    start = html.index('<section id="publication"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return " ".join(html.split())


def state_of(dispute) -> str:
    found = Publication.objects.filter(dispute=dispute).first()
    return found.state if found else "draft"


def version_of(dispute) -> int:
    found = Publication.objects.filter(dispute=dispute).first()
    return found.version if found else 1


def everything(dispute) -> tuple:
    """What a refused transition must leave as it was."""
    publication = Publication.objects.filter(dispute=dispute).first()
    return (
        (publication.state, publication.version) if publication else None,
        list(Revision.objects.order_by("pk").values_list("pk", "state", "number")),
        Change.latest_id(),
        FeedEvent.objects.count(),
    )


def overturn(claim, by):
    """Independent, reliable sources contradicting the claim until its verdict changes."""
    before = claim.verdict
    while Claim.objects.get(pk=claim.pk).verdict == before:
        claim_services.record_corroboration(
            claim=claim,
            by=by,
            source=SourceFactory(reliability="A"),
            stance="contradicts",
            quote="That is not what happened.",
        )
    return Claim.objects.get(pk=claim.pk)


def first_claim(dispute) -> Claim:
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


# The badge and the actions on the dispute page

BADGES = {
    "draft": "Draft",
    "in_review": "In review",
    "published": "Published · version 1",
    "paused": "Paused — withheld from partners",
    "retracted": "Retracted",
    "embargoed": "Embargoed until 2099-12-01 18:00 UTC",
}


@pytest.mark.parametrize(("state", "label"), BADGES.items())
def test_the_dispute_page_shows_its_publication_state_as_a_badge(login, make, state, label):
    dispute = make(state)

    html = login("viewer").get(page_of(dispute)).content.decode()

    assert f'<span class="visually-hidden">Publication: </span>{label}</span>' in panel(html)


def test_a_republished_version_is_numbered_and_a_waiting_one_says_its_embargo(login, make, editor):
    dispute = make("published")
    services.republish(dispute=dispute, by=editor, embargo_until=EMBARGO)

    html = text(panel(login("viewer").get(page_of(dispute)).content.decode()))

    assert "Published · version 1</span>" in html
    assert "next version embargoed until 2099-12-01 18:00 UTC" in html


# (state, role) → the buttons and links the panel offers, in order.
OFFERED = {
    ("draft", "viewer"): [],
    ("draft", "reporter"): ["Submit for review"],
    ("draft", "editor"): ["Submit for review"],
    ("in_review", "reporter"): [],
    ("in_review", "editor"): ["Publish…"],
    ("published", "reporter"): [],
    ("published", "editor"): ["Republish…", "Pause", "Retract…"],
    ("paused", "editor"): ["Resume", "Retract…"],
    ("retracted", "editor"): [],
    ("embargoed", "editor"): ["Republish…", "Pause", "Retract…"],
}


@pytest.mark.parametrize(("state", "role"), OFFERED)
def test_the_panel_offers_what_the_role_may_do_from_the_state(login, make, state, role):
    dispute = make(state)

    html = panel(login(role).get(page_of(dispute)).content.decode())

    offered = [
        label
        for label in ["Submit for review", "Publish…", "Republish…", "Pause", "Resume", "Retract…"]
        if f">{label}</" in html
    ]
    assert offered == OFFERED[state, role]


# Submit, pause, resume: buttons that post at once


def test_a_reporter_submits_a_draft_for_review_with_a_plain_post(login, make):
    dispute = make("draft")
    web = login("reporter")

    response = web.post(reverse("dashboard:dispute_submit", args=[dispute.slug]), {"version": 1})

    assert response.status_code == 302
    assert response["Location"] == page_of(dispute)
    assert state_of(dispute) == "in_review"
    html = text(web.get(page_of(dispute)).content.decode())
    assert "submitted for review: an editor can now publish it." in html
    assert "In review</span>" in panel(html)


def test_an_editor_pauses_through_htmx_and_gets_the_panel_in_its_new_state(login, make):
    dispute = make("published")

    response = login("editor").post(
        reverse("dashboard:dispute_pause", args=[dispute.slug]),
        {"version": version_of(dispute)},
        headers=htmx("publication"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="publication"')
    assert "Paused — withheld from partners</span>" in html
    assert ">Resume</button>" in html
    # The flash message, out of band.
    assert 'hx-swap-oob="innerHTML"' in html
    assert "paused: partners are told it is withheld and see none of it." in html
    assert state_of(dispute) == "paused"


def test_an_editor_resumes_a_paused_dispute(login, make):
    dispute = make("paused")

    response = login("editor").post(
        reverse("dashboard:dispute_resume", args=[dispute.slug]),
        {"version": version_of(dispute)},
        follow=True,
    )

    html = text(response.content.decode())
    assert "resumed: partners see version 1 again." in html
    assert "Published · version 1</span>" in panel(html)
    assert state_of(dispute) == "published"


def test_resuming_what_was_paused_during_its_embargo_says_to_republish(login, make, editor):
    dispute = make("embargoed")
    services.pause(dispute=dispute, by=editor)

    response = login("editor").post(
        reverse("dashboard:dispute_resume", args=[dispute.slug]),
        {"version": version_of(dispute)},
        follow=True,
    )

    html = text(response.content.decode())
    assert "resumed, but partners have been given no version of it yet: republish it" in html
    assert ">Republish…</a>" in panel(html)


@pytest.mark.parametrize("headers", [{}, htmx("publication")], ids=["plain", "htmx"])
def test_a_stale_version_is_refused_inline_and_nothing_changes(login, make, editor, headers):
    dispute = make("published")
    opened_at = version_of(dispute)
    # Someone else pauses and resumes it meanwhile.
    services.pause(dispute=dispute, by=editor)
    services.resume(dispute=dispute, by=editor)
    before = everything(dispute)

    response = login("editor").post(
        reverse("dashboard:dispute_pause", args=[dispute.slug]),
        {"version": opened_at},
        headers=headers,
    )

    assert response.status_code == 200
    html = text(response.content.decode())
    assert "Someone else changed this dispute’s publication after you opened the page" in html
    assert 'role="alert"' in panel(html)
    assert everything(dispute) == before
    # The panel now carries the version it stands at, to try again.
    assert f'name="version" value="{version_of(dispute)}"' in panel(html)


@pytest.mark.parametrize(
    ("state", "url_name", "says"),
    [
        ("published", "dispute_resume", "It is not paused."),
        ("paused", "dispute_pause", "It is already paused."),
        ("retracted", "dispute_resume", "A retracted dispute stays retracted."),
        ("in_review", "dispute_submit", "It is already in review."),
    ],
)
def test_a_transition_the_state_does_not_allow_is_an_inline_error(
    login, make, state, url_name, says
):
    dispute = make(state)
    before = everything(dispute)

    response = login("editor").post(
        reverse(f"dashboard:{url_name}", args=[dispute.slug]),
        {"version": version_of(dispute)},
        headers=htmx("publication"),
    )

    assert response.status_code == 200
    assert says in text(panel(response.content.decode()))
    assert everything(dispute) == before


EDITOR_POSTS = [
    ("in_review", "dispute_publish", {}),
    ("published", "dispute_republish", {"note": "Checked again."}),
    ("published", "dispute_pause", {}),
    ("paused", "dispute_resume", {}),
    ("published", "dispute_retract", {"note": "We could not stand behind it."}),
]


@pytest.mark.parametrize("role", ["viewer", "reporter"])
@pytest.mark.parametrize(("state", "url_name", "data"), EDITOR_POSTS)
def test_only_editors_may_post_an_editors_action(login, make, role, state, url_name, data):
    dispute = make(state)
    before = everything(dispute)

    response = login(role).post(
        reverse(f"dashboard:{url_name}", args=[dispute.slug]),
        {"version": version_of(dispute), **data},
    )

    assert response.status_code == 403
    assert "You cannot do this with your role" in response.content.decode()
    assert everything(dispute) == before


def test_a_viewer_may_not_submit_for_review(login, make):
    dispute = make("draft")

    response = login("viewer").post(
        reverse("dashboard:dispute_submit", args=[dispute.slug]), {"version": 1}
    )

    assert response.status_code == 403
    assert not Publication.objects.exists()


# Publishing: the step that shows what would change for partners


def publish_url(dispute, action: str = "publish") -> str:
    return reverse(f"dashboard:dispute_{action}", args=[dispute.slug])


def test_the_first_publication_says_partners_have_seen_nothing_and_what_they_will_get(login, make):
    dispute = make("in_review")

    response = login("editor").get(publish_url(dispute))

    html = text(response.content.decode())
    assert response.status_code == 200
    assert "<h1>Publish this dispute to partners?</h1>" in html
    assert (
        "Partners have seen nothing of this dispute yet. Publishing shows them its 2 accounts, "
        "4 claims and 8 pieces of evidence as they stand now" in html
    )
    assert 'name="embargo_until"' in html and 'placeholder="YYYY-MM-DD HH:MM"' in html
    # Nothing to correct yet: no note is asked for.
    assert 'name="note"' not in html


def test_publishing_with_a_plain_post_releases_version_one(login, make, form_data):
    dispute = make("in_review")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute)), "publication-form")

    response = web.post(publish_url(dispute), form, follow=True)

    html = text(response.content.decode())
    assert response.redirect_chain[-1][0] == page_of(dispute)
    assert "published: partners see version 1." in html
    assert "Published · version 1</span>" in panel(html)
    assert Publication.objects.get(dispute=dispute).released.number == 1


def test_publishing_through_htmx_is_told_to_load_the_dispute_page(login, make, form_data):
    dispute = make("in_review")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute)), "publication-form")

    response = web.post(publish_url(dispute), form, headers=htmx("publication-confirm"))

    assert response.status_code == 200
    assert response["HX-Redirect"] == page_of(dispute)
    assert state_of(dispute) == "published"


def test_publishing_under_embargo_says_when_partners_get_it(login, make, form_data):
    dispute = make("in_review")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute)), "publication-form")

    response = web.post(
        publish_url(dispute), {**form, "embargo_until": "2099-12-01 18:00"}, follow=True
    )

    html = text(response.content.decode())
    assert "will be released to partners at 2099-12-01 18:00 UTC, when its embargo ends" in html
    assert "Embargoed until 2099-12-01 18:00 UTC</span>" in panel(html)
    revision = Revision.objects.get(publication__dispute=dispute)
    assert revision.state == "pending" and revision.embargoed_until == EMBARGO


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2001-01-01 09:00", "2001-01-01 09:00:00 UTC is not in the future"),
        ("tomorrow at noon", "Enter the date and time in UTC as YYYY-MM-DD HH:MM, 24-hour"),
        ("2099-13-45 25:00", "Enter the date and time in UTC as YYYY-MM-DD HH:MM, 24-hour"),
    ],
)
def test_a_bad_embargo_is_refused_beside_its_field(login, make, form_data, typed, says):
    dispute = make("in_review")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute)), "publication-form")
    before = everything(dispute)

    response = web.post(
        publish_url(dispute), {**form, "embargo_until": typed}, headers=htmx("publication-confirm")
    )

    html = text(response.content.decode())
    assert response.status_code == 200
    assert html.startswith('<section id="publication-confirm"')
    field = html[html.index('class="sp-field sp-field-embargo_until sp-invalid"') :]
    assert says in field[: field.index('name="embargo_until"')]
    assert everything(dispute) == before


def test_the_republish_step_names_moving_verdicts_and_new_and_gone_evidence(
    login, make, reporter, editor
):
    dispute = make("published")
    claim = first_claim(dispute)
    before = claim.verdict
    overturned = overturn(claim, reporter)
    gone = Corroboration.objects.filter(claim__account__dispute=dispute).exclude(claim=claim)
    gone = gone.select_related("source").first()
    claim_services.remove_corroboration(corroboration=gone, by=editor)

    html = text(login("editor").get(publish_url(dispute, "republish")).content.decode())

    assert "Against version 1, the one partners have:" in html
    moves = html[html.index('<table id="partner-moves"') :]
    moves = moves[: moves.index("</table>")]
    assert f"“{claim.text}”" in moves
    assert f"{before.replace('_', ' ').capitalize()}" in moves
    assert overturned.get_verdict_display() in moves
    assert "(verdict changes)" in moves
    new = html[html.index('<ul id="partner-new-evidence">') :]
    assert "contradicts “Checkable statement" in new and "That is not what happened." in new
    assert gone.source.name in html[html.index('<ul id="partner-gone-evidence">') :]
    # A verdict changes: the correction note is asked for.
    assert "Required: verdicts partners were given change." in html


def test_republishing_a_changed_verdict_without_a_note_asks_for_it_by_name(
    login, make, reporter, form_data
):
    dispute = make("published")
    overturn(first_claim(dispute), reporter)
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "republish")), "publication-form")
    before = everything(dispute)

    response = web.post(publish_url(dispute, "republish"), {**form, "note": "  "})

    html = text(response.content.decode())
    assert response.status_code == 200
    field = html[html.index('class="sp-field sp-field-note sp-invalid"') :]
    assert "Write the correction note: verdicts partners were given change" in field
    assert everything(dispute) == before


def test_republishing_with_a_note_gives_partners_the_correction(login, make, reporter, form_data):
    dispute = make("published")
    overturn(first_claim(dispute), reporter)
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "republish")), "publication-form")

    response = web.post(
        publish_url(dispute, "republish"),
        {**form, "note": "New evidence contradicts the first claim."},
        follow=True,
    )

    html = text(response.content.decode())
    assert "published: partners see version 2 with your correction." in html
    assert "Published · version 2</span>" in panel(html)
    partners = html[html.index('<details id="partners-see"') :]
    assert "New evidence contradicts the first claim." in partners


def test_nothing_to_change_says_so_and_needs_no_note(login, make, form_data):
    dispute = make("published")
    web = login("editor")

    page = web.get(publish_url(dispute, "republish"))

    html = text(page.content.decode())
    assert "Nothing: partners already see the dispute as it stands." in html
    assert "Optional when no verdict changes." in html
    response = web.post(
        publish_url(dispute, "republish"), form_data(page, "publication-form"), follow=True
    )
    assert "partners see version 2." in text(response.content.decode())


def test_an_edit_made_after_the_step_was_opened_is_shown_before_anything_is_published(
    login, make, reporter, form_data
):
    dispute = make("published")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "republish")), "publication-form")
    # A reporter adds evidence while the editor reads the step.
    claim_services.record_corroboration(
        claim=first_claim(dispute),
        by=reporter,
        source=SourceFactory(name="Yonhap"),
        stance="supports",
        quote="It happened as they said.",
    )
    before = everything(dispute)

    response = web.post(publish_url(dispute, "republish"), form)

    html = text(response.content.decode())
    assert response.status_code == 200
    assert "The dispute changed after you opened this page, so nothing was republished." in html
    assert "Yonhap supports" in html[html.index('<ul id="partner-new-evidence">') :]
    assert everything(dispute) == before
    # Confirmed again, it goes through.
    again = web.post(
        publish_url(dispute, "republish"), form_data(response, "publication-form"), follow=True
    )
    assert "partners see version 2." in text(again.content.decode())


def test_the_step_refuses_a_publication_someone_else_moved(login, make, editor, form_data):
    dispute = make("published")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "republish")), "publication-form")
    services.pause(dispute=dispute, by=editor)
    services.resume(dispute=dispute, by=editor)
    before = everything(dispute)

    response = web.post(publish_url(dispute, "republish"), form)

    html = text(response.content.decode())
    assert "Someone else changed this dispute’s publication" in html
    assert everything(dispute) == before


def test_the_step_for_a_state_that_does_not_allow_it_offers_no_button(login, make):
    dispute = make("retracted")

    html = text(login("editor").get(publish_url(dispute, "republish")).content.decode())

    assert "This dispute is retracted: it cannot be republished from there." in html
    assert 'id="publication-form"' not in html


def test_the_step_partial_alone_answers_htmx(login, make):
    dispute = make("in_review")

    response = login("editor").get(publish_url(dispute), headers=htmx("publication-confirm"))

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="publication-confirm"')
    assert "<html" not in html


# Retracting


def test_retracting_needs_a_note_beside_its_field(login, make, form_data):
    dispute = make("published")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "retract")), "publication-form")
    before = everything(dispute)

    response = web.post(publish_url(dispute, "retract"), {**form, "note": "   "})

    html = text(response.content.decode())
    field = html[html.index('class="sp-field sp-field-note sp-invalid"') :]
    assert "Say why it is retracted: partners show this note to their readers." in field
    assert everything(dispute) == before


def test_retracting_with_a_note_cancels_the_dispute_for_partners(login, make, form_data):
    dispute = make("paused")
    web = login("editor")
    form = form_data(web.get(publish_url(dispute, "retract")), "publication-form")

    response = web.post(
        publish_url(dispute, "retract"), {**form, "note": "The source recanted."}, follow=True
    )

    html = text(response.content.decode())
    assert "retracted: partners are told it is canceled, with your note" in html
    assert "Retracted</span>" in panel(html)
    assert "The source recanted." in html[html.index('<details id="partners-see"') :]
    assert state_of(dispute) == "retracted"


# What partners see


def test_editors_see_what_partners_see(login, make, editor):
    dispute = make("published")
    released_at = Publication.objects.get(dispute=dispute).released.released_at
    services.republish(dispute=dispute, by=editor, note="A date was wrong.")
    services.republish(dispute=dispute, by=editor, embargo_until=EMBARGO)

    html = text(login("editor").get(page_of(dispute)).content.decode())

    partners = html[html.index('<details id="partners-see"') :]
    partners = partners[: partners.index("</details>")]
    assert "Version 2, released" in partners
    assert f"{released_at:%Y-%m-%d %H:%M} UTC" in partners  # first published
    assert "usable: they show version 2" in partners
    assert "The next version is embargoed until" in partners
    assert "2099-12-01 18:00 UTC</time>; partners keep version 2 until then." in partners
    assert "A date was wrong." in partners


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_only_editors_see_the_partners_section(login, make, role):
    dispute = make("published")

    html = login(role).get(page_of(dispute)).content.decode()

    assert 'id="partners-see"' not in html


def test_the_dispute_page_runs_a_fixed_number_of_queries_for_an_editor(
    login, make, editor, django_assert_max_num_queries
):
    dispute = make("published")
    services.republish(dispute=dispute, by=editor, note="A date was wrong.")
    web = login("editor")

    # The viewer's 13 (test_dispute_page.py), and the corrections partners were given.
    with django_assert_max_num_queries(14):
        response = web.get(page_of(dispute))

    assert "A date was wrong." in response.content.decode()


def test_the_republish_step_runs_a_fixed_number_of_queries(
    login, make, reporter, django_assert_max_num_queries
):
    small, large = make("published", claims_per_account=1), make("published", claims_per_account=6)
    for dispute in (small, large):
        overturn(first_claim(dispute), reporter)
    web = login("editor")

    for dispute in (small, large):
        # session, user, two for the editor's permissions, the dispute, its
        # publication with the revision partners have, the eight of freezing
        # the dispute as it stands, the rows partners have; for the badge,
        # the publication with its pending embargo, and the corrections
        # given: the same for 2 claims as for 12.
        with django_assert_max_num_queries(16):
            response = web.get(publish_url(dispute, "republish"))
        assert "(verdict changes)" in response.content.decode()


def test_partner_changes_names_what_is_new_for_a_first_publication(make):
    dispute = make("in_review")

    changes = partner_changes(dispute)

    assert changes.first and changes.claim_count == 4 and changes.evidence_count == 8
    assert not changes.diff.needs_correction


# The overview: badges and the filter by status

STATES = ["draft", "in_review", "published", "paused", "retracted"]


@pytest.fixture
def one_of_each(make):
    return {state: make(state, parties=1, claims_per_account=1) for state in STATES}


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 id="dispute-\d+"><a [^>]*>([^<]*)</a></h2>', html)


def card(html: str, dispute) -> str:
    start = html.index(f'<section id="dispute-card-{dispute.pk}"')
    return html[start : html.index("</header>", start)]


def test_each_dispute_card_shows_its_publication_badge(login, one_of_each):
    html = login("viewer").get(reverse("dashboard:overview")).content.decode()

    for state, dispute in one_of_each.items():
        label = BADGES[state]
        assert f"{label}</span>" in card(html, dispute), state


@pytest.mark.parametrize("state", STATES)
def test_the_filter_by_status_shows_the_disputes_in_that_state_only(login, one_of_each, state):
    response = login("viewer").get(reverse("dashboard:overview"), {"status": state})

    html = text(response.content.decode())
    assert titles(html) == [one_of_each[state].title]
    assert f'<option value="{state}" selected>' in html


def test_the_filter_through_htmx_answers_the_list_alone_and_its_poll_keeps_it(login, one_of_each):
    response = login("viewer").get(
        reverse("dashboard:overview"), {"status": "published"}, headers=htmx("overview")
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="overview"')
    assert titles(html) == [one_of_each["published"].title]
    assert f'hx-get="/?page=1&amp;since={Change.latest_id()}&amp;status=published"' in html
    assert "1 dispute published, open ones first" in text(html)


def test_an_unchanged_poll_of_a_filtered_overview_answers_204(login, one_of_each):
    response = login("viewer").get(
        reverse("dashboard:overview"),
        {"status": "published", "since": Change.latest_id()},
        headers=htmx("overview-poll"),
    )

    assert response.status_code == 204


def test_the_filter_keeps_the_pages_and_the_pages_keep_the_filter(login, make, editor):
    for _ in range(OVERVIEW_PAGE_SIZE + 2):
        make("in_review", parties=1, claims_per_account=0)
    make("draft", parties=1, claims_per_account=0)
    web = login("viewer")

    first = text(web.get(reverse("dashboard:overview"), {"status": "in_review"}).content.decode())
    second = text(
        web.get(reverse("dashboard:overview"), {"status": "in_review", "page": 2}).content.decode()
    )

    assert "22 disputes in review" in first and "page 1 of 2" in first
    assert 'href="?status=in_review&amp;page=2"' in first
    assert len(titles(first)) == OVERVIEW_PAGE_SIZE and len(titles(second)) == 2
    assert 'href="?status=in_review&amp;page=1"' in second
    assert "In review</span>" in second and "Draft</span>" not in second


def test_a_filter_that_matches_nothing_says_so(login, make):
    make("draft", parties=1, claims_per_account=1)

    html = text(
        login("viewer").get(reverse("dashboard:overview"), {"status": "paused"}).content.decode()
    )

    assert "No dispute is paused." in html
    assert titles(html) == []


def test_an_unknown_status_shows_every_dispute(login, one_of_each):
    response = login("viewer").get(reverse("dashboard:overview"), {"status": "secret"})

    assert response.status_code == 200
    assert len(titles(response.content.decode())) == len(STATES)


@pytest.mark.parametrize("status", ["", "published"])
@pytest.mark.parametrize("disputes", [1, 30])
def test_the_overview_with_badges_runs_a_fixed_number_of_queries(
    login, make, disputes, status, django_assert_max_num_queries
):
    states = [STATES[(n + 2) % len(STATES)] for n in range(disputes)]
    for n, state in enumerate(states):
        make(state, parties=2, claims_per_account=1 + n % 2)
    web = login("reporter")

    # The overview's 12 (test_overview.py): the badges come with the disputes.
    with django_assert_max_num_queries(12):
        response = web.get(reverse("dashboard:overview"), {"status": status})

    assert response.status_code == 200
    matching = [state for state in states if not status or state == status]
    shown = min(len(matching), OVERVIEW_PAGE_SIZE)
    assert response.content.decode().count('class="pub-badge ') == shown


def test_embargoed_and_republished_badges_on_the_overview(login, make, editor):
    embargoed = make("embargoed", parties=1, claims_per_account=1)
    waiting = make("published", parties=1, claims_per_account=1)
    services.republish(dispute=waiting, by=editor, embargo_until=timezone.now() + timedelta(days=3))

    html = text(login("viewer").get(reverse("dashboard:overview")).content.decode())

    assert "Embargoed until 2099-12-01 18:00 UTC</span>" in card(html, embargoed)
    assert "Published · version 1</span>" in card(html, waiting)
    assert "next version embargoed until" in card(html, waiting)
