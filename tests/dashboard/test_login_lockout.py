import pytest
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
