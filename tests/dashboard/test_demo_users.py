from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework_api_key.models import APIKey

from dashboard.management.commands import create_demo_users


@pytest.fixture
def demo_files(tmp_path, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setattr(create_demo_users, "PASSWORD_FILE", tmp_path / "password")
    monkeypatch.setattr(create_demo_users, "PARTNER_KEY_FILE", tmp_path / "key")
    return tmp_path


def run() -> list[str]:
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue().splitlines()


def can_sign_in(username: str, password: str) -> bool:
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=username, password=password) is not None


def test_demo_users_get_their_roles_and_the_password_from_the_environment(
    db, demo_files, monkeypatch
):
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")
    run()
    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    assert users["admin"].is_superuser
    assert [g.name for g in users["editor"].groups.all()] == ["Editors"]
    assert [g.name for g in users["reporter"].groups.all()] == ["Reporters"]
    assert [g.name for g in users["viewer"].groups.all()] == ["Viewers"]
    assert can_sign_in("reporter", "a demo password for tests")


def test_a_generated_password_and_partner_key_are_printed_and_kept(db, demo_files, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = run()
    password = (demo_files / "password").read_text().strip()
    key = (demo_files / "key").read_text().strip()
    assert any(password in line for line in first)
    assert first[-1].endswith(key)
    assert can_sign_in("viewer", password)
    assert APIKey.objects.is_valid(key)

    second = run()
    assert get_user_model().objects.count() == 4
    assert APIKey.objects.count() == 1
    assert second[-1].endswith(key)


def test_refuses_in_production_mode(db, demo_files, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        run()
    assert not get_user_model().objects.exists()
