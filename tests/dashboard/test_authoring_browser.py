"""
A story started from nothing in a real Chromium: an editor opens a dispute
and its two accounts, then a reporter adds a claim to one of them, with no
console error and nothing refused by the Content Security Policy.
"""

import pytest
from django.urls import reverse

from claims.models import Account, Claim, Dispute
from sources.models import Party
from tests.dashboard.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    Watched,
    browser,
    desk,
    log_in,
)

pytestmark = [pytest.mark.browser]


def test_editor_opens_a_dispute_with_two_accounts_and_a_reporter_adds_a_claim(
    browser,  # noqa: F811
    desk,  # noqa: F811
    editor,
    live_server,
):
    from playwright.sync_api import expect

    editing = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = editing.page
    log_in(page, live_server.url, "editor")

    page.click("text=New dispute")
    page.wait_for_url(live_server.url + reverse("dashboard:dispute_add"))
    page.fill("#id_title", "Who walked out of the Hanoi lunch?")
    # slug.js proposes the address from the title as it is typed.
    expect(page.locator("#id_slug")).to_have_value("who-walked-out-of-the-hanoi-lunch")
    page.fill("#id_summary", "The lunch was cancelled; each side says the other left.")
    page.click("text=Open dispute")
    page.wait_for_url(live_server.url + "/disputes/who-walked-out-of-the-hanoi-lunch/")
    expect(page.locator("#messages")).to_contain_text("Dispute “Who walked out")
    editing.shot("authoring-dispute-opened")

    page.click("text=Add an account")
    page.select_option("#id_party", label="United States")
    page.fill("#id_summary", "North Korea made demands the U.S. could not meet.")
    page.click("button:has-text('Add account')")
    expect(page.locator("#accounts")).to_contain_text("United States")

    # A second account for the same party is refused beside the field, through htmx.
    page.click("text=Add an account")
    page.select_option("#id_party", label="United States")
    page.click("button:has-text('Add account')")
    expect(page.locator("#account-form")).to_contain_text("already has an account")
    # A party that does not exist yet is named in the same form.
    page.select_option("#id_party", index=0)
    page.fill("#id_new_party", "Vietnam (host)")
    page.click("button:has-text('Add account')")
    expect(page.locator("#accounts")).to_contain_text("Vietnam (host)")
    editing.shot("authoring-two-accounts")

    dispute = Dispute.objects.get(slug="who-walked-out-of-the-hanoi-lunch")
    assert dispute.accounts.count() == 2
    assert Party.objects.filter(name="Vietnam (host)").exists()

    reporting = Watched(
        browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url
    )
    page = reporting.page
    log_in(page, live_server.url, "reporter")
    page.goto(live_server.url + dispute.get_absolute_url())
    us_account = Account.objects.get(dispute=dispute, party=desk.us)
    page.click(f"a[href='{reverse('dashboard:claim_add', args=[us_account.pk])}']")

    page.fill("#id_text", "They walked out before lunch was served.")
    page.fill("#id_speaker", "Donald T")
    expect(page.locator("#source-options option[value='Donald Trump']")).to_have_count(1)
    page.fill("#id_speaker", "Donald Trump")
    page.fill("#id_stated_at", "2019-02-28T13:30")
    page.click("button:has-text('Add claim')")

    expect(page.locator("#messages")).to_contain_text("Claim by Donald Trump added.")
    claim = Claim.objects.get(text="They walked out before lunch was served.")
    assert page.url == live_server.url + claim.get_absolute_url()
    expect(page.locator("h1")).to_contain_text("They walked out before lunch was served.")
    expect(page.locator(".claim-speaker")).to_contain_text("28 Feb 2019, 13:30 UTC")
    reporting.shot("authoring-claim-added")
    assert claim.speaker == desk.trump and claim.account == us_account

    assert editing.problems() + reporting.problems() == []
    assert editing.foreign + reporting.foreign == []
