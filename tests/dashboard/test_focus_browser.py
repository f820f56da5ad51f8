"""
Keeping the reader's place, in a real Chromium: Edit, Remove, Cancel,
Escape and saving return the focus to the item the reader came from without
moving the page, on the claim page's side form and on the authoring pages;
a long evidence list pages in place.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from claims import services
from claims.models import Corroboration
from tests.dashboard import test_browser
from tests.dashboard.test_browser import Watched, log_in
from tests.factories import SourceFactory

# The reporter's session on the Hanoi story, as test_browser.py sets it up.
browser = test_browser.browser
desk = test_browser.desk

pytestmark = [pytest.mark.browser]

# Short enough that the evidence runs below the fold: the page has somewhere to jump to.
VIEWPORT = {"width": 1280, "height": 600}


@pytest.fixture
def reporting(browser, desk, live_server):
    watched = Watched(browser.new_context(viewport=VIEWPORT), live_server.url)
    log_in(watched.page, live_server.url, "reporter")
    yield watched
    assert watched.problems() == [] and watched.foreign == []


def scroll_y(page) -> float:
    return page.evaluate("window.scrollY")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def open_claim_at(page, url: str, link: str) -> float:
    """The claim page, scrolled so that `link` is in view; how far it is scrolled."""
    page.goto(url)
    page.locator(link).scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 120)")  # somewhere no script would put it by itself
    assert scroll_y(page) > 0
    return scroll_y(page)


def press_on(page, selector: str, key: str = "Enter") -> None:
    page.locator(selector).focus()
    page.keyboard.press(key)


def items_of(desk):
    return list(Corroboration.objects.filter(claim=desk.us_claim).order_by("observed_at", "id"))


def test_escape_closes_the_edit_form_and_returns_to_the_edit_link_in_place(
    reporting, desk, live_server
):
    from playwright.sync_api import expect

    page = reporting.page
    item = items_of(desk)[2]
    edit = f"#edit-evidence-{item.pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), edit)

    press_on(page, edit)
    expect(page.locator("#corroboration-form")).to_contain_text("Edit evidence from")
    expect(page.locator("#id_source")).to_be_focused()  # the side form opens focused
    page.keyboard.press("Escape")

    expect(page.locator("#corroboration-form")).to_contain_text("Add evidence")
    expect(page.locator(edit)).to_be_focused()
    assert scroll_y(page) == before


def test_escape_anywhere_in_the_form_cancels(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    edit = f"#edit-evidence-{items_of(desk)[1].pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), edit)

    press_on(page, edit)
    expect(page.locator("#id_source")).to_be_focused()
    page.locator("#id_stance").focus()
    page.keyboard.press("Escape")

    expect(page.locator(edit)).to_be_focused()
    assert scroll_y(page) == before


def test_with_changes_typed_escape_asks_to_be_pressed_again(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    edit = f"#edit-evidence-{items_of(desk)[0].pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), edit)
    press_on(page, edit)
    expect(page.locator("#id_source")).to_be_focused()
    page.locator("#id_quote").focus()
    page.keyboard.type(" More words.")

    page.keyboard.press("Escape")
    expect(page.locator("#corroboration-form .escape-note")).to_have_text(
        "You have changes here. Press Escape again to discard them."
    )
    expect(page.locator("#corroboration-form")).to_contain_text("Edit evidence from")
    page.keyboard.press("Escape")

    expect(page.locator(edit)).to_be_focused()
    assert scroll_y(page) == before
    assert not Corroboration.objects.filter(quote__endswith="More words.").exists()


def test_cancel_returns_to_the_edit_link_in_place(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    edit = f"#edit-evidence-{items_of(desk)[3].pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), edit)

    press_on(page, edit)
    expect(page.locator("#id_source")).to_be_focused()
    press_on(page, "#corroboration-form [data-cancel]")

    expect(page.locator("#corroboration-form")).to_contain_text("Add evidence")
    expect(page.locator(edit)).to_be_focused()
    assert scroll_y(page) == before


def test_saving_returns_to_the_edit_link_in_place_once_the_list_is_refreshed(
    reporting, desk, live_server
):
    from playwright.sync_api import expect

    page = reporting.page
    item = items_of(desk)[2]
    edit = f"#edit-evidence-{item.pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), edit)

    press_on(page, edit)
    expect(page.locator("#corroboration-form")).to_contain_text("Edit evidence from")
    # htmx focuses the form's first field once the swap settles; typing waits for that.
    expect(page.locator("#id_source")).to_be_focused()
    page.fill("#id_quote", "Reworded by the test.")
    press_on(page, "#corroboration-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("updated")
    # The list is swapped for a fresh one; the focus stays on the new Edit link.
    expect(page.locator(f"#corroboration-{item.pk}")).to_contain_text("Reworded by the test.")
    expect(page.locator(edit)).to_be_focused()
    assert scroll_y(page) == before


def test_removing_moves_the_focus_to_the_next_item_in_place(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    items = items_of(desk)
    removed, following = items[1], items[2]
    remove = f"#remove-evidence-{removed.pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), remove)

    press_on(page, remove)
    expect(page.locator("#corroboration-form")).to_contain_text("Remove this evidence?")
    expect(page.locator("#corroboration-form button.danger")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#messages")).to_contain_text("removed")
    expect(page.locator(f"#corroboration-{removed.pk}")).to_have_count(0)
    expect(page.locator(f"#edit-evidence-{following.pk}")).to_be_focused()
    assert scroll_y(page) == before
    assert not Corroboration.objects.filter(pk=removed.pk).exists()


def test_escape_on_a_removal_returns_to_its_remove_link(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    remove = f"#remove-evidence-{items_of(desk)[2].pk}"
    before = open_claim_at(page, live_server.url + desk.us_claim.get_absolute_url(), remove)

    press_on(page, remove)
    expect(page.locator("#corroboration-form button.danger")).to_be_focused()
    page.keyboard.press("Escape")

    expect(page.locator(remove)).to_be_focused()
    assert scroll_y(page) == before
    assert Corroboration.objects.filter(claim=desk.us_claim).count() == 5


def test_removing_the_only_item_moves_the_focus_to_the_evidence_heading(
    reporting, desk, live_server
):
    from playwright.sync_api import expect

    page = reporting.page
    claim = services.create_claim(
        by=None, account=desk.nk_account, text="A lone claim.", speaker=desk.choe
    )
    only = services.record_corroboration(
        claim=claim, by=None, source=desk.ap, stance="supports", quote="Just one."
    )
    page.goto(live_server.url + claim.get_absolute_url())

    press_on(page, f"#remove-evidence-{only.pk}")
    expect(page.locator("#corroboration-form button.danger")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#evidence")).to_contain_text("No evidence yet")
    expect(page.locator("#evidence-title")).to_be_focused()


# Pages of their own


def test_cancel_on_an_account_edit_returns_to_its_edit_link_in_place(
    browser,
    desk,
    editor,
    live_server,
):
    from playwright.sync_api import expect

    editing = Watched(browser.new_context(viewport={"width": 1280, "height": 500}), live_server.url)
    page = editing.page
    log_in(page, live_server.url, "editor")
    link = f"#edit-account-{desk.nk_account.pk}"
    page.goto(live_server.url + desk.dispute.get_absolute_url())
    page.locator(link).scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 40)")
    before = scroll_y(page)

    press_on(page, link)
    page.wait_for_url(f"**{reverse('dashboard:account_edit', args=[desk.nk_account.pk])}")
    press_on(page, "#account-form [data-cancel]")

    page.wait_for_url(f"**{desk.dispute.get_absolute_url()}*")
    expect(page.locator(link)).to_be_focused()
    assert scroll_y(page) == before
    assert editing.problems() == []


def test_escape_on_an_account_edit_and_saving_both_return_in_place(
    browser,
    desk,
    editor,
    live_server,
):
    from playwright.sync_api import expect

    editing = Watched(browser.new_context(viewport={"width": 1280, "height": 500}), live_server.url)
    page = editing.page
    log_in(page, live_server.url, "editor")
    link = f"#edit-account-{desk.us_account.pk}"
    page.goto(live_server.url + desk.dispute.get_absolute_url())
    page.locator(link).scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 60)")
    before = scroll_y(page)

    press_on(page, link)
    page.wait_for_url(f"**{reverse('dashboard:account_edit', args=[desk.us_account.pk])}")
    press_on(page, "#id_summary", "Escape")
    page.wait_for_url(f"**{desk.dispute.get_absolute_url()}*")
    expect(page.locator(link)).to_be_focused()
    assert scroll_y(page) == before

    press_on(page, link)
    page.wait_for_url(f"**{reverse('dashboard:account_edit', args=[desk.us_account.pk])}")
    page.fill("#id_summary", "Washington’s account, reworded.")
    press_on(page, "#account-form button[type=submit]")
    page.wait_for_url(f"**{desk.dispute.get_absolute_url()}*")
    expect(page.locator("#messages")).to_contain_text("saved")
    expect(page.locator(link)).to_be_focused()
    assert scroll_y(page) == before
    assert editing.problems() == []


def test_cancel_on_a_claim_edit_returns_to_edit_claim(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    page.goto(live_server.url + desk.us_claim.get_absolute_url())

    press_on(page, "#edit-claim")
    page.wait_for_url(f"**{reverse('dashboard:claim_edit', args=[desk.us_claim.pk])}")
    press_on(page, "#claim-form [data-cancel]")

    page.wait_for_url(f"**{desk.us_claim.get_absolute_url()}")
    expect(page.locator("#edit-claim")).to_be_focused()


# A long evidence list


def test_the_evidence_list_pages_in_place_and_a_save_keeps_the_page(reporting, desk, live_server):
    from playwright.sync_api import expect

    page = reporting.page
    start = datetime(2019, 2, 28, 8, 0, tzinfo=UTC)
    for n in range(30):
        services.record_corroboration(
            claim=desk.nk_claim,
            by=None,
            source=SourceFactory(name=f"Outlet {n:02d}"),
            stance="supports",
            quote=f"Item number {n:02d}.",
            observed_at=start + timedelta(minutes=n),
        )
    page.goto(live_server.url + desk.nk_claim.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#evidence-list .evidence-item")).to_have_count(20)

    press_on(page, "#evidence-next")

    expect(page.locator("#evidence-list .evidence-item")).to_have_count(13)
    assert page.url.endswith("?evidence=2")
    expect(page.locator("#evidence-title")).to_be_focused()
    # Editing an item of page 2: after the save the refreshed list is still page 2.
    item = Corroboration.objects.get(claim=desk.nk_claim, quote="Item number 25.")
    press_on(page, f"#edit-evidence-{item.pk}")
    expect(page.locator("#corroboration-form")).to_contain_text("Edit evidence from Outlet 25")
    expect(page.locator("#id_source")).to_be_focused()
    page.fill("#id_quote", "Item number 25, reworded.")
    press_on(page, "#corroboration-form button[type=submit]")
    expect(page.locator(f"#corroboration-{item.pk}")).to_contain_text("reworded")
    expect(page.locator("#evidence-list .evidence-item")).to_have_count(13)
    expect(page.locator(f"#edit-evidence-{item.pk}")).to_be_focused()
    assert page.evaluate("window.notReloaded") is True
