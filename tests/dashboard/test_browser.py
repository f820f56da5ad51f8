"""
A reporter's session in a real Chromium against a live server: recording,
editing and removing evidence on a claim and watching the scores move without
a reload, and every dashboard page a reporter opens, with no console error and
nothing refused by the Content Security Policy on the way.

Drives Debian's Chromium through Playwright (never a browser Playwright
downloads). Screenshots go to /tmp/claimdesk-shots/ for a person to look at.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from claims.models import Corroboration
from tests.factories import SourceFactory

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/claimdesk-shots")
PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would
    # otherwise refuse the ORM calls the test makes alongside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def desk(transactional_db, django_db_serialized_rollback, live_server, hanoi, reporter):
    """The Hanoi story on a live server, with a source the story has not used yet."""
    SourceFactory(name="Reuters", reliability="A")
    return hanoi


# Reports each securitypolicyviolation event of every document the page loads
# (Playwright runs it before the page's own scripts, whatever the CSP says).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => window.reportViolation(
  `${document.URL}: ${event.effectiveDirective} refused ${event.blockedURI}`
  + ` ${JSON.stringify(event.sample)} from ${event.sourceFile}:${event.lineNumber}`
  + ` on ${event.target.outerHTML ? event.target.outerHTML.slice(0, 120) : event.target}`));
"""


