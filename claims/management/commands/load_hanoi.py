from typing import Any

from django.core.management.base import BaseCommand

from changelog.writes import write_transaction
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute
from claims.tooling import hanoi
from sources import services as source_services
from sources.models import Party, Source


class Command(BaseCommand):
    help = (
        "Load the Hanoi summit story (parties, sources, dispute, accounts, claims, evidence). "
        "Idempotent: what is already there is left as it is."
    )

    @write_transaction()
    def handle(self, *args: Any, **options: Any) -> None:
        added = 0
        parties = {}
        for data in hanoi.PARTIES:
            party = Party.objects.filter(slug=data["slug"]).first()
            if party is None:
                party = source_services.create_party(by=None, **data)
                added += 1
            parties[data["slug"]] = party

        sources = {}
        for key, (name, kind, party_slug, anonymous, grade) in hanoi.SOURCES.items():
            source = Source.objects.filter(name=name).first()
            if source is None:
                source = source_services.create_source(
                    by=None,
                    name=name,
                    kind=kind,
                    affiliation=parties[party_slug] if party_slug else None,
                    is_anonymous=anonymous,
                    reliability=grade,
                    notes=hanoi.SOURCE_NOTES[key],
                )
                added += 1
            sources[key] = source

        dispute = Dispute.objects.filter(slug=hanoi.DISPUTE["slug"]).first()
        if dispute is None:
            dispute = services.create_dispute(by=None, **hanoi.DISPUTE)
            added += 1

        accounts = {}
        for party_slug, summary in hanoi.ACCOUNTS.items():
            account = Account.objects.filter(dispute=dispute, party=parties[party_slug]).first()
            if account is None:
                account = services.create_account(
                    by=None, dispute=dispute, party=parties[party_slug], summary=summary
                )
                added += 1
            accounts[party_slug] = account

        claims = {}
        for key, (party_slug, speaker, text, stated_at) in hanoi.CLAIMS.items():
            claim = Claim.objects.filter(account=accounts[party_slug], text=text).first()
            if claim is None:
                claim = services.create_claim(
                    by=None,
                    account=accounts[party_slug],
                    text=text,
                    speaker=sources[speaker],
                    stated_at=stated_at,
                )
                added += 1
            claims[key] = claim

        for claim_key, source_key, stance, quote, observed_at in hanoi.CORROBORATIONS:
            exists = Corroboration.objects.filter(
                claim=claims[claim_key], source=sources[source_key], quote=quote
            ).exists()
            if not exists:
                services.record_corroboration(
                    claim=claims[claim_key],
                    by=None,
                    source=sources[source_key],
                    stance=stance,
                    quote=quote,
                    observed_at=observed_at,
                )
                added += 1

        if added:
            self.stdout.write(self.style.SUCCESS(f"Hanoi story loaded: {added} records added."))
        else:
            self.stdout.write(self.style.SUCCESS("Hanoi story already loaded: nothing to do."))
        for account in dispute.accounts.select_related("party"):
            self.stdout.write(f"  {account.party}: {account.score:.3f} ({account.verdict_label})")
