"""
Publishing to partners in a real Chromium: a reporter submits a draft, an
editor publishes it after a refused embargo, republishes a changed verdict
once the missing correction note is asked for, pauses and resumes it, and
filters the overview by status; no console error, nothing refused by the
Content Security Policy. Then axe-core on the dispute page in every state
of publication and on the publish, republish and retract steps, for each
role, allowing no serious or critical violation.
"""

import pytest
from django.urls import reverse

from claims.models import Claim
from publishing import services
from publishing.models import Publication
from tests.dashboard.test_accessibility import (  # noqa: F401 (fixtures)
    axe_violations,
    chromium,
    needs_axe,
    needs_browser,
)
from tests.dashboard.test_browser import Watched, log_in
from tests.dashboard.test_publishing_pages import EMBARGO, overturn
from tests.factories import build_dispute

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def desk(transactional_db, django_db_serialized_rollback, live_server, editor, reporter, viewer):
    """Disputes in every state of publication, on a live server."""
    disputes = {}
    for state in ["draft", "in_review", "published", "paused", "retracted", "embargoed"]:
        dispute = build_dispute(parties=2, claims_per_account=2)
        if state != "draft":
            services.submit_for_review(dispute=dispute, by=reporter)
        if state in ("published", "paused", "retracted"):
            services.publish(dispute=dispute, by=editor)
        if state == "embargoed":
            services.publish(dispute=dispute, by=editor, embargo_until=EMBARGO)
        if state == "paused":
            services.pause(dispute=dispute, by=editor)
        if state == "retracted":
            services.retract(dispute=dispute, by=editor, note="The source recanted.")
        disputes[state] = dispute
    return disputes


def first_claim(dispute) -> Claim:
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


def test_a_dispute_goes_from_draft_to_published_corrected_paused_and_back(
    chromium,  # noqa: F811
    desk,
    live_server,
    reporter,
):
    from playwright.sync_api import expect

    draft = desk["draft"]
    reporting = Watched(
        chromium.new_context(viewport={"width": 1280, "height": 900}), live_server.url
    )
    page = reporting.page
    log_in(page, live_server.url, "reporter")
    page.goto(live_server.url + draft.get_absolute_url())
    badge = page.locator("#publication .pub-badge")
    expect(badge).to_have_text("Publication: Draft")
    page.evaluate("window.notReloaded = true")
    page.click("#submit-dispute")
    expect(badge).to_have_text("Publication: In review")
    expect(page.locator("#messages")).to_contain_text("submitted for review")
    # Swapped in place: no reload, and the reporter is offered nothing more.
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#publication .pub-actions")).to_have_count(0)
    reporting.shot("publishing-submitted")

    editing = Watched(
        chromium.new_context(viewport={"width": 1280, "height": 900}), live_server.url
    )
    page = editing.page
    log_in(page, live_server.url, "editor")
    page.goto(live_server.url + draft.get_absolute_url())
    page.click("#publish-dispute")
    page.wait_for_url(live_server.url + reverse("dashboard:dispute_publish", args=[draft.slug]))
    expect(page.locator("#publication-confirm")).to_contain_text(
        "Partners have seen nothing of this dispute yet"
    )
    page.fill("#id_embargo_until", "2001-01-01 09:00")
    page.click("#publication-form button[type=submit]")
    expect(page.locator("#id_embargo_until_error")).to_contain_text("is not in the future")
    editing.shot("publishing-embargo-refused")
    assert Publication.objects.get(dispute=draft).state == "in_review"
    page.fill("#id_embargo_until", "")
    page.click("#publication-form button[type=submit]")
    page.wait_for_url(live_server.url + draft.get_absolute_url())
    expect(page.locator("#publication .pub-badge")).to_have_text(
        "Publication: Published · version 1"
    )
    expect(page.locator("#messages")).to_contain_text("partners see version 1")

    # New evidence overturns a verdict partners were given.
    overturn(first_claim(draft), reporter)
    page.reload()
    page.click("#republish-dispute")
    expect(page.locator("#partner-moves")).to_contain_text("(verdict changes)")
    page.click("#publication-form button[type=submit]")
    expect(page.locator("#id_note_error")).to_contain_text("Write the correction note")
    editing.shot("publishing-note-asked")
    page.fill("#id_note", "New evidence contradicts the first claim.")
    page.click("#publication-form button[type=submit]")
    page.wait_for_url(live_server.url + draft.get_absolute_url())
    expect(page.locator("#publication .pub-badge")).to_have_text(
        "Publication: Published · version 2"
    )
    expect(page.locator("#partners-see")).to_contain_text(
        "New evidence contradicts the first claim."
    )
    editing.shot("publishing-republished")

    page.evaluate("window.notReloaded = true")
    page.focus("#pause-dispute")
    page.keyboard.press("Enter")
    expect(page.locator("#publication .pub-badge")).to_have_text(
        "Publication: Paused — withheld from partners"
    )
    # The button pressed is gone with the old panel: focus is on its heading, not lost.
    expect(page.locator("#publication-heading")).to_be_focused()
    page.click("#resume-dispute")
    expect(page.locator("#publication .pub-badge")).to_have_text(
        "Publication: Published · version 2"
    )
    assert page.evaluate("window.notReloaded") is True

    # The overview, filtered by status through htmx; the address keeps the filter.
    page.goto(live_server.url + reverse("dashboard:overview"))
    page.select_option("#id_status", "paused")
    expect(page.locator("#overview h2")).to_have_count(1)
    expect(page.locator("#overview")).to_contain_text(desk["paused"].title)
    assert page.url.endswith("?status=paused")
    editing.shot("publishing-overview-paused")

    assert reporting.problems() + editing.problems() == []
    assert reporting.foreign + editing.foreign == []


@needs_axe
@pytest.mark.parametrize("role", ["editor", "reporter", "viewer"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violation_on_the_publishing_pages(
    chromium,  # noqa: F811
    desk,
    live_server,
    reporter,
    role,
    width,
):
    overturn(first_claim(desk["published"]), reporter)
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, role)
    found: list[str] = []
    found += axe_violations(page)  # the overview, with its badges and filter
    for dispute in desk.values():
        page.goto(live_server.url + dispute.get_absolute_url())
        found += axe_violations(page)
    if role == "editor":
        for action, dispute in [
            ("publish", desk["in_review"]),
            ("republish", desk["published"]),
            ("retract", desk["paused"]),
        ]:
            page.goto(live_server.url + reverse(f"dashboard:dispute_{action}", args=[dispute.slug]))
            found += axe_violations(page)
        # The republish step with its errors shown: a bad embargo, a missing note.
        page.goto(
            live_server.url + reverse("dashboard:dispute_republish", args=[desk["published"].slug])
        )
        page.fill("#id_embargo_until", "soon")
        page.click("#publication-form button[type=submit]")
        page.wait_for_selector("#id_embargo_until_error")
        found += axe_violations(page)
        # A stale panel's refusal, shown inline.
        page.goto(live_server.url + desk["published"].get_absolute_url())
        services.pause(dispute=desk["published"], by=None)
        page.click("#pause-dispute")
        page.wait_for_selector("#publication-errors")
        found += axe_violations(page)
    else:
        # A step the role may not take: the 403 page.
        page.goto(
            live_server.url + reverse("dashboard:dispute_publish", args=[desk["in_review"].slug])
        )
        found += axe_violations(page)
    assert found == [], "axe found:\n" + "\n".join(found)
