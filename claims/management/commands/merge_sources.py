from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.services import merge_sources
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Merge one source into another: its evidence, the claims it made and the sources that "
        "repeat it move to the other, the scores they weigh on are recomputed, and it is deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="source", type=int, required=True, help="Source id to remove."
        )
        parser.add_argument("--into", type=int, required=True, help="Source id that remains.")

    def handle(self, *args: Any, source: int, into: int, **options: Any) -> None:
        found = Source.objects.in_bulk([source, into])
        missing = [str(pk) for pk in (source, into) if pk not in found]
        if missing:
            raise CommandError(f"No source with id {', '.join(missing)}.")
        name = found[source].name
        try:
            kept = merge_sources(source=found[source], into=found[into], by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Merged {source} “{name}” into {kept.pk} “{kept.name}”.")
        )
