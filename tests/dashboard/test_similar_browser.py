"""
The "Similar claims" box in a real Chromium: it follows the text as a
reporter types it, and the button does the same without JavaScript, with no
console error and nothing refused by the Content Security Policy.
"""

import pytest
from django.urls import reverse

from claims.models import Claim
from tests.dashboard.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    Watched,
    browser,
    desk,
    log_in,
)

pytestmark = [pytest.mark.browser]


def test_the_box_follows_the_text_as_it_is_typed(browser, desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    page.goto(live_server.url + reverse("dashboard:claim_add", args=[desk.nk_account.pk]))
    box = page.locator("#similar-claims")
    expect(box).to_contain_text("Type the claim to see similar ones.")
    claims_before = list(Claim.objects.values_list("pk", "text", "version"))

    page.locator("#id_text").press_sequentially("Kim demanded that all sanctions be lifted.")

    related = box.locator("li", has_text="partial sanctions relief")
    expect(related).to_contain_text("Related")
    expect(related).to_contain_text("Only related:")
    expect(page.locator("[aria-live=polite] #similar-claims")).to_have_count(1)
    watched.shot("similar-claims-typed")

    page.fill("#id_text", "Kim")
    page.locator("#id_text").dispatch_event("input")
    expect(box).to_contain_text("Type the claim to see similar ones.")

    assert list(Claim.objects.values_list("pk", "text", "version")) == claims_before
    assert watched.problems() == []
    assert watched.foreign == []


def test_without_javascript_the_button_fills_the_box(browser, desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    watched = Watched(
        browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False),
        live_server.url,
    )
    page = watched.page
    log_in(page, live_server.url, "reporter")
    claim = desk.us_claim
    page.goto(live_server.url + reverse("dashboard:claim_edit", args=[claim.pk]))

    page.click("button:has-text('Check for similar claims')")

    expect(page.locator("#similar-claims li", has_text="partial sanctions relief")).to_have_count(1)
    expect(page.locator("#id_text")).to_have_value(claim.text)
    assert "csrfmiddlewaretoken" not in page.url
    # Saving from here is the edit form's own POST, as before.
    assert page.locator("#claim-form").get_attribute("action") == reverse(
        "dashboard:claim_edit", args=[claim.pk]
    )
