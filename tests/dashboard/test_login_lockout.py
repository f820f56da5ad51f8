import pytest
from axes.models import AccessAttempt
from django.urls import reverse


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_wrong_passwords_lock_the_account_out_with_a_clear_message(
    client, reporter, limit
):
    for _ in range(limit - 1):
        response = sign_in(client, "reporter", "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    response = sign_in(client, "reporter", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()

    # Even the right password is refused while the lock holds.
    response = sign_in(client, "reporter", "correct horse battery staple")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_other_users(client, reporter, editor, limit):
    for _ in range(limit):
        sign_in(client, "reporter", "wrong")

    response = sign_in(client, "editor", "correct horse battery staple")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_a_success_before_the_limit_resets_the_count(client, reporter, limit):
    for _ in range(limit - 1):
        sign_in(client, "reporter", "wrong")
    assert sign_in(client, "reporter", "correct horse battery staple").status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert sign_in(client, "reporter", "wrong").status_code == 200


# Behind a load balancer every request comes from its address; the client's
# is the one the trusted proxy appended to X-Forwarded-For (docs/operations.md).


@pytest.fixture
def behind_one_proxy(settings):
    settings.CLAIMDESK_PROXY_COUNT = 1


def sign_in_from(client, address, username, password, *, spoofed=""):
    forwarded = f"{spoofed}, {address}" if spoofed else address
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.2",  # the load balancer
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_a_lockout_holds_the_attackers_address_only(
    client, viewer, behind_one_proxy
):
    for _ in range(5):
        sign_in_from(client, "8.8.8.8", "viewer", "wrong")
    assert sign_in_from(client, "8.8.8.8", "viewer", "wrong").status_code == 429

    response = sign_in_from(client, "8.8.4.4", "viewer", "correct horse battery staple")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(viewer.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"8.8.8.8"}


def test_behind_a_proxy_a_forged_forwarded_for_does_not_escape_a_lockout(
    client, viewer, behind_one_proxy, limit
):
    # The attacker writes whatever it likes in front; the proxy appends the truth.
    for n in range(limit):
        sign_in_from(client, "8.8.8.8", "viewer", "wrong", spoofed=f"192.0.2.{n}")

    response = sign_in_from(
        client, "8.8.8.8", "viewer", "correct horse battery staple", spoofed="192.0.2.99"
    )

    assert response.status_code == 429


def test_without_a_proxy_forwarded_for_is_ignored(client, viewer, limit):
    for n in range(limit):
        response = client.post(
            reverse("login"),
            {"username": "viewer", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
