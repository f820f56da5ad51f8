import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# The house's progress bar (the demo generator's): one line, or one line per
# stage on a pipe.
from claims.management.commands.generate_demo import TextProgress
from claims.models import Claim
from intake import matching, services


class Command(BaseCommand):
    help = (
        "Compute the claim-matching embedding of every claim that has none, or whose "
        "embedding is stale (the claim changed since, or the model did), with a progress "
        "bar. Safe to run beside the app and to run again: fresh embeddings are left alone. "
        "Run it after loading claims in bulk (generate_demo, import_dataset) or upgrading "
        "the model package."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--claim",
            type=int,
            action="append",
            dest="claims",
            metavar="ID",
            help="Only this claim (repeat for more).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["claims"]:
            known = set(Claim.objects.filter(pk__in=options["claims"]).values_list("pk", flat=True))
            missing = sorted(set(options["claims"]) - known)
            if missing:
                raise CommandError(f"--claim: no claim {', '.join(map(str, missing))}.")
        stale = services.stale_claim_ids(options["claims"])
        if not stale:
            self.stdout.write(self.style.SUCCESS("Every claim's embedding is up to date."))
            return
        self.stdout.write(f"{len(stale)} claim(s) to embed with {matching.MODEL_NAME}.")
        progress = TextProgress(self.stdout)
        refreshed = services.refresh_embeddings(
            stale=stale, progress=lambda done, total: progress("embeddings", done, total)
        )
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Embedded {refreshed} claim(s) in {elapsed:.1f}s."))
