import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework_api_key.models import APIKey

from dashboard.roles import EDITORS, REPORTERS, VIEWERS

DEMO_USERS = [
    # username, role group, is_staff, is_superuser
    ("admin", None, True, True),
    ("editor", EDITORS, True, False),
    ("reporter", REPORTERS, False, False),
    ("viewer", VIEWERS, False, False),
]
PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo-password"
PARTNER_KEY_FILE = Path(settings.BASE_DIR) / ".demo-partner-key"
DEMO_OUTLET = "Demo partner outlet"


class Command(BaseCommand):
    help = (
        "Create the demo users admin, editor, reporter and viewer, and a demo partner API "
        "key. The password is DEMO_PASSWORD, else one generated once and kept in "
        ".demo-password; the key is kept in .demo-partner-key. "
        "Development only: refuses to run with DJANGO_DEBUG=0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password to set (default: DEMO_PASSWORD env).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are for development; refusing in production mode.")
        password = options["password"] or self._password()
        User = get_user_model()
        created = []
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": is_staff,
                    "is_superuser": is_superuser,
                    "email": f"{username}@example.org",
                },
            )
            if was_created or options["password"]:
                user.set_password(password)
                user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
            if was_created:
                created.append(username)
        names = ", ".join(name for name, *_ in DEMO_USERS)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created demo users: {', '.join(created)}"))
        self.stdout.write(f"Demo users {names} — password: {password}")
        self.stdout.write(f"Demo partner API key (Authorization: Api-Key …): {self._partner_key()}")

    def _partner_key(self) -> str:
        # Only the key's hash is stored, so the raw key is kept in a file (like
        # the demo password) to be shown again on every `make run`.
        if PARTNER_KEY_FILE.exists():
            key = PARTNER_KEY_FILE.read_text().strip()
            if APIKey.objects.is_valid(key):
                return key
        _, key = APIKey.objects.create_key(name=DEMO_OUTLET)
        PARTNER_KEY_FILE.write_text(key + "\n")
        PARTNER_KEY_FILE.chmod(0o600)
        return key

    def _password(self) -> str:
        if os.environ.get("DEMO_PASSWORD"):
            return os.environ["DEMO_PASSWORD"]
        if PASSWORD_FILE.exists():
            return PASSWORD_FILE.read_text().strip()
        password = secrets.token_urlsafe(12)
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
        return password
