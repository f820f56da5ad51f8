"""
Scores in plain words beside the numbers: what an account's score is made
of, which evidence weighs most on a claim, the gauge's bands and basis, the
"How scores work" page, evidence that does not count, evidence counted for
and against, and claims named by their words.
"""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Corroboration
from claims.scoring import ClaimScore, ExplainedItem
from dashboard.selectors.plain_words import AccountMakeup, VerdictGroup, weighs_most
from tests.factories import (
    AccountFactory,
    ClaimFactory,
    CorroborationFactory,
    DisputeFactory,
    PartyFactory,
    SourceFactory,
    build_dispute,
)


@pytest.fixture
def web(client, viewer):
    client.force_login(viewer)
    return client


def text(html: str) -> str:
    """What a reader sees: the words without tags, spacing collapsed, entities decoded."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" (?=[,.;:)])", "", words)


def element(html: str, css_class: str, after: str = "") -> str:
    """The text of the first element with the class, after the marker if one is given."""
    start = html.index(after) if after else 0
    found = re.search(rf'class="{css_class}[^"]*"[^>]*>(.*?)</(p|span|li|dd)>', html[start:], re.S)
    assert found, f"no {css_class} after {after!r}"
    return text(found.group(1))


NK_MAKEUP = (
    "0.64 — the weighted average of 3 claims: one mostly corroborated (0.74), "
    "two with no evidence counted yet (0.50). Claims with more evidence weigh more."
)
US_MAKEUP = "0.26 — the score of its one claim, mostly contradicted."
US_WEIGHS_MOST = (
    "Weighs most: The Associated Press, independent, contradicts it; an anonymous United "
    "States official, against its own side's interest, partly contradicts it; two more weigh less."
)
NK_WEIGHS_MOST = (
    "Weighs most: An anonymous United States official, against its own side's interest, "
    "supports it; The Associated Press, independent, supports it; one more weighs less."
)


# What an account's score is made of


def test_overview_account_cards_say_what_their_score_is_made_of(web, hanoi):
    html = web.get(reverse("dashboard:overview")).content.decode()

    assert element(html, "account-makeup", ">North Korea</h3>") == NK_MAKEUP
    assert element(html, "account-makeup", ">United States</h3>") == US_MAKEUP


def test_dispute_column_heads_say_what_the_account_score_is_made_of(web, hanoi):
    html = web.get(hanoi.dispute.get_absolute_url()).content.decode()

    assert element(html, "account-makeup", ">North Korea</h2>") == NK_MAKEUP
    assert element(html, "account-makeup", ">United States</h2>") == US_MAKEUP


def test_the_claim_page_says_what_its_account_score_is_made_of(web, hanoi):
    html = web.get(hanoi.nk_claim.get_absolute_url()).content.decode()

    account_card = html[html.index('id="account-score"') :]
    assert element(account_card, "account-makeup") == NK_MAKEUP


def test_the_makeup_follows_the_evidence(web, reporter, hanoi):
    services.record_corroboration(
        claim=hanoi.claims["test_halt"],
        by=reporter,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="contradicts",
        quote="No written offer was made.",
    )

    html = web.get(reverse("dashboard:overview")).content.decode()

    makeup = element(html, "account-makeup", ">North Korea</h3>")
    assert "one mostly corroborated (0.74), one mostly contradicted (0.34), " in makeup
    assert "one with no evidence counted yet (0.50)" in makeup


def test_an_account_with_no_claims_says_so(web, db):
    account = AccountFactory(party=PartyFactory(name="Observers"))

    html = web.get(account.dispute.get_absolute_url()).content.decode()

    assert element(html, "account-makeup", ">Observers</h2>") == (
        "No claims yet: the account stays at 0.50, unverified."
    )
    assert element(html, "account-evidence", ">Observers</h2>") == "Evidence: none yet"


def test_claims_of_one_verdict_show_the_range_of_their_scores_counted_in_words():
    makeup = AccountMakeup(
        score=0.38,
        groups=(
            VerdictGroup("mostly_contradicted", 3, 0.31, 0.444),
            VerdictGroup("unverified", 12, 0.5, 0.5),
        ),
        weighted=True,
    )

    assert makeup.sentence == (
        "0.38 — the weighted average of 15 claims: three mostly contradicted (0.31–0.44), "
        "12 with no evidence counted yet (0.50). Claims with more evidence weigh more."
    )


def test_an_account_whose_claims_have_no_evidence_is_a_plain_average():
    makeup = AccountMakeup(
        score=0.5, groups=(VerdictGroup("unverified", 2, 0.5, 0.5),), weighted=False
    )

    assert makeup.sentence == (
        "0.50 — the average of 2 claims, both with no evidence counted yet (0.50)."
    )


# Which evidence weighs most on a claim


def test_the_claim_page_says_which_evidence_weighs_most_and_why(web, hanoi):
    us = web.get(hanoi.us_claim.get_absolute_url()).content.decode()
    nk = web.get(hanoi.nk_claim.get_absolute_url()).content.decode()

    assert element(us[us.index('id="claim-score"') :], "claim-why") == US_WEIGHS_MOST
    assert element(nk[nk.index('id="claim-score"') :], "claim-why") == NK_WEIGHS_MOST


def test_the_dispute_pages_claim_cards_say_which_evidence_weighs_most(web, hanoi):
    html = web.get(hanoi.dispute.get_absolute_url()).content.decode()

    assert element(html, "claim-why", f'id="claim-card-{hanoi.us_claim.pk}"') == US_WEIGHS_MOST
    assert element(html, "claim-why", f'id="claim-card-{hanoi.nk_claim.pk}"') == NK_WEIGHS_MOST


def test_a_claim_with_no_evidence_says_so(web, hanoi):
    claim = hanoi.claims["test_halt"]

    html = web.get(claim.get_absolute_url()).content.decode()

    assert element(html[html.index('id="claim-score"') :], "claim-why") == "No evidence yet."


def test_a_claim_none_of_whose_evidence_counts_says_why(web, hanoi):
    # Refused by the services; written behind their back it is ignored, and said so.
    Corroboration.objects.create(
        claim=hanoi.claims["test_halt"],
        source=hanoi.ri,
        stance="supports",
        quote="I said so.",
        observed_at=hanoi.claims["test_halt"].stated_at,
    )

    html = web.get(hanoi.claims["test_halt"].get_absolute_url()).content.decode()

    assert element(html[html.index('id="claim-score"') :], "claim-why") == (
        "None of its evidence counts: Ri Yong Ho (the speaker cannot corroborate their own claim)."
    )


def item(source_name, interest, stance, weight, *, anonymous_id=None):
    support = weight if "supports" in stance else 0.0
    return ExplainedItem(
        evidence_id=int(weight * 100),
        source_id=anonymous_id or 0,
        source_name=source_name,
        stance=stance,
        counted=True,
        reason=interest,
        w=weight,
        support=support,
        contradiction=weight - support,
        interest=interest,
    )


def test_each_interest_case_has_its_words():
    cases = [
        ("self_serving", "supports", "self-serving"),
        ("adversarial", "contradicts", "adversarial"),
        ("retraction", "contradicts", "its own speaker"),
    ]
    for interest, stance, words in cases:
        explanation = ClaimScore(0.4, "contested", 0.0, 0.5, (item("X", interest, stance, 0.5),))

        assert weighs_most(explanation, {}) == (
            f"Rests on one piece of evidence: X, {words}, {stance} it."
        )


# The gauge: its bands, and what the score rests on


def gauge_of(html: str, after: str) -> str:
    start = html.index(after)
    start = html.index('<div class="gauge ', start)
    return html[start : html.index('class="gauge-help"', start)]


def test_gauges_mark_the_verdict_bands_edges(web, hanoi):
    html = web.get(reverse("dashboard:overview")).content.decode()

    gauge = gauge_of(html, ">North Korea</h3>")
    labels = re.findall(r'<text class="tick-label"[^>]*>([^<]*)</text>', gauge)
    assert labels == [".25", ".40", ".60", ".75"]
    assert gauge.count('<line class="tick"') == 4
    assert 'aria-hidden="true"' in gauge


def test_the_bands_marked_are_those_of_the_settings(web, hanoi, settings):
    settings.CLAIMDESK_SCORING = {
        **settings.CLAIMDESK_SCORING,
        "VERDICT_BANDS": {
            "corroborated": 0.8,
            "mostly_corroborated": 0.65,
            "contested": 0.35,
            "mostly_contradicted": 0.2,
        },
    }

    html = web.get(reverse("dashboard:overview")).content.decode()

    gauge = gauge_of(html, ">North Korea</h3>")
    assert re.findall(r'<text class="tick-label"[^>]*>([^<]*)</text>', gauge) == [
        ".20",
        ".35",
        ".65",
        ".80",
    ]


def test_no_evidence_and_contested_at_one_half_read_and_draw_differently(web, db):
    dispute = DisputeFactory()
    untested = ClaimFactory(account=AccountFactory(dispute=dispute, party=PartyFactory(name="A")))
    contested = ClaimFactory(account=AccountFactory(dispute=dispute, party=PartyFactory(name="B")))
    for stance in ("supports", "contradicts"):
        CorroborationFactory(claim=contested, source=SourceFactory(reliability="B"), stance=stance)
    contested.refresh_from_db()
    assert (round(contested.score, 6), contested.verdict) == (0.5, "contested")

    quiet = web.get(untested.get_absolute_url()).content.decode()
    weighed = web.get(contested.get_absolute_url()).content.decode()

    quiet_gauge, weighed_gauge = (
        gauge_of(quiet, 'id="claim-score"'),
        gauge_of(weighed, 'id="claim-score"'),
    )
    assert element(quiet_gauge, "gauge-basis") == "no evidence counted yet"
    assert element(weighed_gauge, "gauge-basis") == "rests on evidence weight 1.60"
    # Unverified is drawn dashed and hollow (app.css), contested solid.
    assert "gauge-unverified" in quiet_gauge and "gauge-unverified" not in weighed_gauge


def test_every_gauge_links_to_how_scores_work(web, hanoi):
    for url in (
        reverse("dashboard:overview"),
        hanoi.dispute.get_absolute_url(),
        hanoi.us_claim.get_absolute_url(),
    ):
        html = web.get(url).content.decode()

        gauges = html.count('<div class="gauge ')
        links = html.count(
            f'<p class="gauge-help"><a href="{reverse("dashboard:how_scores_work")}">'
            "How scores work</a></p>"
        )
        assert gauges >= 2 and links == gauges


# The "How scores work" page


def how(client):
    return client.get(reverse("dashboard:how_scores_work"))


def test_how_scores_work_needs_a_login(client, hanoi):
    response = how(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["viewer", "reporter", "editor"])
def test_every_role_reads_how_scores_work_from_the_main_navigation(client, request, role, hanoi):
    client.force_login(request.getfixturevalue(role))

    response = how(client)

    html = response.content.decode()
    assert response.status_code == 200
    start = html.index('<nav aria-label="Main">')
    nav = html[start : html.index("</nav>", start)]
    assert (
        f'<a href="{reverse("dashboard:how_scores_work")}" aria-current="page">How scores work</a>'
        in nav
    )


def table_rows(html: str, heading_id: str) -> list[str]:
    section = html[html.index(f'id="{heading_id}"') :]
    section = section[: section.index("</table>")]
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)][1:]


def test_the_tables_are_the_constants_the_desk_scores_with(web, hanoi):
    html = how(web).content.decode()

    assert table_rows(html, "stance") == [
        "supports +1",
        "partly supports +0.5",
        "partly contradicts −0.5",
        "contradicts −1",
    ]
    assert table_rows(html, "reliability")[0] == "A completely reliable 0.95"
    assert "of an opposing party contradicts 0.5 adversarial" in table_rows(html, "interest")
    assert "An anonymous source weighs 0.7 of a named one" in text(html)
    assert table_rows(html, "verdict-bands")[1:3] == [
        "0.75 or more Corroborated",
        "0.60 or more, below 0.75 Mostly corroborated",
    ]


def test_changing_the_constants_changes_the_page(web, hanoi, settings):
    scoring = settings.CLAIMDESK_SCORING
    settings.CLAIMDESK_SCORING = {
        **scoring,
        "RELIABILITY": {**scoring["RELIABILITY"], "A": 0.9},
        "ANONYMOUS_FACTOR": 0.6,
        "INTEREST": {**scoring["INTEREST"], "adversarial": 0.4},
        "VERDICT_BANDS": {**scoring["VERDICT_BANDS"], "corroborated": 0.8},
    }

    html = how(web).content.decode()

    assert table_rows(html, "reliability")[0] == "A completely reliable 0.9"
    assert "An anonymous source weighs 0.6 of a named one" in text(html)
    assert "of an opposing party contradicts 0.4 adversarial" in table_rows(html, "interest")
    assert table_rows(html, "verdict-bands")[1] == "0.80 or more Corroborated"
    # The worked examples are computed with the constants as they now stand.
    worked = text(html[html.index(f'id="hanoi-claim-{hanoi.us_claim.pk}"') :])
    assert "Ri Yong Ho adversarial (opposing party, contradicting) Contradicts 0.60 0.40" in worked


def test_the_hanoi_numbers_are_read_live(web, reporter, hanoi):
    before = text(how(web).content.decode())
    assert "North Korea’s account: 0.64, mostly corroborated" in before
    assert NK_MAKEUP in before
    assert "United States’s account: 0.26, mostly contradicted" in before
    assert "= 0.262, mostly contradicted (evidence weight 1.82)" in before
    assert US_WEIGHS_MOST in before

    services.record_corroboration(
        claim=hanoi.us_claim,
        by=reporter,
        source=SourceFactory(name="Yonhap", reliability="A"),
        stance="contradicts",
        quote="Not all sanctions.",
    )

    after = text(how(web).content.decode())
    assert "United States’s account: 0.21, contradicted" in after
    assert "Yonhap independent Contradicts 0.95 1.00 1.00 0.950" in after


def test_without_the_hanoi_story_the_page_still_explains_and_says_so(web, db):
    response = how(web)

    page = text(response.content.decode())
    assert response.status_code == 200
    assert "A claim’s score and verdict Score = (1 +" in page
    assert "The Hanoi story is not in this desk’s database" in page


def test_how_scores_work_runs_a_fixed_number_of_queries(
    web, reporter, hanoi, django_assert_max_num_queries
):
    for _ in range(6):
        CorroborationFactory(claim=hanoi.nk_claim, source=SourceFactory(), stance="supports")
        ClaimFactory(account=hanoi.us_account, speaker=hanoi.trump)

    # session, user; the Hanoi dispute, its accounts, what their scores are
    # made of, its claims, the worked claims' explanations (3) and sources;
    # two for the permissions that decide the header's Webhooks link.
    with django_assert_max_num_queries(10 + 2):
        response = how(web)

    assert response.status_code == 200


# Evidence that does not count


def test_dispute_page_chips_strike_through_evidence_that_does_not_count_with_the_reason(web, hanoi):
    html = web.get(hanoi.dispute.get_absolute_url()).content.decode()

    card = html[html.index(f'id="claim-card-{hanoi.us_claim.pk}"') :]
    card = card[: card.index("</ol>")]
    struck = re.findall(r'<li class="chip [^"]*not-counted"(.*?)</li>', card, re.S)
    assert len(struck) == 1
    assert "Senior U.S. official (unnamed)" in struck[0]
    assert (
        '<span class="chip-reason">does not count: superseded by a later item from the same '
        "source</span>" in struck[0]
    )
    assert card.count('<li class="chip ') == 5


def test_the_claim_page_still_marks_evidence_that_does_not_count(web, hanoi):
    html = web.get(hanoi.us_claim.get_absolute_url()).content.decode()

    struck = re.findall(r'<li id="corroboration-\d+" class="evidence-item [^"]*not-counted"', html)
    assert len(struck) == 1
    assert "Does not count: superseded by a later item from the same source." in text(html)


# Evidence counted for and against


def test_dispute_column_heads_count_the_evidence_for_and_against(web, hanoi):
    html = web.get(hanoi.dispute.get_absolute_url()).content.decode()

    assert element(html, "account-evidence", ">United States</h2>") == "Evidence: 1 for, 4 against"
    assert element(html, "account-evidence", ">North Korea</h2>") == "Evidence: 3 for, 0 against"


# The dispute page's words cost the same however many claims


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dispute_pages_words_cost_the_same_for_many_claims(web, db):
    small = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    large = build_dispute(parties=3, claims_per_account=8, evidence_per_claim=4)
    web.get(small.get_absolute_url())  # the session, warmed

    assert queries_for(web, large.get_absolute_url()) == queries_for(web, small.get_absolute_url())
    html = web.get(large.get_absolute_url()).content.decode()
    assert html.count('<p class="claim-why">') == 3 * 8
    assert html.count('<p class="account-makeup">') == 3


# Claims named by their words


def test_the_activity_feed_names_claims_by_their_words_and_party(web, editor, hanoi):
    services.update_claim(claim=hanoi.us_claim, by=editor, appearance="https://example.org/")

    page = text(web.get(reverse("dashboard:activity")).content.decode())

    assert (
        "Claim “Basically, they wanted the sanctions lifted in their…” (United States) edited"
        in page
    )
    assert f"claim {hanoi.us_claim.pk}" not in page


def test_a_deleted_claim_is_still_named_by_its_words(web, editor, hanoi):
    claim = ClaimFactory(
        account=hanoi.nk_account, speaker=hanoi.choe, text="Kim never asked for anything at all."
    )
    services.delete_claim(claim=claim, by=editor)

    page = text(web.get(reverse("dashboard:activity")).content.decode())

    assert "Claim “Kim never asked for anything at all.” (North Korea) deleted" in page


def test_a_change_to_a_claim_whose_summary_does_not_name_it_says_which(web, hanoi):
    html = web.get(reverse("dashboard:activity"), {"kind": "claims"}).content.decode()

    created = Change.objects.get(object_type="claim", object_id=hanoi.us_claim.pk, action="created")
    entry = html[html.index(f'id="change-{created.pk}"') :]
    entry = entry[: entry.index("</li>")]
    assert text(entry).endswith(
        "Claim by Donald Trump recorded · claim “Basically, they wanted the sanctions lifted in "
        "their…” (United States) by the system"
    )


def test_the_overview_names_the_claim_of_the_last_change(web, reporter, hanoi):
    services.record_corroboration(
        claim=hanoi.nk_claim,
        by=reporter,
        source=SourceFactory(name="Yonhap"),
        stance="supports",
        quote="Partial relief, as Ri said.",
    )

    html = web.get(reverse("dashboard:overview")).content.decode()

    assert element(html, "change-summary", ">North Korea</h3>").endswith(
        "evidence recorded: Yonhap supports claim “Kim asked only for partial sanctions relief "
        "in…” (North Korea)"
    )


def test_naming_claims_costs_the_same_however_many_were_deleted(
    web, editor, hanoi, django_assert_max_num_queries
):
    for n in range(12):
        claim = ClaimFactory(account=hanoi.nk_account, speaker=hanoi.choe, text=f"Claim {n}.")
        services.update_claim(claim=claim, by=editor, appearance="https://example.org/")
        if n % 2:
            services.delete_claim(claim=claim, by=editor)

    # session, user, the page of changes with their actors, and one query per
    # kind of object on it: sources, claims (those deleted: one more, from
    # their history), evidence, the dispute, the accounts, the parties.
    with django_assert_max_num_queries(10):
        response = web.get(reverse("dashboard:activity"))

    assert "Claim “Claim 11.” (North Korea) deleted" in text(response.content.decode())
