"""The overview: every dispute's accounts side by side, refreshed by a cheap poll."""

import re

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Claim, Corroboration, ScoreSnapshot
from dashboard.selectors.overview import OVERVIEW_PAGE_SIZE
from tests.factories import DisputeFactory, SourceFactory, build_dispute

HTMX = {"HX-Request": "true"}


def poll_headers() -> dict[str, str]:
    return {**HTMX, "HX-Target": "overview-poll"}


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
    nk = html[html.index(">North Korea</h3>") : html.index(">United States</h3>")]
    assert "0.64" in nk and "Mostly corroborated" in nk
    assert re.search(r"<dt>Claims</dt><dd>3</dd>", nk)
    # The evidence counted by stance: for (partly) supporting, against the others.
    assert re.search(r"<dt>Evidence</dt><dd>3 for, 0 against</dd>", nk)
    us = html[html.index(">United States</h3>") :]
    assert "0.26" in us and "Mostly contradicted" in us
    assert re.search(r"<dt>Evidence</dt><dd>1 for, 4 against</dd>", us)


def test_overview_draws_each_accounts_score_history_as_an_inline_svg(reporter_web, hanoi):
    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    # Six snapshots of the U.S. account: opened at 0.50, then five pieces of evidence.
    assert 'aria-label="Score over the last 6 changes: from 0.50 to 0.26"' in html
    assert html.count("<polyline points=") == 2


def test_overview_says_who_made_the_last_change(reporter_web, reporter, hanoi):
    services.record_corroboration(
        claim=hanoi.us_claim,
        by=reporter,
        source=SourceFactory(name="Reuters"),
        stance="supports",
        quote="Kim wanted all sanctions gone.",
    )

    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    us = html[html.index(">United States</h3>") :]
    assert "by reporter" in us
    assert "Reuters supports claim" in us


