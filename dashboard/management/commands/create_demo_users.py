import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from dashboard.roles import EDITORS, REPORTERS, VIEWERS

DEMO_USERS = [
    # username, role group, is_staff, is_superuser
    ("admin", None, True, True),
    ("editor", EDITORS, True, False),
    ("reporter", REPORTERS, False, False),
    ("viewer", VIEWERS, False, False),
]
PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo-password"


class Command(BaseCommand):
    help = (
        "Create the demo users admin, editor, reporter and viewer. The password is "
        "DEMO_PASSWORD, else one generated once and kept in .demo-password. "
        "Development only: refuses to run with DJANGO_DEBUG=0."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password to set (default: DEMO_PASSWORD env).")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users are for development; refusing in production mode.")
        password = options["password"] or self._password()
        User = get_user_model()
        created = []
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": is_staff, "is_superuser": is_superuser,
                          "email": f"{username}@example.org"},
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

    def _password(self) -> str:
        import os

        if os.environ.get("DEMO_PASSWORD"):
            return os.environ["DEMO_PASSWORD"]
        if PASSWORD_FILE.exists():
            return PASSWORD_FILE.read_text().strip()
        password = secrets.token_urlsafe(12)
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
        return password
