import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from changelog.writes import write_transaction
from claims.services import recompute_all
from claims.tooling import dataset


class Command(BaseCommand):
    help = (
        "Load a JSON document written by `export_dataset` into an EMPTY database, in one "
        "transaction, keeping every id, timestamp and score; then check the scores against "
        "the model. Refuses (and writes nothing) if the database already holds data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The JSON document to load (- for stdin).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        started = time.monotonic()
        try:
            if path == "-":
                document = dataset.read_document(sys.stdin)
            else:
                with open(path, encoding="utf-8") as stream:
                    document = dataset.read_document(stream)
            # The import logs its rows with bulk inserts of its own. The
            # database is empty, but a writer may still arrive before it
            # commits: make that writer queue, so the log commits in id order.
            with write_transaction():
                imported = dataset.import_dataset(document)
            dataset.refresh_planner_statistics()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except dataset.DatasetError as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        summary = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in imported.counts.items()
        )
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Imported {summary} in {elapsed:.1f}s."))
        if imported.unknown_usernames:
            self.stdout.write(
                self.style.WARNING(
                    "No user here for: "
                    + ", ".join(sorted(imported.unknown_usernames))
                    + "; their corroborations are kept without a recorder."
                )
            )
        # The scores came in as stored; say whether this installation's model
        # agrees with them (it will not if the scoring constants differ).
        drift = recompute_all(fix=False)
        if drift:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(drift)} imported scores differ from what the model computes here; "
                    "run `manage.py recompute_scores` to bring them in line."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Every imported score matches the model."))
