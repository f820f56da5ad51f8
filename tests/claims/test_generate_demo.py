from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from changelog.models import Change
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from claims.services import recompute_all
from claims.tooling import demo_data
from sources.models import Party, Source

SMALL = {"disputes": 12, "claims": 120, "corroborations": 1500, "sources": 150}
END = datetime(2026, 6, 1, tzinfo=UTC)
MODELS = [Party, Source, Dispute, Account, Claim, Corroboration, ScoreSnapshot, Change]


def generate(**sizes):
    out = StringIO()
    call_command("generate_demo", *[f"--{k}={v}" for k, v in sizes.items()], stdout=out)
    return out.getvalue()


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    return generate(**SMALL)


def test_generates_the_requested_number_of_each_object(demo):
    assert Dispute.objects.count() == SMALL["disputes"]
    assert Claim.objects.count() == SMALL["claims"]
    assert Corroboration.objects.count() == SMALL["corroborations"]
    assert Source.objects.count() == SMALL["sources"]
    assert 10 <= Party.objects.count() <= 20
    per_dispute = set(
        Account.objects.values("dispute").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert per_dispute <= {2, 3}
    assert "Demo data generated" in demo


def test_generated_scores_equal_a_full_recompute(demo):
    assert recompute_all(fix=False) == []
    assert Claim.objects.exclude(verdict="unverified").exists()


def test_no_speaker_supports_their_own_claim(demo):
    own = Corroboration.objects.filter(source=F("claim__speaker"))
    assert not own.filter(stance__in=["supports", "partly_supports"]).exists()


def test_sources_spread_across_kinds_grades_parties_and_origins(demo):
    grades = dict(Source.objects.values_list("reliability").annotate(n=Count("id")))
    assert grades.get("B", 0) + grades.get("C", 0) > Source.objects.count() / 2
    assert len(grades) >= 5
    assert Source.objects.values("kind").distinct().count() >= 7
    assert Source.objects.filter(is_anonymous=True).exists()
    assert Source.objects.filter(affiliation=None).exists()
    # Papers repeating a wire service, and copies of those copies.
    assert Source.objects.filter(origin__kind="wire_service").exists()
    assert Source.objects.filter(origin__origin__isnull=False).exists()


def test_evidence_mixes_every_stance_over_months(demo):
    assert set(Corroboration.objects.values_list("stance", flat=True)) == {
        "supports",
        "partly_supports",
        "partly_contradicts",
        "contradicts",
    }
    times = Corroboration.objects.order_by("observed_at").values_list("observed_at", flat=True)
    assert (times.last() - times.first()).days > 60
    assert len(set(Claim.objects.values_list("verdict", flat=True))) >= 4


def test_each_account_has_a_score_history_for_its_sparkline(demo):
    for account in Account.objects.all():
        points = list(account.snapshots.order_by("at").values_list("at", "score"))
        assert len(points) >= 2, account
        # The history starts at 0.5 when the account opened and ends at today's score.
        assert points[0][1] == 0.5
        assert points[-1][1] == pytest.approx(account.score)
    assert Account.objects.annotate(n=Count("snapshots")).filter(n__gte=4).exists()


def test_every_generated_object_enters_the_change_log_once_as_created(demo):
    created = dict(
        Change.objects.filter(action="created").values_list("object_type").annotate(n=Count("id"))
    )
    assert created == {
        "party": Party.objects.count(),
        "source": SMALL["sources"],
        "dispute": SMALL["disputes"],
        "account": Account.objects.count(),
        "claim": SMALL["claims"],
        "corroboration": SMALL["corroborations"],
    }


def test_generation_inserts_in_bulk_not_row_by_row(db):
    with CaptureQueriesContext(connection) as queries:
        generate(**SMALL)
    rows = sum(row_counts().values())
    assert rows > 4000
    assert len(queries) < rows / 10


def test_same_seed_gives_the_same_data_and_another_seed_does_not(db):
    def content():
        return (
            list(Dispute.objects.order_by("slug").values_list("slug", "title", "status")),
            list(
                Source.objects.order_by("id").values_list(
                    "name",
                    "kind",
                    "reliability",
                    "is_anonymous",
                    "affiliation__slug",
                    "origin__name",
                )
            ),
            list(
                Claim.objects.order_by("id").values_list(
                    "text", "speaker__name", "stated_at", "score"
                )
            ),
            list(
                Corroboration.objects.order_by("id").values_list(
                    "claim__text", "source__name", "stance", "quote", "observed_at"
                )
            ),
        )

    sizes = demo_data.Sizes(disputes=4, claims=30, corroborations=200, sources=40)
    demo_data.generate(sizes=sizes, seed=7, end=END)
    first = content()
    wipe_domain()
    demo_data.generate(sizes=sizes, seed=7, end=END)
    assert content() == first
    wipe_domain()
    demo_data.generate(sizes=sizes, seed=8, end=END)
    assert content() != first


def wipe_domain():
    ScoreSnapshot.objects.all().delete()
    Corroboration.objects.all().delete()
    Dispute.objects.all().delete()
    Source.objects.update(origin=None)
    Source.objects.all().delete()
    Party.objects.all().delete()


def test_generating_a_loaded_seed_again_is_refused_and_changes_nothing(demo):
    before = row_counts()
    with pytest.raises(CommandError, match="--seed: Demo data for seed 1 is already loaded"):
        generate(**SMALL)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"claims": -1}, "--claims: Must be zero or more."),
        ({"disputes": 0, "claims": 5}, "--disputes: Claims need at least one dispute"),
        ({"claims": 0, "corroborations": 5}, "--claims: Corroborations need at least one claim"),
        (
            {"sources": 1, "corroborations": 5},
            "--sources: Corroborations need at least two sources",
        ),
    ],
)
def test_sizes_that_cannot_make_a_desk_are_refused_and_change_nothing(db, sizes, message):
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        generate(**{**SMALL, **sizes})
    assert row_counts() == before


def test_generating_beside_the_hanoi_story_leaves_its_scores_alone(hanoi):
    before = {a.pk: a.score for a in Account.objects.all()}
    generate(**SMALL)
    assert recompute_all(fix=False) == []
    for account in Account.objects.filter(pk__in=before):
        assert account.score == before[account.pk]
    # Hanoi's parties are real; the generated ones are fictional and separate.
    assert not Account.objects.filter(
        dispute__slug__startswith="demo-", party__slug="united-states"
    ).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Planner statistics are PostgreSQL's (SQLite plans these queries without them).",
)
def test_the_planner_sees_the_generated_rows_at_once(demo):
    # Without statistics PostgreSQL takes the new tables for empty and picks
    # plans that scan them: the overview took 6 s at full size.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [Corroboration._meta.db_table]
        )
        [estimated] = cursor.fetchone()

    assert estimated == Corroboration.objects.count()
