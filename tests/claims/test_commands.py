"""`manage.py recompute_scores`: rebuild every score, report what had drifted."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.management.commands.recompute_scores import Command
from claims.models import Account, Claim, Corroboration, ScoreSnapshot


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_scores", *args, stdout=out)
    return out.getvalue()


def test_recompute_reports_no_drift_on_the_hanoi_story(hanoi):
    snapshots = ScoreSnapshot.objects.count()
    output = run()
    assert "Recomputing 4 claims and 2 accounts" in output
    assert "0 scores had drifted" in output
    assert ScoreSnapshot.objects.count() == snapshots


def test_check_passes_on_the_hanoi_story(hanoi):
    assert "0 scores had drifted" in run("--check")


def test_recompute_lists_and_fixes_an_injected_drift(hanoi):
    right = hanoi.us_claim.score
    Claim.objects.filter(pk=hanoi.us_claim.pk).update(score=0.9, verdict="corroborated")

    output = run()

    assert f"claim {hanoi.us_claim.pk}: stored 0.900000, recomputed {right:.6f}" in output
    assert "1 score had drifted; all fixed." in output
    hanoi.us_claim.refresh_from_db()
    assert hanoi.us_claim.score == pytest.approx(right)
    assert hanoi.us_claim.verdict == "mostly_contradicted"
    assert hanoi.us_claim.snapshots.last().cause == "recompute_scores command"
    assert "0 scores had drifted" in run()


def test_check_reports_drift_fails_and_fixes_nothing(hanoi):
    Account.objects.filter(pk=hanoi.nk_account.pk).update(score=0.1)
    out = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("recompute_scores", "--check", stdout=out)

    assert error.value.returncode == 1
    assert "1 score drifted" in str(error.value)
    assert f"account {hanoi.nk_account.pk}: stored 0.100000" in out.getvalue()
    assert Account.objects.get(pk=hanoi.nk_account.pk).score == 0.1


def test_check_reports_evidence_dated_in_the_future_and_fails(hanoi):
    item = Corroboration.objects.filter(claim=hanoi.nk_claim).first()
    Corroboration.objects.filter(pk=item.pk).update(observed_at=datetime(2099, 1, 1, tzinfo=UTC))
    out = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("recompute_scores", "--check", stdout=out)

    assert error.value.returncode == 1
    assert "future" in str(error.value)
    assert f"corroborations: {item.pk}" in out.getvalue()


def test_help_explains_the_command_and_its_check_mode():
    text = Command().create_parser("manage.py", "recompute_scores").format_help()
    assert "drifted" in text
    assert "--check" in text
