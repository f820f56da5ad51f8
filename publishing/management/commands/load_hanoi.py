from typing import Any

from django.core.management.base import BaseCommand

from changelog.writes import write_transaction
from claims.tooling import hanoi
from publishing import services
from publishing.models import Publication
from publishing.selectors import publication_of


class Command(BaseCommand):
    help = (
        "Load the Hanoi summit story (parties, sources, dispute, accounts, claims, evidence) "
        "and publish it, so that partners can read it. Idempotent: what is already there is "
        "left as it is, and a story already published is not published again."
    )

    @write_transaction()
    def handle(self, *args: Any, **options: Any) -> None:
        loaded = hanoi.load()
        dispute = loaded.dispute
        published = self.publish(dispute)

        if loaded.added:
            self.stdout.write(
                self.style.SUCCESS(f"Hanoi story loaded: {loaded.added} records added.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Hanoi story already loaded: nothing to do."))
        for account in dispute.accounts.select_related("party"):
            self.stdout.write(f"  {account.party}: {account.score:.3f} ({account.verdict_label})")
        if published:
            self.stdout.write(self.style.SUCCESS("  Published: partners can read it."))

    def publish(self, dispute: Any) -> bool:
        """Take a story still in the workflow's first steps to published (a system act: by=None)."""
        state = publication_of(dispute).state
        if state == Publication.State.DRAFT:
            services.submit_for_review(dispute=dispute, by=None)
            state = Publication.State.IN_REVIEW
        if state == Publication.State.IN_REVIEW:
            services.publish(dispute=dispute, by=None)
            return True
        return False
