"""
The 403 and 404 pages in production mode: the dashboard's navigation and a
sentence saying why, for a full page and for htmx alike; API paths keep their
JSON errors.
"""

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Corroboration
from sources.models import Source

MAIN_NAV = '<nav aria-label="Main">'


@pytest.fixture(autouse=True)
def production_mode(settings):
    # Django shows its debug page for a 404 when DEBUG is on; the desk never runs so.
    settings.DEBUG = False


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_missing_page_shows_the_navigation_and_says_why(viewer, django_assert_max_num_queries):
    client = signed_in(viewer)
    # session, user, and two for the permissions that decide the header's Webhooks link.
    with django_assert_max_num_queries(2 + 2):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert MAIN_NAV in html
    assert "Page not found" in html
    assert "There is nothing at <code>/no-such-page/</code>" in html
    assert "Traceback" not in html


def test_missing_claim_is_the_same_page_not_found(viewer):
    response = signed_in(viewer).get(reverse("dashboard:claim", args=[999_999]))
    assert response.status_code == 404
    assert MAIN_NAV in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_missing_page_for_htmx_is_a_404_with_the_sentence_not_a_500(viewer):
    response = signed_in(viewer).get(
        reverse("dashboard:claim", args=[999_999]),
        headers={"HX-Request": "true", "HX-Target": "claim-score"},
    )
    assert response.status_code == 404
    assert "There is nothing at" in response.content.decode()


def test_missing_page_signed_out_offers_sign_in_and_no_navigation(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert MAIN_NAV not in html
    assert f'href="{reverse("login")}"' in html


def test_api_paths_keep_their_json_404(viewer):
    response = signed_in(viewer).get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "Page not found" not in response.content.decode()


def test_editor_may_open_the_new_source_form(editor):
    response = signed_in(editor).get(reverse("dashboard:source_add"))
    assert response.status_code == 200


def test_viewer_refused_the_new_source_form_sees_why_with_the_navigation(
    viewer, django_assert_max_num_queries
):
    client = signed_in(viewer)
    # The session, the user, the permission check's two, the user's groups.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("dashboard:source_add"))
    assert response.status_code == 403
    html = response.content.decode()
    assert MAIN_NAV in html
    assert "You cannot do this with your role" in html
    assert "signed in as <strong>viewer</strong>" in html
    assert "(Viewers)" in html
    assert "viewers read" in html


def test_viewer_posting_a_source_is_refused_with_the_page_and_nothing_saved(viewer):
    before = Source.objects.count()
    response = signed_in(viewer).post(
        reverse("dashboard:source_add"), {"name": "Reuters", "reliability": "A"}
    )
    assert response.status_code == 403
    assert "You cannot do this with your role" in response.content.decode()
    assert Source.objects.count() == before


def test_viewer_removing_evidence_through_htmx_gets_a_403_with_the_sentence(viewer, hanoi):
    evidence = Corroboration.objects.filter(claim=hanoi.nk_claim).first()
    response = signed_in(viewer).post(
        reverse("dashboard:delete_corroboration", args=[evidence.pk]),
        headers={"HX-Request": "true", "HX-Target": "corroboration-form"},
    )
    assert response.status_code == 403
    assert "You cannot do this with your role" in response.content.decode()
    assert Corroboration.objects.count() == hanoi.corroboration_count
