from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rest_framework_api_key.models import APIKey

NAME_MAX_LENGTH = APIKey._meta.get_field("name").max_length


class Command(BaseCommand):
    help = (
        "Create a read-only API key for a partner outlet. The key is printed once, "
        "alone on the last line; only its hash is stored. Revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("outlet", help='The partner outlet, e.g. "Example Times".')
        parser.add_argument(
            "--expires-in",
            type=int,
            metavar="DAYS",
            help="Make the key stop working after DAYS days.",
        )

    def handle(self, *args, **options):
        outlet = options["outlet"].strip()
        if not outlet or len(outlet) > NAME_MAX_LENGTH:
            raise CommandError(f"The outlet name must be 1 to {NAME_MAX_LENGTH} characters.")
        days = options["expires_in"]
        if days is not None and days < 1:
            raise CommandError("--expires-in must be at least 1 day.")
        expiry = timezone.now() + timedelta(days=days) if days else None
        api_key, key = APIKey.objects.create_key(name=outlet, expiry_date=expiry)
        until = f", valid until {expiry:%Y-%m-%d %H:%M} UTC" if expiry else ""
        self.stdout.write(
            self.style.SUCCESS(f"Created partner key {api_key.prefix} for {outlet}{until}.")
        )
        self.stdout.write("Store it now: it cannot be shown again.")
        self.stdout.write(key)
