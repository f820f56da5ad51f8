from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sources.models import Source, describe_collisions, name_collisions


class Command(BaseCommand):
    help = (
        "List the sources whose names are the same once case, spacing and accents are ignored "
        "(left by the upgrade that made names unique), with the merge_sources command for each. "
        "With --check, exit with status 1 if there are any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Exit with status 1 if any duplicates remain."
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        groups = name_collisions(Source.objects.values_list("id", "name"))
        if not groups:
            self.stdout.write(self.style.SUCCESS("No two sources share a name."))
            return
        self.stdout.write("\n".join(describe_collisions(groups)))
        if check:
            raise SystemExit(1)
