"""
Who may call the API: partner keys read, staff tokens and sessions write with
their role's model permissions, everything else is 401 or 403 and changes
nothing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from api.models import StaffToken
from claims.models import Corroboration, Dispute
from sources import services
from sources.models import Party
from tests.factories import SourceFactory

probe = pytest.mark.urls("tests.api.probe")


@pytest.fixture
def party(db):
    return services.create_party(by=None, name="United States", slug="united-states")


def key_client(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


# No or bad credentials


@probe
def test_no_credentials_answers_401_with_www_authenticate(party):
    response = APIClient().get("/probe/parties/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


@probe
@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Api-Key",
        "Api-Key a b",
        "Api-Key nosuch.secret",
        "Token nosuch.secret",
        "Api-Key no-dot-at-all",
        "Api-Key abc\x00def.secret",
    ],
)
def test_bad_credentials_answer_401(party, header):
    response = key_client(header).get("/probe/parties/")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


@probe
def test_partner_key_with_wrong_secret_is_refused(partner_key, party):
    prefix = partner_key.partition(".")[0]
    response = key_client(f"Api-Key {prefix}.not-the-secret").get("/probe/parties/")
    assert response.status_code == 401


def test_partner_keys_are_stored_hashed(partner_key):
    stored = APIKey.objects.get()
    assert partner_key.partition(".")[2] not in stored.hashed_key
    assert stored.hashed_key.startswith("sha512$$")


# Partners


@probe
def test_partner_key_reads(partner_client, party):
    response = partner_client.get("/probe/parties/")
    assert response.status_code == 200
    assert response.json()["results"][0]["slug"] == "united-states"


@probe
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_partner_key_cannot_write_and_nothing_changes(partner_client, party, method):
    url = "/probe/parties/" if method == "post" else f"/probe/parties/{party.pk}/"
    response = getattr(partner_client, method)(
        url, {"name": "North Korea", "slug": "north-korea"}, format="json"
    )
    assert response.status_code == 403
    assert list(Party.objects.values_list("name", "version")) == [("United States", 1)]


@probe
def test_revoked_partner_key_stops_working_at_once(partner_client, partner_key, party):
    assert partner_client.get("/probe/parties/").status_code == 200
    api_key = APIKey.objects.get_from_key(partner_key)
    api_key.revoked = True
    api_key.save()

    response = partner_client.get("/probe/parties/")

    assert response.status_code == 401
    assert "revoked" in response.content.decode()


@probe
def test_expired_partner_key_stops_working(partner_client, partner_key, party):
    APIKey.objects.filter(prefix=partner_key.partition(".")[0]).update(
        expiry_date=timezone.now() - timedelta(seconds=1)
    )
    response = partner_client.get("/probe/parties/")
    assert response.status_code == 401
    assert "expired" in response.content.decode()


@probe
def test_partner_key_not_yet_expired_works(party):
    _, key = APIKey.objects.create_key(
        name="Example Post", expiry_date=timezone.now() + timedelta(days=1)
    )
    assert key_client(f"Api-Key {key}").get("/probe/parties/").status_code == 200


@probe
def test_partner_reads_a_view_that_is_not_about_one_model(partner_client, party):
    assert partner_client.get("/probe/head/").status_code == 200


# Staff tokens


@probe
def test_staff_token_writes_with_its_users_permissions(editor_client, editor, db):
    response = editor_client.post(
        "/probe/parties/", {"name": "North Korea", "slug": "north-korea"}, format="json"
    )
    assert response.status_code == 201
    assert Party.objects.filter(slug="north-korea").exists()


def test_staff_tokens_are_stored_hashed(editor):
    token, key = StaffToken.objects.create_key(user=editor, name="laptop")
    assert key.partition(".")[2] not in StaffToken.objects.get(pk=token.pk).hashed_key


@probe
def test_revoked_staff_token_stops_working(editor_client, editor, party):
    assert editor_client.get("/probe/parties/").status_code == 200
    token = StaffToken.objects.get(user=editor)
    token.revoked = True
    token.save()

    response = editor_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "Edited."}, format="json"
    )

    assert response.status_code == 401
    party.refresh_from_db()
    assert party.description == ""


@probe
def test_expired_staff_token_stops_working(editor_client, editor, party):
    StaffToken.objects.filter(user=editor).update(expiry_date=timezone.now() - timedelta(minutes=1))
    assert editor_client.get("/probe/parties/").status_code == 401


@probe
def test_token_of_a_disabled_user_stops_working(editor_client, editor, party):
    editor.is_active = False
    editor.save()
    assert editor_client.get("/probe/parties/").status_code == 401


@probe
def test_reporter_cannot_add_a_party(reporter_client, db):
    response = reporter_client.post(
        "/probe/parties/", {"name": "North Korea", "slug": "north-korea"}, format="json"
    )
    assert response.status_code == 403
    assert not Party.objects.exists()


@probe
def test_viewer_reads_but_cannot_write(viewer_client, party):
    assert viewer_client.get(f"/probe/parties/{party.pk}/").status_code == 200
    response = viewer_client.patch(
        f"/probe/parties/{party.pk}/", {"description": "Edited."}, format="json"
    )
    assert response.status_code == 403
    party.refresh_from_db()
    assert party.description == ""


@probe
def test_nobody_writes_to_a_view_that_is_not_about_one_model(editor_client, party):
    assert editor_client.post("/probe/head/", {}, format="json").status_code == 403


# Sessions


@probe
def test_session_write_without_csrf_token_is_refused(editor, db):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        "/probe/parties/", {"name": "North Korea", "slug": "north-korea"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert not Party.objects.exists()


@probe
def test_session_write_with_csrf_token_goes_through(editor, db):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    # What the dashboard's pages hand the browser: the secret in the cookie,
    # echoed in the header.
    client.cookies["csrftoken"] = "s" * 32
    response = client.post(
        "/probe/parties/",
        {"name": "North Korea", "slug": "north-korea"},
        format="json",
        HTTP_X_CSRFTOKEN="s" * 32,
    )
    assert response.status_code == 201


# The real resources, as a partner and the newsroom's roles call them


def corroboration_body(hanoi) -> dict:
    reuters = SourceFactory(name="Reuters", kind="wire_service", reliability="A")
    return {
        "claim": hanoi.nk_claim.pk,
        "source": reuters.pk,
        "stance": "supports",
        "quote": "a demand they have been pushing for weeks",
        "observed_at": "2019-03-01T12:00:00Z",
    }


def test_api_without_credentials_answers_401(hanoi):
    response = APIClient().get("/api/v1/claims/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"]


def test_partner_reads_claims(partner_client, hanoi):
    assert partner_client.get("/api/v1/claims/").status_code == 200


def test_partner_cannot_add_corroboration(partner_client, hanoi):
    response = partner_client.post(
        "/api/v1/corroborations/", corroboration_body(hanoi), format="json"
    )
    assert response.status_code == 403
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_reporter_can_add_corroboration_and_score_moves(reporter_client, hanoi):
    before = hanoi.nk_claim.score
    response = reporter_client.post(
        "/api/v1/corroborations/", corroboration_body(hanoi), format="json"
    )
    assert response.status_code == 201
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.nk_claim.score > before


def test_reporter_cannot_open_a_dispute(reporter_client, hanoi):
    response = reporter_client.post(
        "/api/v1/disputes/",
        {"slug": "yongbyon", "title": "What was offered on Yongbyon?"},
        format="json",
    )
    assert response.status_code == 403
    assert not Dispute.objects.filter(slug="yongbyon").exists()


def test_editor_can_open_a_dispute(editor_client, hanoi):
    response = editor_client.post(
        "/api/v1/disputes/",
        {"slug": "yongbyon", "title": "What was offered on Yongbyon?"},
        format="json",
    )
    assert response.status_code == 201
    assert Dispute.objects.filter(slug="yongbyon").exists()


def test_viewer_cannot_add_corroboration(viewer_client, hanoi):
    response = viewer_client.post(
        "/api/v1/corroborations/", corroboration_body(hanoi), format="json"
    )
    assert response.status_code == 403
    assert Corroboration.objects.count() == hanoi.corroboration_count


def test_a_thread_per_request_leaves_no_connection_behind(db):
    # The development server answers each request in a new thread, with its
    # own database connection object: looking a key up there must not keep
    # those objects alive after their threads are gone (the cached key query
    # keeps at most the one it was built with), or memory grows per request.
    import gc
    import threading
    import weakref

    from django.db import connections

    from api.auth import find_key

    left_behind = []

    def request() -> None:
        # Nothing this test writes is committed, so no key is found; the
        # lookup's query is built and run all the same.
        assert find_key(APIKey, "NoSuchPx") is None
        left_behind.append(weakref.ref(connections["default"]))
        connections.close_all()

    for _ in range(3):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    gc.collect()

    assert len(left_behind) == 3
    assert sum(ref() is not None for ref in left_behind) <= 1
