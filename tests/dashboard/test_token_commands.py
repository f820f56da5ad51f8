"""create_partner_key and create_staff_token: the key alone on the last line, stored hashed, working."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from api.models import StaffToken


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_create_partner_key_prints_a_working_key_on_its_last_line(db):
    key = run("create_partner_key", "Example Times")[-1]

    stored = APIKey.objects.get()
    assert stored.name == "Example Times"
    assert stored.expiry_date is None
    assert key.startswith(stored.prefix + ".")
    assert APIKey.objects.is_valid(key)
    assert key not in stored.hashed_key


def test_create_partner_key_with_expiry(db):
    key = run("create_partner_key", "Example Times", "--expires-in", "30")[-1]
    assert APIKey.objects.get_from_key(key).expiry_date is not None


@pytest.mark.parametrize("outlet", ["", "x" * 51])
def test_create_partner_key_refuses_a_bad_name(db, outlet):
    with pytest.raises(CommandError, match="outlet name"):
        run("create_partner_key", outlet)
    assert not APIKey.objects.exists()


def test_create_staff_token_prints_a_token_that_acts_as_the_user(editor, hanoi):
    token = run("create_staff_token", "editor")[-1]

    stored = StaffToken.objects.get()
    assert stored.user == editor
    assert token not in stored.hashed_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/claims/").status_code == 200


def test_create_staff_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("create_staff_token", "nobody")
    assert not StaffToken.objects.exists()


def test_create_staff_token_refuses_a_disabled_user(editor):
    editor.is_active = False
    editor.save()
    with pytest.raises(CommandError, match="disabled"):
        run("create_staff_token", "editor")
    assert not StaffToken.objects.exists()


def test_each_staff_token_is_shown_once_and_differs(editor):
    first = run("create_staff_token", "editor")[-1]
    second = run("create_staff_token", "editor", "--name", "phone")[-1]
    assert first != second
    assert StaffToken.objects.filter(user=editor).count() == 2


# The same from the admin


def test_admin_creates_a_staff_token_and_shows_it_once(client, admin_user, editor):
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/stafftoken/add/", {"name": "laptop", "user": editor.pk}, follow=True
    )

    token = StaffToken.objects.get()
    assert token.user == editor
    shown = [str(m) for m in response.context["messages"]]
    assert any(token.prefix + "." in message for message in shown)
    assert client.get("/admin/api/stafftoken/").status_code == 200


def test_admin_cannot_hand_a_token_to_another_user(client, admin_user, editor, reporter):
    token, _ = StaffToken.objects.create_key(user=editor, name="laptop")
    client.force_login(admin_user)
    client.post(
        f"/admin/api/stafftoken/{token.pk}/change/",
        {"name": "laptop", "user": reporter.pk, "revoked": "on"},
    )
    token.refresh_from_db()
    assert token.user == editor
    assert token.revoked


def test_admin_lists_partner_keys(client, admin_user, partner_key):
    client.force_login(admin_user)
    response = client.get("/admin/rest_framework_api_key/apikey/")
    assert response.status_code == 200
    assert "Example Times" in response.content.decode()
