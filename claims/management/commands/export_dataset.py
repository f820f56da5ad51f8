import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.tooling import dataset


class Command(BaseCommand):
    help = (
        "Write the whole desk (parties, sources, disputes, accounts, claims, corroborations, "
        "score history, with the scores) as one JSON document, to a file or to stdout (-). "
        "`import_dataset` loads it into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", default="-", help="Where to write the JSON (default: - for stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        started = time.monotonic()
        if path == "-":
            # The document is written in pieces; none of them may gain a newline.
            self.stdout.ending = ""
            counts = dataset.export_dataset(self.stdout)
            self.stdout.ending = "\n"
            report = self.stderr
        else:
            # Written aside and moved into place, so that a failed export never
            # leaves a truncated file where a good one is expected.
            partial = f"{path}.partial"
            try:
                with open(partial, "w", encoding="utf-8") as out:
                    counts = dataset.export_dataset(out)
                os.replace(partial, path)
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
            report = self.stdout
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        elapsed = time.monotonic() - started
        report.write(
            self.style.SUCCESS(
                f"Exported {summary} to {'stdout' if path == '-' else path} in {elapsed:.1f}s."
            )
        )
