"""The dispute page: a column per account, claims with verdicts and who corroborated them."""

import re

import pytest
from django.urls import reverse

from tests.factories import build_dispute


def accounts_partial() -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": "accounts"}


@pytest.fixture
def web(client, viewer):
    # Reading a dispute needs no more than the Viewers' role.
    client.force_login(viewer)
    return client


def url(dispute) -> str:
    return reverse("dashboard:dispute", args=[dispute.slug])


def column(html: str, party: str) -> str:
    start = html.index(f">{party}</h2>")
    end = html.find('class="column"', start)
    return html[start : end if end != -1 else len(html)]


def test_dispute_page_requires_login(client, hanoi):
    response = client.get(url(hanoi.dispute))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_account_is_a_column_with_its_claims_verdicts_and_scores(web, hanoi):
    response = web.get(url(hanoi.dispute))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="column"') == 2
    us = column(html, "United States")
    assert "they wanted the sanctions lifted in their entirety" in us
    assert (
        '<span class="badge v-mostly_contradicted">Mostly contradicted</span> <span class="score">0.26</span>'
        in us
    )
    assert "Kim asked only for partial sanctions relief" not in us
    nk = column(html, "North Korea")
    assert "Kim asked only for partial sanctions relief" in nk
    assert (
        '<span class="badge v-mostly_corroborated">Mostly corroborated</span> <span class="score">0.74</span>'
        in nk
    )
    assert nk.count('class="claim-card"') == 3


def test_chips_name_each_source_with_stance_grade_affiliation_and_anonymity(web, hanoi):
    html = web.get(url(hanoi.dispute)).content.decode()

    us = column(html, "United States")
    chips = re.findall(r'<li class="chip (s-[a-z_]+)[ "].*?</li>', us, flags=re.S)
    assert chips.count("s-contradicts") == 3
    assert chips.count("s-partly_supports") == 1
    ap_chip = re.search(
        r'<li class="chip s-contradicts"[^>]*The Associated Press contradicts.*?</li>', us, re.S
    ).group()
    assert '<abbr class="grade" title="Reliability B · usually reliable">B</abbr>' in ap_chip
    assert '<span class="affiliation">independent</span>' in ap_chip
    assert "Contradicts:" in ap_chip  # the stance in words, not only in colour
    official = re.search(r'<li class="chip s-partly_supports[ "].*?</li>', us, re.S).group()
    assert "Senior U.S. official (unnamed)" in official
    assert '<span class="affiliation">United States</span>' in official
    assert '<span class="anon">anonymous</span>' in official


