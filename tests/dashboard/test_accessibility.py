"""
Accessibility of every dashboard page, for every role: axe-core run in a real
Chromium against each page (and the claim page with its evidence form open,
with a form error shown, and the 403 and 404 pages), allowing no serious or
critical violation; the colour pairs axe cannot judge (the focus ring, text on
greyed evidence) computed from the stylesheet's variables; and the claim's
score table, which on a phone scrolls instead of clipping its totals.

axe-core comes from the npm registry at the version package-lock.json pins
(`make test` runs `npm ci`); without it the browser tests here skip.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.dashboard.test_browser import CHROMIUM, SHOTS, log_in
from tests.factories import ClaimFactory

AXE = Path(settings.BASE_DIR) / "node_modules/axe-core/axe.min.js"
CSS = Path(settings.BASE_DIR) / "dashboard/static/dashboard/app.css"

needs_browser = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)
needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason=f"no {AXE.relative_to(settings.BASE_DIR)} (npm ci, as make test does)"
)


# -- Contrast, from the stylesheet's own variables ---------------------------


def css_variables() -> dict[str, str]:
    """The hex colours app.css names in :root, e.g. {"--focus": "#1f5fae"}."""
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(), re.S)
    assert root, "app.css has no :root block"
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", root.group(1)))


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """The WCAG 2 contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)


# The light backgrounds text sits on: cards, the page, greyed (not counted)
# evidence, and the overview's account cards.
LIGHT_BACKGROUNDS = ["#ffffff", "--bg", "#f7f8fa", "#fbfcfd"]
STANCES = ["--supports", "--partly-supports", "--partly-contradicts", "--contradicts"]


@pytest.mark.parametrize("stance", STANCES)
def test_stance_colours_reach_aa_as_text_and_under_white_text(stance):
    colours = css_variables()
    for background in LIGHT_BACKGROUNDS:
        background = colours.get(background, background)
        ratio = contrast(colours[stance], background)
        assert ratio >= 4.5, f"{stance} on {background} is {ratio:.2f}:1"
    # Source pages put white text on the stance colour (.sp-stance).
    assert contrast("#ffffff", colours[stance]) >= 4.5


def test_focus_ring_reaches_three_to_one_on_every_background():
    colours = css_variables()
    for background in LIGHT_BACKGROUNDS:
        background = colours.get(background, background)
        ratio = contrast(colours["--focus"], background)
        assert ratio >= 3, f"focus ring on {background} is {ratio:.2f}:1"
    # The header is dark (--ink) and rings its links in a light colour.
    assert contrast(colours["--focus-on-dark"], colours["--ink"]) >= 3


# -- axe, in a browser -------------------------------------------------------


@pytest.fixture
def chromium(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would
    # otherwise refuse the ORM calls the test makes alongside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def desk(
    transactional_db, django_db_serialized_rollback, live_server, hanoi, editor, reporter, viewer
):
    return hanoi


