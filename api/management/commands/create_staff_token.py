from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import StaffToken

NAME_MAX_LENGTH = StaffToken._meta.get_field("name").max_length


class Command(BaseCommand):
    help = (
        "Create a personal API token for a staff member; it acts with their role's "
        "permissions. The token is printed once, alone on the last line; only its "
        "hash is stored. Revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", help="What the token is for (default: the username's token).")
        parser.add_argument(
            "--expires-in",
            type=int,
            metavar="DAYS",
            help="Make the token stop working after DAYS days.",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is disabled; enable the account first.")
        name = (options["name"] or f"token of {user.get_username()}"[:NAME_MAX_LENGTH]).strip()
        if not name or len(name) > NAME_MAX_LENGTH:
            raise CommandError(f"--name must be 1 to {NAME_MAX_LENGTH} characters.")
        days = options["expires_in"]
        if days is not None and days < 1:
            raise CommandError("--expires-in must be at least 1 day.")
        expiry = timezone.now() + timedelta(days=days) if days else None
        token, key = StaffToken.objects.create_key(user=user, name=name, expiry_date=expiry)
        until = f", valid until {expiry:%Y-%m-%d %H:%M} UTC" if expiry else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Created staff token {token.prefix} for {user.get_username()}{until}."
            )
        )
        self.stdout.write("Store it now: it cannot be shown again.")
        self.stdout.write(key)
