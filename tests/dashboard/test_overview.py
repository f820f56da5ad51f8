"""The overview: every dispute's accounts side by side, refreshed by a cheap poll."""

import re

import pytest
from django.urls import reverse

from claims import services
from sources.models import Change
from tests.factories import SourceFactory, build_dispute

HTMX = {"HX-Request": "true"}


def poll_headers() -> dict[str, str]:
    return {**HTMX, "HX-Target": "overview"}


@pytest.fixture
def reporter_web(client, reporter):
    client.force_login(reporter)
    return client


def test_overview_requires_login(client, hanoi):
    response = client.get(reverse("dashboard:overview"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_overview_shows_each_account_with_gauge_verdict_and_counts(reporter_web, hanoi):
    response = reporter_web.get(reverse("dashboard:overview"))

    html = response.content.decode()
    assert response.status_code == 200
    assert hanoi.dispute.title in html
    nk = html[html.index(">North Korea</h3>"):html.index(">United States</h3>")]
    assert "0.64" in nk and "Mostly corroborated" in nk
    assert re.search(r"<dt>Claims</dt><dd>3</dd>", nk)
    assert re.search(r"<dt>Corroborations</dt><dd>3</dd>", nk)
    us = html[html.index(">United States</h3>"):]
    assert "0.26" in us and "Mostly contradicted" in us
    assert re.search(r"<dt>Corroborations</dt><dd>5</dd>", us)


def test_overview_draws_each_accounts_score_history_as_an_inline_svg(reporter_web, hanoi):
    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    # Six snapshots of the U.S. account: opened at 0.50, then five pieces of evidence.
    assert 'aria-label="Score over the last 6 changes: from 0.50 to 0.26"' in html
    assert html.count("<polyline points=") == 2


def test_overview_says_who_made_the_last_change(reporter_web, reporter, hanoi):
    services.record_corroboration(
        claim=hanoi.us_claim, by=reporter, source=SourceFactory(name="Reuters"),
        stance="supports", quote="Kim wanted all sanctions gone.",
    )

    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    us = html[html.index(">United States</h3>"):]
    assert "by reporter" in us
    assert "Reuters supports claim" in us


def test_poll_when_nothing_changed_answers_204_with_one_query(
    reporter_web, hanoi, django_assert_max_num_queries
):
    since = Change.latest_id()

    # The session and its user, then the one indexed look-up of the cursor.
    with django_assert_max_num_queries(3):
        response = reporter_web.get(
            reverse("dashboard:overview"), {"since": since}, headers=poll_headers()
        )

    assert response.status_code == 204
    assert response.content == b""


def test_poll_after_a_change_returns_the_overview_partial_with_the_new_cursor(
    reporter_web, reporter, hanoi
):
    since = Change.latest_id()
    services.record_corroboration(
        claim=hanoi.nk_claim, by=reporter, source=SourceFactory(name="Yonhap"),
        stance="supports", quote="Partial relief, as Ri said.",
    )

    response = reporter_web.get(reverse("dashboard:overview"), {"since": since}, headers=poll_headers())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="overview"')
    assert "<html" not in html and "<nav" not in html
    assert f"?since={Change.latest_id()}" in html
    assert "Yonhap supports claim" in html


def test_poll_with_a_malformed_cursor_gets_the_partial_not_an_error(reporter_web, hanoi):
    response = reporter_web.get(reverse("dashboard:overview"), {"since": "yesterday"}, headers=poll_headers())

    assert response.status_code == 200
    assert 'id="overview"' in response.content.decode()


def test_plain_get_is_the_full_page_whatever_the_cursor(reporter_web, hanoi):
    response = reporter_web.get(reverse("dashboard:overview"), {"since": Change.latest_id()})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'hx-trigger="every 5s"' in html


def test_overview_varies_on_htmx_headers(reporter_web, hanoi):
    full = reporter_web.get(reverse("dashboard:overview"))
    poll = reporter_web.get(reverse("dashboard:overview"), {"since": Change.latest_id()}, headers=poll_headers())

    for response in (full, poll):
        assert "HX-Request" in response["Vary"]


def test_overview_is_served_under_a_self_only_content_security_policy(reporter_web, hanoi):
    response = reporter_web.get(reverse("dashboard:overview"))

    html = response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    # Nothing the policy would block: no inline script, style or handler, no other host.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_viewer_reads_the_overview(client, viewer, hanoi):
    client.force_login(viewer)

    response = client.get(reverse("dashboard:overview"))

    assert response.status_code == 200
    assert "Mostly corroborated" in response.content.decode()


@pytest.mark.parametrize("disputes", [1, 3])
def test_overview_runs_a_fixed_number_of_queries(
    reporter_web, disputes, django_assert_max_num_queries
):
    for _ in range(disputes):
        build_dispute(parties=2, claims_per_account=disputes, evidence_per_claim=disputes)

    # session, user, cursor, disputes, accounts with counts and last change,
    # histories, the last changes with their actors.
    with django_assert_max_num_queries(7):
        response = reporter_web.get(reverse("dashboard:overview"))

    assert response.status_code == 200
    assert response.content.decode().count('class="account-card"') == 2 * disputes