def test_htmx_filter_request_gets_only_the_columns_partial(web, hanoi):
    response = web.get(url(hanoi.dispute), {"q": "sanctions"}, headers=accounts_partial())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="accounts"')
    assert "<html" not in html and 'id="claim-filter"' not in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(web, hanoi):
    # After Back, htmx may ask for the pushed URL again to rebuild the whole page.
    response = web.get(
        url(hanoi.dispute),
        {"q": "sanctions"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_filter_by_verdict_keeps_only_matching_claims(web, hanoi):
    html = web.get(
        url(hanoi.dispute), {"verdict": "unverified"}, headers=accounts_partial()
    ).content.decode()

    assert "Showing 2 of 4 claims" in html
    assert "permanent halt" in html and "lost his will" in html
    assert "sanctions lifted in their entirety" not in html
    assert "No claim matches the filter." in column(html, "United States")


def test_search_matches_claim_text_and_speaker_name(web, hanoi):
    by_text = web.get(
        url(hanoi.dispute), {"q": "entirety"}, headers=accounts_partial()
    ).content.decode()
    by_speaker = web.get(
        url(hanoi.dispute), {"q": "choe"}, headers=accounts_partial()
    ).content.decode()

    assert "Showing 1 of 4 claims" in by_text and "in their entirety" in by_text
    assert "Showing 1 of 4 claims" in by_speaker and "lost his will" in by_speaker


def test_filter_works_as_a_plain_get_form_and_keeps_its_values(web, hanoi):
    response = web.get(url(hanoi.dispute), {"q": "entirety", "verdict": "mostly_contradicted"})

    html = response.content.decode()
    assert "<html" in html
    assert "Showing 1 of 4 claims" in html
    assert 'name="q" value="entirety"' in html
    assert '<option value="mostly_contradicted" selected>' in html


def test_filter_form_is_debounced_and_pushes_its_url(web, hanoi):
    html = web.get(url(hanoi.dispute)).content.decode()

    form = re.search(r'<form id="claim-filter".*?>', html, re.S).group()
    assert 'method="get"' in form and f'action="{url(hanoi.dispute)}"' in form
    assert "input changed delay:300ms" in form
    assert 'hx-push-url="true"' in form
    assert '<label for="id_q">Search claims</label>' in html
    assert '<label for="id_verdict">Verdict</label>' in html


def test_unknown_verdict_is_reported_beside_the_field_and_ignored(web, hanoi):
    response = web.get(url(hanoi.dispute), {"verdict": "true-ish"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_verdict_error"' in html
    assert "Select a valid choice" in html
    assert 'aria-describedby="id_verdict_error"' in html
    assert "4 claims" in html


def test_unknown_dispute_is_404(web, hanoi):
    response = web.get(reverse("dashboard:dispute", args=["no-such-dispute"]))

    assert response.status_code == 404


@pytest.mark.parametrize("size", [1, 4])
def test_dispute_page_runs_a_fixed_number_of_queries(web, size, django_assert_max_num_queries):
    dispute = build_dispute(parties=2, claims_per_account=size, evidence_per_claim=size)

    # session, user, the change log's newest id (the live poll's cursor), two
    # for the permissions that offer the authoring links, dispute, accounts
    # with their evidence for and against, claims, corroborations with their
    # sources; in plain words: what each account's score is made of (grouped
    # by verdict), and the claims' explanations (origin roots, the
    # dispute's parties; the evidence is the one already read); its
    # publication to partners (views/publication.py).
    with django_assert_max_num_queries(13):
        response = web.get(url(dispute))

    columns = response.content.decode().split('<div id="accounts"')[1]
    assert columns.count('class="claim-card"') == 2 * size
    assert columns.count('<li class="chip ') == 2 * size * size


def test_filtered_partial_runs_a_fixed_number_of_queries(web, django_assert_max_num_queries):
    dispute = build_dispute(parties=2, claims_per_account=4, evidence_per_claim=3)

    with django_assert_max_num_queries(9):
        response = web.get(
            url(dispute), {"q": "statement", "verdict": "corroborated"}, headers=accounts_partial()
        )

    assert response.status_code == 200


def chips_of(html: str, claim) -> list[str]:
    """The chips of one claim's card: each chip's class."""
    card = html[html.index(f'id="claim-card-{claim.pk}"') :]
    card = card[: card.index("</ul>")]
    return re.findall(r'<li class="chip ([a-z_-]+)', card)


@pytest.mark.parametrize(("items", "more"), [(8, 0), (9, 1), (20, 12)])
def test_a_claim_card_shows_at_most_eight_chips_and_links_to_the_rest(web, items, more):
    from claims.models import Claim

    dispute = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=items)
    claim = Claim.objects.filter(account__dispute=dispute).order_by("pk").first()

    html = web.get(url(dispute)).content.decode()

    chips = chips_of(html, claim)
    assert len([chip for chip in chips if chip != "chip-more"]) == min(items, 8)
    if more:
        assert chips[-1] == "chip-more"
        link = re.search(r'<li class="chip chip-more"><a href="([^"]+)">\+(\d+) more', html)
        assert link.group(1) == f"{claim.get_absolute_url()}#evidence"
        assert int(link.group(2)) == more
    else:
        assert "chip-more" not in chips
