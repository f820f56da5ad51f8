"""
The admin's change pages with a table of inline rows, in a real Chromium:
they fit a 1280 px screen beside the admin's navigation, without scrolling
sideways (claims/static/claims/admin.css).
"""

import pytest
from django.db.models import Count

from claims.models import Account, Claim
from tests.dashboard.test_browser import SHOTS, Watched, browser  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]

PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user


@pytest.fixture
def superuser(transactional_db, django_db_serialized_rollback, live_server, hanoi, admin_user):
    return admin_user


def most_evidence() -> Claim:
    return Claim.objects.annotate(n=Count("corroborations")).order_by("-n", "pk").first()


def most_claims() -> Account:
    return Account.objects.annotate(n=Count("claims")).order_by("-n", "pk").first()


@pytest.mark.parametrize(
    ("page_name", "path"),
    [
        ("claim", lambda: f"/admin/claims/claim/{most_evidence().pk}/change/"),
        ("account", lambda: f"/admin/claims/account/{most_claims().pk}/change/"),
    ],
)
def test_a_change_page_with_inline_rows_does_not_scroll_sideways_at_1280_px(
    browser,  # noqa: F811
    superuser,
    live_server,
    page_name,
    path,
):
    url = path()
    watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url)
    page = watched.page
    page.goto(f"{live_server.url}/admin/login/?next={url}")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{url}")
    # select2 sizes the pickers once the page has loaded.
    page.wait_for_load_state("load")

    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"admin-{page_name}-change.png"), full_page=True)
    assert widths["page"] <= widths["screen"], widths
    assert page.locator(".inline-group .tabular tr.form-row.has_original").count() >= 1
