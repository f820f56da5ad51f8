"""
ClaimReview markup pasted as it comes into a partner's page: docs/api.md
tells partners to embed the body in a <script type="application/ld+json">,
so no text a claim carries may close that element.
"""

import json
import os

import pytest

from publishing import services as publishing
from tests.dashboard import test_browser
from tests.factories import ClaimFactory, SourceFactory

# The suite's Chromium (Debian's, driven by Playwright), not launched a second way.
CHROMIUM = test_browser.CHROMIUM
browser = test_browser.browser

# Each payload closes the JSON-LD <script>, opens one of its own, and leaves
# a mark if it runs. (No double quotes: JSON escapes them, and a script
# broken by the escape would pass the test without the markup being safe.)
CLAIM_TEXT = (
    "Kim wanted sanctions lifted </script><script>window.injected = 'claim text';"
    " alert(document.title)</script>"
)
SOURCE_NAME = (
    "Ri Yong-ho </script><script>window.injected = 'source name'; alert(document.title)</script>"
)
DISPUTE = "hanoi-summit-sanctions"


@pytest.fixture
def hostile(hanoi):
    """Two claims in the Hanoi story: one whose text and one whose speaker's name is a payload."""
    by_text = ClaimFactory(account=hanoi.nk_account, text=CLAIM_TEXT, speaker=hanoi.ri)
    by_speaker = ClaimFactory(
        account=hanoi.nk_account,
        text="We asked only for partial relief.",
        speaker=SourceFactory(name=SOURCE_NAME, kind="official"),
    )
    # Partners read the claims once an editor has released them.
    publishing.republish(dispute=hanoi.dispute, by=None, note="Two claims added.")
    return {"claim text": by_text, "source name": by_speaker}


def claim_reviewed(body: dict, claim) -> dict:
    graph = body.get("@graph", [body])
    (review,) = [r for r in graph if r["url"].endswith(f"/api/v1/claims/{claim.pk}/")]
    return review


def payload_in(review: dict, vector: str) -> str:
    if vector == "claim text":
        return review["claimReviewed"]
    return review["itemReviewed"]["author"]["name"]


# (where the payload sits, whether the markup is the claim's or its dispute's @graph)
CASES = [
    pytest.param("claim text", "claim", id="claim-text"),
    pytest.param("source name", "claim", id="speaker-name"),
    pytest.param("claim text", "dispute", id="dispute-graph-claim-text"),
    pytest.param("source name", "dispute", id="dispute-graph-speaker-name"),
]


def review_url(markup: str, claim) -> str:
    if markup == "claim":
        return f"/api/v1/claims/{claim.pk}/claimreview/"
    return f"/api/v1/disputes/{DISPUTE}/claimreview/"


@pytest.mark.parametrize("vector, markup", CASES)
def test_claim_review_escapes_markup_characters_and_keeps_the_text(
    partner_client, hostile, vector, markup
):
    claim = hostile[vector]

    response = partner_client.get(review_url(markup, claim))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    for character in (b"<", b">", b"&"):
        assert character not in response.content
    assert b"\\u003c/script\\u003e" in response.content
    payload = CLAIM_TEXT if vector == "claim text" else SOURCE_NAME
    assert payload_in(claim_reviewed(json.loads(response.content), claim), vector) == payload


def test_claim_review_escapes_ampersands_and_line_separators(partner_client, hanoi):
    text = "Sanctions & relief\u2028were on the table\u2029, he said."
    claim = ClaimFactory(account=hanoi.us_account, text=text, speaker=hanoi.trump)
    publishing.republish(dispute=hanoi.dispute, by=None, note="A claim added.")

    response = partner_client.get(f"/api/v1/claims/{claim.pk}/claimreview/")

    assert b"Sanctions \\u0026 relief\\u2028were on the table\\u2029" in response.content
    assert json.loads(response.content)["claimReviewed"] == text


def test_json_api_still_writes_markup_characters_as_they_are(partner_client, hostile):
    # Only the JSON-LD is meant to be pasted into HTML; the JSON API keeps
    # its bytes (and the ETags partners hold for them).
    claim = hostile["claim text"]

    response = partner_client.get(f"/api/v1/claims/{claim.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert CLAIM_TEXT.encode() in response.content


@pytest.mark.browser
@pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)
@pytest.mark.parametrize("vector, markup", CASES)
def test_claim_review_pasted_into_a_partner_page_runs_no_script(
    browser, partner_client, hostile, vector, markup
):
    claim = hostile[vector]
    body = partner_client.get(review_url(markup, claim)).content.decode()
    # A partner's story page as docs/api.md describes it: no CSP of its own,
    # the markup pasted between the tags as it came.
    story = (
        "<!doctype html><html><head><title>Partner story</title>"
        f'<script type="application/ld+json">{body}</script>'
        "</head><body><p>What was said at the summit.</p></body></html>"
    )
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.set_content(story)

    assert dialogs == []
    assert page.evaluate("typeof window.injected") == "undefined"
    assert page.locator("script").count() == 1
    # And the page still holds the markup search engines read.
    markup_read = page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    payload = CLAIM_TEXT if vector == "claim text" else SOURCE_NAME
    assert payload_in(claim_reviewed(markup_read, claim), vector) == payload
