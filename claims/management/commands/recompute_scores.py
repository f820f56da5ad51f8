from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Account, Claim
from claims.selectors import future_dated
from claims.services import recompute_all


class Command(BaseCommand):
    help = (
        "Rebuild every claim's and account's credibility score from the evidence and report "
        "the ones that had drifted from the stored value (none, on a healthy database), and "
        "any claim or evidence dated in the future (which the services refuse). Run it after "
        "changing settings.CLAIMDESK_SCORING. With --check, only report, and exit with "
        "status 1 if anything has drifted or is dated in the future."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report drifted scores without fixing them; exit with status 1 if there are any.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        self.stdout.write(
            f"Recomputing {Claim.objects.count()} claims and {Account.objects.count()} accounts…"
        )
        drifts = recompute_all(fix=not check, cause="recompute_scores command")
        future = future_dated()
        if future:
            self.stdout.write(
                self.style.WARNING(
                    "Dated in the future (fix their dates: as a source's latest word, future "
                    "evidence outranks whatever the source says later):"
                )
            )
            for label, ids in (
                ("claims", future.claims),
                ("corroborations", future.corroborations),
            ):
                if ids:
                    self.stdout.write(f"  {label}: {', '.join(str(pk) for pk in ids)}")
        if check and future and not drifts:
            raise CommandError("Some rows are dated in the future; fix their dates.")
        if not drifts:
            self.stdout.write(
                self.style.SUCCESS("0 scores had drifted: every score matches its evidence.")
            )
            return

        count = f"{len(drifts)} score{'s' if len(drifts) != 1 else ''}"
        for drift in drifts:
            self.stdout.write(
                f"  {drift.label}: stored {drift.stored:.6f}, recomputed {drift.computed:.6f}"
            )
        if check:
            raise CommandError(f"{count} drifted; run without --check to fix.")
        self.stdout.write(self.style.SUCCESS(f"{count} had drifted; all fixed."))