class Watched:
    """
    A page whose console errors, CSP violations and requests are recorded
    for the final checks.
    """

    def __init__(self, context, live_url: str) -> None:
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.foreign: list[str] = []
        self.page.expose_function("reportViolation", lambda text: self.violations.append(text))
        self.page.add_init_script(REPORT_VIOLATIONS)
        host = urlsplit(live_url).netloc
        self.page.on(
            "console",
            lambda m: (
                m.type == "error" and self.errors.append(f"{self.page.url}: {m.text} {m.location}")
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request", lambda r: urlsplit(r.url).netloc != host and self.foreign.append(r.url)
        )

    def shot(self, name: str) -> None:
        # caret="initial": hiding the caret would inject a <style>, which the CSP refuses.
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")

    def problems(self) -> list[str]:
        """Everything that went wrong so far: console errors, then CSP violations."""
        # A violation event is dispatched in a task of its own; one more turn
        # of the page's event loop delivers any still queued.
        self.page.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
        return self.errors + self.violations


def log_in(page, live_url: str, username: str) -> None:
    page.goto(live_url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(live_url + reverse("dashboard:overview"))


def resize_by_hand(page, selector: str, *, taller_by: int) -> None:
    """Drag a textarea's corner, as a person making room for a long quote does."""
    box = page.locator(selector)
    box.scroll_into_view_if_needed()
    corner = box.bounding_box()
    x, y = corner["x"] + corner["width"] - 4, corner["y"] + corner["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + taller_by, steps=5)
    page.mouse.up()
    # The browser keeps the new size in the element's style attribute: what
    # htmx must not copy onto the box it swaps in (the CSP refuses inline styles).
    assert "height" in (box.get_attribute("style") or "")


def test_reporter_records_edits_and_removes_evidence_and_sees_the_scores_move(
    browser, desk, live_server
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context, live_server.url)
    page = watched.page

    log_in(page, live_server.url, "reporter")
    expect(page.locator("#overview")).to_contain_text("Mostly corroborated")
    watched.shot("overview")

    page.click(f"text={desk.dispute.title}")
    expect(page.locator("#accounts")).to_contain_text("The Associated Press")
    watched.shot("dispute")
    page.fill("#id_q", "entirety")
    expect(page.locator("#accounts .result-count")).to_contain_text("Showing 1 of 4 claims")
    assert "q=entirety" in page.url  # the filter stays in the address bar
    watched.shot("dispute-filtered")

    page.click("text=they wanted the sanctions lifted in their entirety")
    page.wait_for_url(live_server.url + desk.us_claim.get_absolute_url())
    claim_score = page.locator("#claim-score .gauge-score")
    account_score = page.locator("#account-score .gauge-score")
    expect(claim_score).to_have_text("0.26")
    expect(account_score).to_have_text("0.26")
    watched.shot("claim")
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.notReloaded = true")

    # Typing part of a name brings the matching sources into the picker.
    page.fill("#id_source", "Reut")
    expect(page.locator("#source-options option[value='Reuters']")).to_have_count(1)
    page.fill("#id_source", "Reuters")
    page.select_option("#id_stance", "supports")
    resize_by_hand(page, "#id_quote", taller_by=80)
    page.fill("#id_quote", "Kim wanted every sanction lifted, a negotiator told Reuters.")
    page.click("text=Record evidence")

    expect(claim_score).not_to_have_text("0.26")
    expect(account_score).not_to_have_text("0.26")
    expect(page.locator("#messages")).to_contain_text("Evidence from Reuters recorded.")
    expect(page.locator("#evidence")).to_contain_text("Kim wanted every sanction lifted")
    new_score = claim_score.inner_text()
    assert float(new_score) > 0.26
    assert page.evaluate("window.notReloaded") is True
    assert Corroboration.objects.filter(claim=desk.us_claim, source__name="Reuters").count() == 1
    watched.shot("claim-after-adding")

    # An empty quote is refused beside the field, the caret put there, nothing saved.
    page.fill("#id_source", "Reuters")
    page.select_option("#id_stance", "contradicts")
    page.click("text=Record evidence")
    expect(page.locator("#id_quote_error")).to_have_text("This field is required.")
    expect(page.locator("#id_quote")).to_be_focused()
    assert page.get_attribute("#id_quote", "aria-describedby").split()[-1] == "id_quote_error"
    expect(claim_score).to_have_text(new_score)
    assert Corroboration.objects.filter(claim=desk.us_claim).count() == 6
    watched.shot("claim-validation-error")

    # Editing in place: the form fills with the evidence, saving rewrites it.
    page.click("#evidence li:has-text('Reuters') >> text=Edit")
    expect(page.locator("#corroboration-form")).to_contain_text("Edit evidence from Reuters")
    expect(page.locator("#id_quote")).to_have_value(
        "Kim wanted every sanction lifted, a negotiator told Reuters."
    )
    resize_by_hand(page, "#id_quote", taller_by=60)
    page.fill("#id_quote", "Kim wanted all the sanctions lifted, a negotiator told Reuters.")
    page.click("text=Save changes")
    expect(page.locator("#messages")).to_contain_text("Evidence from Reuters updated.")
    expect(page.locator("#evidence")).to_contain_text("Kim wanted all the sanctions lifted")
    expect(page.locator("#corroboration-form")).to_contain_text("Add evidence")
    expect(claim_score).to_have_text(new_score)
    assert page.evaluate("window.notReloaded") is True
    assert Corroboration.objects.get(claim=desk.us_claim, source__name="Reuters").quote == (
        "Kim wanted all the sanctions lifted, a negotiator told Reuters."
    )
    watched.shot("claim-after-editing")

    # Removing asks first; confirming takes the score back.
    page.click("#evidence li:has-text('Reuters') >> text=Remove")
    expect(page.locator("#corroboration-form")).to_contain_text("Remove this evidence?")
    watched.shot("claim-confirm-remove")
    page.click("text=Remove evidence")
    expect(claim_score).to_have_text("0.26")
    expect(account_score).to_have_text("0.26")
    expect(page.locator("#messages")).to_contain_text("Evidence from Reuters removed.")
    assert page.evaluate("window.notReloaded") is True

    # The same claim on a phone.
    phone = Watched(
        browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True), live_server.url
    )
    log_in(phone.page, live_server.url, "reporter")
    phone.shot("overview-phone")
    phone.page.goto(live_server.url + desk.us_claim.get_absolute_url())
    phone.shot("claim-phone")

    assert watched.problems() + phone.problems() == []
    assert watched.foreign + phone.foreign == []


def test_overview_picks_up_a_change_made_elsewhere_without_a_reload(
    browser, desk, live_server, reporter
):
    from playwright.sync_api import expect

    from claims import services

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    page.evaluate("window.notReloaded = true")
    nk_card = page.locator("article.account-card", has_text="North Korea")
    expect(nk_card.locator(".gauge-score")).to_have_text("0.64")

    services.record_corroboration(
        claim=desk.nk_claim,
        by=reporter,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="supports",
        quote="Pyongyang sought partial relief, Yonhap reported.",
    )

    expect(nk_card.locator(".gauge-score")).not_to_have_text("0.64", timeout=12_000)
    expect(nk_card).to_contain_text("Yonhap supports claim")
    assert page.evaluate("window.notReloaded") is True
    assert watched.problems() == [] and watched.foreign == []


def test_every_page_a_reporter_opens_is_clean(browser, desk, live_server):
    from playwright.sync_api import expect

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    expect(page.locator("h1")).to_have_text("Disputes")

    page.click(f"text={desk.dispute.title}")
    expect(page.locator("h1")).to_contain_text(desk.dispute.title)
    page.select_option("#id_verdict", index=1)
    expect(page.locator("#accounts .result-count")).to_be_visible()

    page.goto(live_server.url + desk.nk_claim.get_absolute_url())
    expect(page.locator("#claim-title")).to_contain_text(desk.nk_claim.text)

    page.click("nav[aria-label=Main] >> text=Sources")
    expect(page.locator("h1")).to_have_text("Sources")
    page.fill("#id_q", "Associated")
    expect(page.locator("#source-results-count")).to_contain_text("1 source matches")
    page.click("#source-results >> text=The Associated Press")
    expect(page.locator("h1")).to_have_text("The Associated Press")

    page.click("nav[aria-label=Main] >> text=Activity")
    expect(page.locator("h1")).to_have_text("Activity")
    page.select_option("#id_kind", index=1)
    expect(page).to_have_url(re.compile(r"kind="))

    page.click("text=Log out")
    expect(page.locator("h1")).to_have_text("Sign in to claimdesk")

    assert watched.problems() == [] and watched.foreign == []
