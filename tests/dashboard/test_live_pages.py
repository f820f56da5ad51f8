"""
Pages that keep themselves current: the overview, the dispute page and the
claim panel each poll with the newest change they have seen; an unchanged
poll is a 204 that costs one query, a changed one answers the page's live
parts, and in a browser only the parts that changed are swapped, so the
reader's focus and scroll position stay where they were.
"""

import re

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from tests.dashboard.test_browser import Watched, browser, log_in  # noqa: F401 (fixture)
from tests.factories import SourceFactory

HTMX = {"HX-Request": "true"}


def poll(web, path: str, poller: str, since: int | None = None):
    """A live page's poll, by default one that has seen the newest change."""
    since = Change.latest_id() if since is None else since
    return web.get(path, {"since": since}, headers={**HTMX, "HX-Target": poller})


@pytest.fixture
def web(client, reporter):
    client.force_login(reporter)
    return client


# The poll, answered by the server


@pytest.mark.parametrize("page", ["dispute", "claim"])
def test_unchanged_poll_answers_204_with_one_query_beyond_the_session(
    web, hanoi, page, django_assert_max_num_queries
):
    path, poller = {
        "dispute": (hanoi.dispute.get_absolute_url(), "accounts-poll"),
        "claim": (hanoi.nk_claim.get_absolute_url(), "claim-poll"),
    }[page]
    seen = Change.latest_id()

    # The session and its user, then the one indexed look-up of the cursor.
    with django_assert_max_num_queries(3):
        response = poll(web, path, poller, since=seen)

    assert response.status_code == 204
    assert response.content == b""


