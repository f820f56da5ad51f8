from django.core.management import call_command

from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from sources.models import Party, Source

MODELS = [Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot, Change]


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_north_korea_account_is_more_credible_than_the_united_states(hanoi):
    hanoi.nk_account.refresh_from_db()
    hanoi.us_account.refresh_from_db()
    assert hanoi.nk_account.score > hanoi.us_account.score
    assert hanoi.us_claim.verdict in {"mostly_contradicted", "contradicted"}
    assert hanoi.nk_claim.verdict in {"mostly_corroborated", "corroborated"}


def test_loading_twice_changes_nothing(hanoi):
    before = row_counts()
    call_command("load_hanoi", stdout=open("/dev/null", "w"))
    assert row_counts() == before


def test_story_has_the_articles_claims_sources_and_quotes(hanoi):
    assert set(hanoi.dispute.accounts.values_list("party__slug", flat=True)) == {
        "united-states",
        "north-korea",
    }
    assert Claim.objects.filter(account__dispute=hanoi.dispute).count() == 4
    assert hanoi.us_official.is_anonymous
    assert hanoi.ap.affiliation is None
    assert not Corroboration.objects.filter(quote="").exists()
    assert Corroboration.objects.filter(
        source=hanoi.ap, claim=hanoi.us_claim, stance="contradicts"
    ).exists()