# Evaluated rather than added as a <script>: the CSP refuses inline scripts,
# and a devtools evaluation is not subject to it.
RUN_AXE = """async () => {
  const result = await axe.run(document);
  if (result.passes.length === 0) return ["axe checked nothing"];
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""


def axe_violations(page) -> list[str]:
    """Serious and critical violations on the page as it is now, one line each."""
    page.evaluate(AXE.read_text())
    return [f"{page.url}: {line}" for line in page.evaluate(RUN_AXE)]


def visit_every_page(page, url: str, desk, role: str) -> list[str]:
    """Opens each dashboard page as `role` would, running axe on each; the violations."""
    found: list[str] = []
    page.goto(url + reverse("login"))
    found += axe_violations(page)
    log_in(page, url, role)
    found += axe_violations(page)  # the overview
    for path in [
        desk.dispute.get_absolute_url(),
        desk.us_claim.get_absolute_url(),
        reverse("dashboard:sources"),
        desk.ap.get_absolute_url(),
        reverse("dashboard:activity"),
        reverse("dashboard:how_scores_work"),
        "/no-such-page/",
    ]:
        page.goto(url + path)
        found += axe_violations(page)
    if role != "viewer":
        page.goto(url + desk.us_claim.get_absolute_url())
        # The form opened to edit a piece of evidence, then refused for an empty quote.
        page.locator("#evidence .evidence-actions a", has_text="Edit").first.click()
        page.wait_for_selector("#corroboration-form:has-text('Edit evidence from')")
        found += axe_violations(page)
        page.fill("#id_quote", "")
        page.click("text=Save changes")
        page.wait_for_selector("#id_quote_error")
        found += axe_violations(page)
    else:
        # A viewer asking for a form it may not use gets the 403 page.
        page.goto(url + reverse("dashboard:source_add"))
        found += axe_violations(page)
    found += visit_authoring_pages(page, url, desk, role)
    return found


def visit_authoring_pages(page, url: str, desk, role: str) -> list[str]:
    """
    The pages that run a story, as far as `role` may open them: the dispute,
    account and claim forms (new, edit, delete), the source merge's two
    steps, and the dispute and claim forms showing their errors.
    """
    found: list[str] = []
    pages = {
        "editor": [
            reverse("dashboard:dispute_add"),
            reverse("dashboard:dispute_edit", args=[desk.dispute.slug]),
            reverse("dashboard:dispute_delete", args=[desk.dispute.slug]),
            reverse("dashboard:account_add", args=[desk.dispute.slug]),
            reverse("dashboard:account_edit", args=[desk.nk_account.pk]),
            reverse("dashboard:account_delete", args=[desk.nk_account.pk]),
            # An endpoint's own pages: tests/dashboard/test_webhooks_browser.py.
            reverse("dashboard:webhooks"),
            reverse("dashboard:webhook_add"),
        ],
        "reporter": [],
        "viewer": [],
    }[role]
    if role != "viewer":
        pages += [
            reverse("dashboard:claim_add", args=[desk.us_account.pk]),
            reverse("dashboard:claim_edit", args=[desk.us_claim.pk]),
            reverse("dashboard:claim_delete", args=[desk.us_claim.pk]),
        ]
    for path in pages:
        page.goto(url + path)
        found += axe_violations(page)
    if role == "editor":
        # A dispute without a title, refused beside its field.
        page.goto(url + reverse("dashboard:dispute_add"))
        page.click("#dispute-form button[type=submit]")
        page.wait_for_selector("#dispute-form .sp-alert")
        found += axe_violations(page)
        # Merging a source: pick, then the confirmation of what moves.
        page.goto(url + reverse("dashboard:source_merge", args=[desk.choe.pk]))
        found += axe_violations(page)
        page.fill("#id_into", "Nobody at all")
        page.click("#source-merge-next")
        page.wait_for_selector("#source-merge .sp-alert")
        found += axe_violations(page)
        page.fill("#id_into", desk.ri.name)
        page.click("#source-merge-next")
        page.wait_for_selector("#source-merge-confirm")
        found += axe_violations(page)
    if role != "viewer":
        # A claim without words, by a speaker who is not a source.
        page.goto(url + reverse("dashboard:claim_add", args=[desk.us_account.pk]))
        page.fill("#id_speaker", "Nobody at all")
        page.fill("#id_stated_at", "soon")
        page.click("#claim-form button[type=submit]")
        page.wait_for_selector("#claim-form .sp-alert")
        found += axe_violations(page)
    else:
        page.goto(url + reverse("dashboard:claim_add", args=[desk.us_account.pk]))
        found += axe_violations(page)  # the 403 page
    return found


@pytest.mark.browser
@needs_browser
@needs_axe
@pytest.mark.parametrize("role", ["editor", "reporter", "viewer"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violation_on_any_page(chromium, desk, live_server, role, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    found = visit_every_page(page, live_server.url, desk, role)
    assert found == [], "axe found:\n" + "\n".join(found)


@pytest.mark.browser
@needs_browser
@needs_axe
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violation_on_long_evidence_lists(
    chromium, desk, live_server, width
):
    from claims import services
    from tests.factories import SourceFactory

    for n in range(25):
        services.record_corroboration(
            claim=desk.nk_claim,
            by=None,
            source=SourceFactory(name=f"Outlet {n:02d}"),
            stance="supports" if n % 2 else "contradicts",
            quote=f"Item number {n:02d}.",
        )
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "reporter")

    # The dispute page's claim card with "+N more", the claim's pager, its next page.
    page.goto(live_server.url + desk.dispute.get_absolute_url())
    assert page.locator(".chip-more").count() == 1
    found = axe_violations(page)
    page.goto(live_server.url + desk.nk_claim.get_absolute_url())
    found += axe_violations(page)
    page.click("#evidence-next")
    page.wait_for_selector("#evidence-previous")
    found += axe_violations(page)
    assert found == [], "axe found:\n" + "\n".join(found)


@pytest.mark.browser
@needs_browser
def test_score_table_scrolls_sideways_on_a_phone_instead_of_clipping(chromium, desk, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "viewer")
    page.goto(live_server.url + desk.us_claim.get_absolute_url())
    scroller = page.locator("#evidence .table-scroll")
    sizes = scroller.evaluate(
        "(el) => ({scroll: el.scrollWidth, client: el.clientWidth,"
        " overflow: getComputedStyle(el).overflowX, page: document.documentElement.scrollWidth,"
        " right: el.getBoundingClientRect().right})"
    )
    assert sizes["scroll"] > sizes["client"]  # wider than its box: it must scroll
    assert sizes["overflow"] == "auto"
    # The box itself fits the screen, so the page does not scroll sideways.
    assert sizes["right"] <= 390 and sizes["page"] <= 390
    # A cue that there is more to the right, in words and in a shadow at the edge.
    assert page.locator("#evidence .scroll-cue").is_visible()
    # For a person to look at (caret="initial": hiding it would inject a <style>).
    SHOTS.mkdir(parents=True, exist_ok=True)
    scroller.screenshot(path=str(SHOTS / "score-table-phone.png"), caret="initial")
    # Scrolled to the end, the totals are in view.
    scroller.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
    totals = page.locator("#evidence .explain tfoot td").last.bounding_box()
    assert totals is not None and totals["x"] + totals["width"] <= 390


# -- A claim with no evidence ------------------------------------------------


def test_claim_without_evidence_says_no_evidence_yet_instead_of_a_table_of_zeros(
    client, viewer, django_assert_max_num_queries
):
    claim = ClaimFactory()
    client.force_login(viewer)
    # The claim page's fixed count (test_claim_panel.py), evidence or none.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:claim", args=[claim.pk]))
    html = " ".join(response.content.decode().split())
    assert "No evidence yet: with nothing for or against it the score stays at" in html
    assert "= <strong>0.50</strong>, unverified." in html
    assert '<table class="explain">' not in html
    assert "S</i> = 0.000" not in html


def test_claim_with_evidence_shows_the_score_table_with_its_scroll_cue(client, viewer, hanoi):
    client.force_login(viewer)
    response = client.get(reverse("dashboard:claim", args=[hanoi.us_claim.pk]))
    html = response.content.decode()
    assert '<table class="explain">' in html
    assert "Scroll the table sideways for the totals" in html
    assert "No evidence yet:" not in html
