"""
The "Similar claims" box of the claim forms: as a reporter types a claim,
the claims on the desk it may repeat; suggestions only, nothing written.

The model loads once per test process (intake.matching keeps it), about a
second, at the first test that matches.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.dashboard.test_authoring import desk_state, htmx
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

BOX = "similar-claims"
TEST_HALT_KO = (
    "북한은 핵실험과 대륙간탄도미사일 시험의 영구 중단을 문서로 제안할 준비가 되어 있었다."
)


@pytest.fixture
def login(client, request):
    def as_role(role: str):
        client.force_login(request.getfixturevalue(role))
        return client

    return as_role


def ask(client, text: str, **extra) -> str:
    response = client.get(
        reverse("dashboard:claim_similar"), {"text": text, **extra}, headers=htmx(BOX)
    )
    assert response.status_code == 200
    return response.content.decode()


def items(html: str) -> list[str]:
    return [unescape(re.sub(r"\s+", " ", li)) for li in re.findall(r"<li>(.*?)</li>", html, re.S)]


# Who may ask


@pytest.mark.parametrize("role, expected", [("viewer", 403), ("reporter", 200), ("editor", 200)])
def test_only_those_who_may_add_or_change_claims_get_the_box(login, hanoi, role, expected):
    client = login(role)
    url = reverse("dashboard:claim_similar")
    for query in ({"text": "Kim asked for sanctions relief."}, {"claim": hanoi.nk_claim.pk}):
        response = client.get(url, query, headers=htmx(BOX))
        assert response.status_code == expected


def test_anonymous_is_sent_to_sign_in(client, hanoi):
    response = client.get(reverse("dashboard:claim_similar"), {"text": "Kim asked for relief."})
    assert response.status_code == 302 and "/login/" in response["Location"]


# What the box says


def test_the_box_shows_the_same_claim_in_korean_and_the_near_opposite_as_related(login, hanoi):
    korean = ClaimFactory(account=hanoi.nk_account, text=TEST_HALT_KO, speaker=hanoi.ri)
    client = login("reporter")

    html = ask(client, hanoi.claims["test_halt"].text)

    assert html.lstrip().startswith(f'<section id="{BOX}"')
    translation = next(li for li in items(html) if TEST_HALT_KO in li)
    assert "Same claim?" in translation
    assert reverse("dashboard:claim", args=[korean.pk]) in translation
    assert hanoi.dispute.title in translation and "North Korea" in translation
    assert re.search(r"\b\d{1,3}%", translation)

    opposite = next(
        li for li in items(ask(client, hanoi.us_claim.text)) if hanoi.nk_claim.text in li
    )
    assert "Related" in opposite and "Same claim?" not in opposite
    assert "Only related:" in opposite


def test_an_edit_leaves_its_own_claim_out(login, hanoi):
    html = ask(login("reporter"), hanoi.nk_claim.text, claim=hanoi.nk_claim.pk)
    assert items(html)
    assert reverse("dashboard:claim", args=[hanoi.nk_claim.pk]) not in html


@pytest.mark.parametrize("text", ["", "   ", "Kim said", "?!"])
def test_empty_or_short_text_asks_for_the_claim(login, hanoi, text):
    html = ask(login("reporter"), text)
    assert "Type the claim to see similar ones." in html
    assert "<li>" not in html


def test_asking_writes_nothing(login, hanoi):
    client = login("reporter")
    ask(client, "warm up the matcher with a few words")
    before = desk_state()

    ask(client, hanoi.us_claim.text, claim=hanoi.us_claim.pk)
    ask(client, "Kim demanded that all sanctions be lifted.")

    assert desk_state() == before


def test_the_box_takes_a_fixed_number_of_queries(login, hanoi, django_assert_max_num_queries):
    client = login("reporter")
    ask(client, "warm up the matcher with a few words")

    # The session and its user, the permission check (the user's and their
    # groups' permissions); the matcher's
    # freshness check and the candidates' texts; their disputes and parties.
    with django_assert_max_num_queries(7):
        html = ask(client, hanoi.us_claim.text)
    assert items(html)


def test_a_claim_or_account_that_is_not_a_number_is_a_400(login, hanoi):
    response = login("reporter").get(reverse("dashboard:claim_similar"), {"claim": "x"})
    assert response.status_code == 400


# The forms


@pytest.mark.parametrize("form", ["claim_add", "claim_edit"])
def test_the_claim_forms_hold_the_box_wired_to_the_text(login, hanoi, form):
    args = [hanoi.nk_account.pk] if form == "claim_add" else [hanoi.nk_claim.pk]
    html = login("reporter").get(reverse(f"dashboard:{form}", args=args)).content.decode()

    textarea = re.search(r'<textarea name="text"[^>]*>', html).group(0)
    url = reverse("dashboard:claim_similar")
    expected = url if form == "claim_add" else f"{url}?claim={hanoi.nk_claim.pk}"
    assert f'hx-get="{expected}"' in textarea
    assert 'hx-trigger="input changed delay:400ms"' in textarea
    assert f'hx-target="#{BOX}"' in textarea
    assert re.search(rf'aria-live="polite">\s*<section id="{BOX}"', html)
    # The box sits under the text, before the speaker.
    assert html.index(f'id="{BOX}"') < html.index('name="speaker"')
    assert re.search(rf'formmethod="get" formaction="{url}"', html)
    assert "<script>" not in html


def test_without_javascript_the_check_button_answers_the_form_as_typed_with_the_box(login, hanoi):
    client = login("reporter")
    typed = "Kim demanded that all sanctions be lifted."
    before = desk_state()

    response = client.get(
        reverse("dashboard:claim_similar"),
        {
            "csrfmiddlewaretoken": "abc",
            "text": typed,
            "speaker": "Ri Yong-ho",
            "account": hanoi.nk_account.pk,
        },
    )
    # The CSRF field the form carried is dropped from the address first.
    assert response.status_code == 302
    assert "csrfmiddlewaretoken" not in response["Location"]
    page = client.get(response["Location"])

    assert page.status_code == 200
    html = page.content.decode()
    assert f">\n{typed}</textarea>" in html
    assert 'value="Ri Yong-ho"' in html
    assert f'action="{reverse("dashboard:claim_add", args=[hanoi.nk_account.pk])}"' in html
    assert any(hanoi.nk_claim.text in li and "Related" in li for li in items(html))
    assert desk_state() == before


def test_without_javascript_an_edit_keeps_its_version_and_leaves_itself_out(login, hanoi):
    claim = hanoi.nk_claim
    html = (
        login("editor")
        .get(
            reverse("dashboard:claim_similar"),
            {"text": claim.text, "claim": claim.pk, "version": claim.version},
        )
        .content.decode()
    )

    assert f'name="version" value="{claim.version}"' in html
    assert f'action="{reverse("dashboard:claim_edit", args=[claim.pk])}"' in html
    box = html.split(f'id="{BOX}"')[1].split("</section>")[0]
    assert "<li>" in box
    assert reverse("dashboard:claim", args=[claim.pk]) not in box
