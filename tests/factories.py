"""factory_boy factories with sensible defaults. Scores are left to the services."""

import factory
from django.utils import timezone

from claims import services
from claims.models import Account, Claim, Corroboration, Dispute
from sources.models import Party, Source


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Party {n}")
    slug = factory.Sequence(lambda n: f"party-{n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = "news_outlet"
    reliability = "B"
    affiliation = None
    is_anonymous = False


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    slug = factory.Sequence(lambda n: f"dispute-{n}")
    title = factory.Sequence(lambda n: f"What happened at meeting {n}?")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    dispute = factory.SubFactory(DisputeFactory)
    party = factory.SubFactory(PartyFactory)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim created through the service, so it starts with its snapshot."""

    class Meta:
        model = Claim

    account = factory.SubFactory(AccountFactory)
    text = factory.Sequence(lambda n: f"Checkable statement number {n}.")
    speaker = factory.SubFactory(SourceFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.create_claim(by=None, **kwargs)


class CorroborationFactory(factory.django.DjangoModelFactory):
    """Evidence recorded through the service, so scores move as they would in use."""

    class Meta:
        model = Corroboration

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    stance = "supports"
    quote = factory.Sequence(lambda n: f"Quote number {n}.")
    observed_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.record_corroboration(by=None, **kwargs)


def build_dispute(
    *, parties: int = 2, claims_per_account: int = 3, evidence_per_claim: int = 2
) -> Dispute:
    """
    A dispute with an account per party, claims in each and evidence on each,
    every source different: for query-count tests that compare one row with many.
    """
    dispute = DisputeFactory()
    accounts = [
        services.create_account(by=None, dispute=dispute, party=PartyFactory())
        for _ in range(parties)
    ]
    stances = ["supports", "contradicts", "partly_supports", "partly_contradicts"]
    for account in accounts:
        for _ in range(claims_per_account):
            claim = ClaimFactory(account=account)
            for n in range(evidence_per_claim):
                CorroborationFactory(
                    claim=claim,
                    source=SourceFactory(
                        affiliation=accounts[n % parties].party, is_anonymous=n % 3 == 2
                    ),
                    stance=stances[n % len(stances)],
                )
    return dispute
