from typing import Any

from django.core.management.base import BaseCommand

from publishing import services


class Command(BaseCommand):
    help = (
        "Release every revision whose embargo has ended (the sweep). The scheduled job does "
        "this on time; run this when a worker starts, and every minute or so from cron, so that "
        "a job lost or failed while the workers were down is caught up. Never releases early."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        released = services.release_embargoed()
        if not released:
            self.stdout.write(self.style.SUCCESS("No embargo has ended: nothing to release."))
            return
        for revision in released:
            self.stdout.write(
                f"  {revision.publication.title}: revision {revision.number} released"
            )
        self.stdout.write(self.style.SUCCESS(f"Released {len(released)} revision(s)."))
