import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from publishing import services as publishing
from webhooks import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Catch up on background work that a lost or failed job left undone: release the "
        "revisions whose embargo has ended, dispatch the partners' feed events no dispatcher "
        "turned into webhooks, and hand the workers the deliveries that are overdue or whose "
        "worker died mid-delivery (lease run out). Safe to run on every server at once. "
        "With --every N, runs again every N seconds until stopped (Ctrl-C, SIGTERM)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="Keep sweeping, every SECONDS seconds, until stopped.",
        )

    def handle(self, *args: Any, every: float | None = None, **options: Any) -> None:
        if every is None:
            self.sweep(quiet=False)
            return
        if every <= 0:
            self.stderr.write("--every must be a number of seconds above 0.")
            raise SystemExit(2)
        try:
            while True:
                close_old_connections()
                try:
                    self.sweep(quiet=True)
                except Exception:
                    # The database restarting, say: the next sweep tries again.
                    logger.exception("The sweep failed; trying again in %g s.", every)
                close_old_connections()
                time.sleep(every)
        except KeyboardInterrupt:
            return

    def sweep(self, *, quiet: bool) -> None:
        released = publishing.release_embargoed()
        dispatched = services.dispatch_events(full=True)
        requeued = services.requeue_due()
        for revision in released:
            self.stdout.write(
                f"  {revision.publication.title}: revision {revision.number} released"
            )
        if quiet and not (released or dispatched or requeued):
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Released {len(released)} revision(s), dispatched {len(dispatched)} event(s), "
                f"handed {requeued} overdue or abandoned delivery(ies) to the workers."
            )
        )