def test_the_last_change_may_be_an_edit_that_moved_no_score(reporter_web, editor, hanoi):
    evidence = Corroboration.objects.filter(claim__account=hanoi.us_account).order_by("id").first()
    services.update_corroboration(
        corroboration=evidence, by=editor, quote="Reworded, same meaning."
    )
    newest = Change.objects.order_by("-id").first()
    assert (newest.object_type, newest.object_id) == ("corroboration", evidence.pk)

    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    us = html[html.index(">United States</h3>") :]
    # The claim it cites is named by its words and party, not by its id.
    named = newest.summary.replace(
        f"claim {hanoi.us_claim.pk}",
        "claim “Basically, they wanted the sanctions lifted in their…” (United States)",
    )
    assert re.search(rf'by editor:\s*<span class="change-summary">{re.escape(named)}</span>', us)


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
        claim=hanoi.nk_claim,
        by=reporter,
        source=SourceFactory(name="Yonhap"),
        stance="supports",
        quote="Partial relief, as Ri said.",
    )

    response = reporter_web.get(
        reverse("dashboard:overview"), {"since": since}, headers=poll_headers()
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="overview"')
    assert "<html" not in html and "<nav" not in html
    assert f'hx-get="/?page=1&amp;since={Change.latest_id()}"' in html
    assert "Yonhap supports claim" in html


def test_poll_with_a_malformed_cursor_gets_the_partial_not_an_error(reporter_web, hanoi):
    response = reporter_web.get(
        reverse("dashboard:overview"), {"since": "yesterday"}, headers=poll_headers()
    )

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
    poll = reporter_web.get(
        reverse("dashboard:overview"), {"since": Change.latest_id()}, headers=poll_headers()
    )

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


@pytest.mark.parametrize("disputes", [1, 30])
def test_overview_runs_a_fixed_number_of_queries(
    reporter_web, disputes, django_assert_max_num_queries
):
    for n in range(disputes):
        build_dispute(parties=2, claims_per_account=1 + n % 3, evidence_per_claim=1 + n % 2)

    # session, user, two for the permission that offers "New dispute",
    # cursor, dispute count, the page's disputes, their accounts with
    # counts, history starts and last change, histories, the last changes
    # with their actors, what each account's score is made of (grouped by
    # verdict), the claims those last changes cite, named by their words.
    with django_assert_max_num_queries(12):
        response = reporter_web.get(reverse("dashboard:overview"))

    assert response.status_code == 200
    shown = min(disputes, OVERVIEW_PAGE_SIZE)
    assert response.content.decode().count('class="account-card"') == 2 * shown


# Pages of disputes


def dispute_titles(html: str) -> list[str]:
    return re.findall(r'<h2 id="dispute-\d+"><a [^>]*>([^<]*)</a></h2>', html)


def test_overview_shows_twenty_disputes_a_page_with_links_to_the_others(reporter_web, db):
    DisputeFactory.create_batch(OVERVIEW_PAGE_SIZE + 5)

    first = reporter_web.get(reverse("dashboard:overview")).content.decode()
    second = reporter_web.get(reverse("dashboard:overview"), {"page": 2}).content.decode()

    assert len(dispute_titles(first)) == OVERVIEW_PAGE_SIZE
    assert len(dispute_titles(second)) == 5
    assert not set(dispute_titles(first)) & set(dispute_titles(second))
    assert "25 disputes" in first and "page 1 of 2" in first
    # Plain links that htmx turns into a swap of the list alone.
    assert '<a id="overview-next" rel="next" href="?page=2" hx-get="?page=2">' in first
    assert 'id="overview-previous"' not in first
    assert '<a id="overview-previous" rel="prev" href="?page=1" hx-get="?page=1">' in second
    pager = first[first.index('<nav id="overview-pager" class="sp-pager"') :]
    assert 'hx-target="#overview"' in pager and 'hx-push-url="true"' in pager


def test_a_single_page_has_no_pager(reporter_web, hanoi):
    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    assert 'class="sp-pager"' not in html


def test_open_disputes_come_first_the_most_recently_active_first(reporter_web, reporter, db):
    quiet, busy, settled = (build_dispute(parties=2, claims_per_account=1) for _ in range(3))
    services.update_dispute(dispute=settled, by=reporter, status="settled")
    claim = Claim.objects.filter(account__dispute=quiet).first()
    services.record_corroboration(
        claim=claim, by=reporter, source=SourceFactory(), stance="supports", quote="It happened."
    )

    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    # The quiet dispute has just become the most active; the settled one,
    # edited last of all, still comes after every open one.
    assert dispute_titles(html) == [quiet.title, busy.title, settled.title]


def test_a_pager_link_with_htmx_gets_the_list_of_that_page_alone(reporter_web, db):
    DisputeFactory.create_batch(OVERVIEW_PAGE_SIZE + 1)

    response = reporter_web.get(reverse("dashboard:overview"), {"page": 2}, headers=poll_headers())

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="overview"')
    assert "<html" not in html
    assert len(dispute_titles(html)) == 1
    assert f'hx-get="/?page=2&amp;since={Change.latest_id()}"' in html


def test_the_poll_refreshes_the_page_the_user_is_on(reporter_web, reporter, db):
    DisputeFactory.create_batch(OVERVIEW_PAGE_SIZE)
    last = build_dispute(parties=1, claims_per_account=1)
    services.update_dispute(dispute=last, by=reporter, status="settled")
    since = Change.latest_id()
    claim = Claim.objects.get(account__dispute=last)
    services.record_corroboration(
        claim=claim,
        by=reporter,
        source=SourceFactory(name="Yonhap"),
        stance="supports",
        quote="Yes.",
    )

    response = reporter_web.get(
        reverse("dashboard:overview"), {"page": 2, "since": since}, headers=poll_headers()
    )

    html = response.content.decode()
    assert dispute_titles(html) == [last.title]
    assert "Yonhap supports claim" in html
    assert f'hx-get="/?page=2&amp;since={Change.latest_id()}"' in html


@pytest.mark.parametrize("page", ["0", "-1", "two", "99"])
def test_a_page_number_out_of_range_gets_the_nearest_page_not_an_error(reporter_web, db, page):
    DisputeFactory.create_batch(OVERVIEW_PAGE_SIZE + 1)

    response = reporter_web.get(reverse("dashboard:overview"), {"page": page})

    assert response.status_code == 200
    assert len(dispute_titles(response.content.decode())) in (1, OVERVIEW_PAGE_SIZE)


def test_a_sparkline_draws_only_the_latest_scores_of_a_long_history(reporter_web, hanoi):
    account = hanoi.us_account
    ScoreSnapshot.objects.bulk_create(
        ScoreSnapshot(account=account, score=n / 100, verdict="contested", cause="test")
        for n in range(1, 51)
    )

    html = reporter_web.get(reverse("dashboard:overview")).content.decode()

    us = html[html.index(">United States</h3>") :]
    assert 'aria-label="Score over the last 40 changes: from 0.11 to 0.50"' in us