def test_dispute_poll_after_a_colleagues_edit_answers_the_columns_with_the_new_reading(
    web, hanoi, editor
):
    seen = Change.latest_id()
    services.update_claim(claim=hanoi.us_claim, by=editor, text="Kim wanted every sanction gone.")

    response = web.get(
        hanoi.dispute.get_absolute_url(),
        {"since": seen, "q": "sanction"},
        headers={**HTMX, "HX-Target": "accounts-poll"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('\n<div id="accounts"') or html.lstrip().startswith('<div id="accounts"')
    assert "Kim wanted every sanction gone." in html
    # The poller comes back with the newest cursor and the reader's filter.
    poller = re.search(r'<div id="accounts-poll"[^>]*hx-get="([^"]*)"', html).group(1)
    assert f"since={Change.latest_id()}" in poller and "q=sanction" in poller
    # Only the live parts: no filter form, no page around them.
    assert "<html" not in html and 'id="claim-filter"' not in html


def test_claim_poll_answers_the_claim_scores_and_evidence_but_never_the_form(web, hanoi, editor):
    seen = Change.latest_id()
    services.record_corroboration(
        claim=hanoi.nk_claim,
        by=editor,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="supports",
        quote="Pyongyang sought partial relief, Yonhap reported.",
    )

    response = web.get(
        hanoi.nk_claim.get_absolute_url(),
        {"since": seen},
        headers={**HTMX, "HX-Target": "claim-poll"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    for part in ["claim-poll", "claim-head", "claim-score", "account-score", "evidence"]:
        assert f'id="{part}"' in html
    assert "Pyongyang sought partial relief, Yonhap reported." in html
    # What the reader may be typing is never replaced by a refresh.
    assert 'id="corroboration-form"' not in html


def test_claim_deleted_while_read_stops_the_poll_and_says_so(web, hanoi, editor):
    claim = hanoi.us_claim
    path = claim.get_absolute_url()
    seen = Change.latest_id()
    services.delete_claim(claim=claim, by=editor)

    response = poll(web, path, "claim-poll", since=seen)

    assert response.status_code == 286  # htmx stops polling
    assert "This claim was deleted by someone else" in response.content.decode()
    # Opened afresh, it is the ordinary 404 page.
    assert web.get(path).status_code == 404


def test_dispute_deleted_while_read_stops_the_poll_and_says_so(web, hanoi, editor):
    path = hanoi.dispute.get_absolute_url()
    seen = Change.latest_id()
    services.delete_dispute(dispute=hanoi.dispute, by=editor)

    response = poll(web, path, "accounts-poll", since=seen)

    assert response.status_code == 286
    assert "This dispute was deleted by someone else" in response.content.decode()


def test_every_live_part_has_an_id_unique_on_its_page(web, hanoi):
    for path in [
        reverse("dashboard:overview"),
        hanoi.dispute.get_absolute_url(),
        hanoi.nk_claim.get_absolute_url(),
    ]:
        html = web.get(path).content.decode()
        parts = re.findall(r'<[a-z]+ id="([^"]+)"[^>]*data-live-unit', html)
        assert parts, path
        assert len(parts) == len(set(parts)), path


# In a browser: only what changed is swapped


@pytest.fixture
def desk(transactional_db, django_db_serialized_rollback, live_server, hanoi, reporter, editor):
    return hanoi


def mark(page, selector: str) -> None:
    """
    Tags the element as it is now, so that a test can tell whether it was
    replaced: a property of the object, not an attribute, which would make
    it read differently from the server's copy.
    """
    page.eval_on_selector(selector, "el => { el.seenBefore = true; }")


def same_element(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "el => el.seenBefore === true")


@pytest.mark.browser
def test_a_colleagues_edit_arrives_on_the_open_claim_page_without_moving_focus_or_scroll(
    browser,  # noqa: F811
    desk,
    live_server,
    editor,
):
    from playwright.sync_api import expect

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 700}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    page.goto(live_server.url + desk.nk_claim.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    # The reader has scrolled down and is typing a quote into the evidence form.
    page.fill("#id_quote", "Half a quote")
    page.focus("#id_quote")
    page.evaluate("window.scrollTo(0, 300)")
    scrolled = page.evaluate("window.scrollY")
    mark(page, "#corroboration-form")

    services.update_claim(
        claim=desk.nk_claim, by=editor, text="Kim asked only for partial relief, said Ri."
    )
    services.record_corroboration(
        claim=desk.nk_claim,
        by=editor,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="supports",
        quote="Pyongyang sought partial relief, Yonhap reported.",
    )

    expect(page.locator("#claim-title")).to_contain_text("said Ri", timeout=12_000)
    expect(page.locator("#evidence")).to_contain_text("Yonhap reported", timeout=12_000)
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.activeElement.id") == "id_quote"
    assert page.input_value("#id_quote") == "Half a quote"
    assert same_element(page, "#corroboration-form")
    assert page.evaluate("window.scrollY") == scrolled
    assert watched.problems() == [] and watched.foreign == []


@pytest.mark.browser
def test_dispute_page_swaps_only_the_claim_that_changed_and_keeps_focus(
    browser,  # noqa: F811
    desk,
    live_server,
    editor,
):
    from playwright.sync_api import expect

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    page.goto(live_server.url + desk.dispute.get_absolute_url())
    us, nk = f"#claim-card-{desk.us_claim.pk}", f"#claim-card-{desk.nk_claim.pk}"
    mark(page, us)
    mark(page, nk)
    page.focus(f"#claim-link-{desk.nk_claim.pk}")

    services.update_claim(claim=desk.us_claim, by=editor, text="Kim wanted every sanction gone.")

    expect(page.locator(us)).to_contain_text("every sanction gone", timeout=12_000)
    # The edited card is new; the one being read is the same element, still focused.
    assert not same_element(page, us)
    assert same_element(page, nk)
    assert page.evaluate("document.activeElement.id") == f"claim-link-{desk.nk_claim.pk}"

    # The focused card itself changing keeps the focus on its link.
    services.update_claim(claim=desk.nk_claim, by=editor, text="Only partial relief was asked.")
    expect(page.locator(nk)).to_contain_text("Only partial relief", timeout=12_000)
    assert page.evaluate("document.activeElement.id") == f"claim-link-{desk.nk_claim.pk}"

    # A link without an id keeps the focus by its place: "Add claim" in the
    # head of the account whose score moves.
    head = f"#account-head-{desk.nk_claim.account_id}"
    page.focus(f"{head} a.sp-button")
    score = page.inner_text(f"{head} .gauge-score")
    services.record_corroboration(
        claim=desk.nk_claim,
        by=editor,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="supports",
        quote="Pyongyang sought partial relief, Yonhap reported.",
    )
    expect(page.locator(f"{head} .gauge-score")).not_to_have_text(score, timeout=12_000)
    assert page.evaluate("document.activeElement.textContent").startswith("Add claim")
    assert watched.problems() == [] and watched.foreign == []


@pytest.mark.browser
def test_overview_refresh_keeps_focus_on_the_link_the_reader_was_on(
    browser,  # noqa: F811
    desk,
    live_server,
    editor,
):
    from playwright.sync_api import expect

    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    log_in(page, live_server.url, "reporter")
    link = f"#dispute-link-{desk.dispute.pk}"
    page.focus(link)

    services.record_corroboration(
        claim=desk.nk_claim,
        by=editor,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="supports",
        quote="Pyongyang sought partial relief, Yonhap reported.",
    )

    card = page.locator(f"#dispute-card-{desk.dispute.pk}")
    expect(card).to_contain_text("Yonhap", timeout=12_000)
    # Before, the whole list was replaced and focus fell back to <body>.
    assert page.evaluate("document.activeElement.id") == link[1:]
    assert watched.problems() == [] and watched.foreign == []
