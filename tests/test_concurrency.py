"""
Writers racing each other on one claim: every write either lands or is
refused cleanly (409/412), none is lost, and the stored scores are what a
full recompute gives. Writers on unrelated objects queue too, so that the
change log commits in id order and the changes feed never skips an event.

The races need a database that lets several connections write at once, so
the API tests run on PostgreSQL only. SQLite takes its write lock when a
transaction starts (transaction_mode IMMEDIATE), so that the same services
hold there too: one test races writers on a SQLite file in a child process,
since the test database pytest-django makes for SQLite is in memory, where
threads share a cache whose table locks fail at once instead of waiting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max
from rest_framework.test import APIClient

from api.models import StaffToken
from changelog import writes
from changelog.models import Change
from claims import services
from claims.models import Claim, Corroboration, ScoreSnapshot
from sources import services as source_services
from sources.models import Party
from tests.factories import ClaimFactory, SourceFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent writers need a database with row locks: set DATABASE_URL to a PostgreSQL "
    "database (the SQLite path is tested by test_writers_racing_on_a_sqlite_file_all_land).",
)
# Committed data, so that every thread's own connection sees it; the role
# groups made by a migration are restored after the flush.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WRITERS, PER_WRITER = 8, 25
EDITORS = 4
CLEAN_REFUSALS = {409, 412}


def run_together(work: Callable[[int], Any], count: int) -> list[Any]:
    """
    Run work(0), …, work(count - 1), each on its own thread (so its own
    database connection), released at the same moment. Re-raises the first
    error a thread met.
    """
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            results[index] = error
        finally:
            # The connection is the thread's own: left open, it would outlive
            # the test and keep the test database from being flushed or dropped.
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished (deadlock?)"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.fixture
def token(editor) -> str:
    return StaffToken.objects.create_key(user=editor, name="concurrency")[1]


def api_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# Many writers adding evidence to one claim


@postgres_only
@committed
def test_concurrent_evidence_on_one_claim_is_all_kept_and_scored_as_a_recompute_would(token):
    claim = ClaimFactory()
    sources = SourceFactory.create_batch(WRITERS * PER_WRITER)
    claim_snapshots = ScoreSnapshot.objects.filter(claim=claim).count()
    account_snapshots = ScoreSnapshot.objects.filter(account=claim.account).count()

    def record(writer: int) -> list[tuple[int, bytes]]:
        client = api_client(token)
        answers = []
        for source in sources[writer * PER_WRITER : (writer + 1) * PER_WRITER]:
            response = client.post(
                "/api/v1/corroborations/",
                {
                    "claim": claim.pk,
                    "source": source.pk,
                    "stance": "supports",
                    "quote": f"{source.name} backs it.",
                },
                format="json",
            )
            answers.append((response.status_code, response.content[:300]))
        return answers

    answers = [answer for batch in run_together(record, WRITERS) for answer in batch]

    unclean = [answer for answer in answers if answer[0] != 201 and answer[0] not in CLEAN_REFUSALS]
    assert unclean == []
    recorded = sum(1 for status, _ in answers if status == 201)
    assert recorded > 0
    stored = list(Corroboration.objects.filter(claim=claim).values_list("pk", flat=True))
    assert len(stored) == recorded
    logged = Change.objects.filter(
        object_type="corroboration", action="created", object_id__in=stored
    )
    assert logged.count() == recorded
    assert services.recompute_all(fix=False) == []
    # Each new independent source raised the score, one write after the other:
    # one snapshot per write, each higher than the last, the newest the score.
    claim.refresh_from_db()
    snapshots = ScoreSnapshot.objects.filter(claim=claim).order_by("id")
    history = list(snapshots.values_list("score", flat=True))
    assert len(history) == claim_snapshots + recorded
    assert history == sorted(set(history))
    assert history[-1] == claim.score
    assert (
        ScoreSnapshot.objects.filter(account=claim.account).count() == account_snapshots + recorded
    )
    assert claim.version == 1 + recorded


# Editors racing on one claim's text


def edits_logged(claim: Claim) -> int:
    return Change.objects.filter(object_type="claim", object_id=claim.pk, action="updated").count()


@postgres_only
@committed
def test_editors_racing_with_the_same_etag_one_wins_the_others_get_412(token):
    claim = ClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"
    etag = api_client(token).get(url)["ETag"]

    def edit(writer: int) -> int:
        response = api_client(token).patch(
            url, {"text": f"Edited by writer {writer}."}, format="json", HTTP_IF_MATCH=etag
        )
        return response.status_code

    statuses = run_together(edit, EDITORS)

    assert sorted(statuses) == [200] + [412] * (EDITORS - 1)
    claim_before, claim = claim, Claim.objects.get(pk=claim.pk)
    assert claim.text == f"Edited by writer {statuses.index(200)}."
    assert claim.version == claim_before.version + 1
    assert edits_logged(claim) == 1


@postgres_only
@committed
def test_editors_who_reread_after_a_412_all_land_one_after_the_other(token):
    claim = ClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"

    def edit_until_it_lands(writer: int) -> str:
        client = api_client(token)
        for _ in range(50):
            etag = client.get(url)["ETag"]
            response = client.patch(
                url, {"text": f"Edited by writer {writer}."}, format="json", HTTP_IF_MATCH=etag
            )
            if response.status_code == 200:
                return response["ETag"]
            assert response.status_code == 412, response.content
        raise AssertionError(f"writer {writer} never got its edit in")

    written = run_together(edit_until_it_lands, EDITORS)

    # Every edit landed on the version the one before it left.
    versions = range(claim.version + 1, claim.version + EDITORS + 1)
    assert sorted(written) == [f'"claim-{claim.pk}-v{version}"' for version in versions]
    last = written.index(f'"claim-{claim.pk}-v{versions[-1]}"')
    claim.refresh_from_db()
    assert claim.version == versions[-1]
    assert claim.text == f"Edited by writer {last}."
    assert edits_logged(claim) == EDITORS


# Writers on unrelated objects: the change log commits in id order


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def feed_since(client: APIClient, since: int) -> list[tuple[int, str, int]]:
    page = client.get("/api/v1/changes/", {"since": since}).json()
    assert not page["has_more"]
    return [(event["id"], event["object_type"], event["object_id"]) for event in page["results"]]


def create_party_through_the_service() -> None:
    source_services.create_party(by=None, name="Unrelated", slug="unrelated")


def create_party_bypassing_the_services() -> None:
    # A writer that forgot write_transaction: record_changes still queues it.
    with transaction.atomic():
        party = Party.objects.create(name="Unrelated", slug="unrelated")
        writes.record_change(party, Change.Action.CREATED, by=None)


@postgres_only
@committed
@pytest.mark.parametrize(
    "write_b", [create_party_through_the_service, create_party_bypassing_the_services]
)
def test_a_writer_cannot_commit_while_an_earlier_one_is_open_so_the_feed_never_skips(
    token, write_b
):
    claim = ClaimFactory()
    source = SourceFactory()
    feed = api_client(token)
    head = Change.objects.aggregate(head=Max("id"))["head"] or 0
    a_has_written, release_a, b_committed = threading.Event(), threading.Event(), threading.Event()

    def writer_a() -> None:
        try:
            with transaction.atomic():
                services.record_corroboration(
                    claim=claim, by=None, source=source, stance="supports", quote="Backs it."
                )
                a_has_written.set()
                release_a.wait(timeout=30)
        finally:
            connections.close_all()

    def writer_b() -> None:
        try:
            write_b()
            b_committed.set()
        finally:
            connections.close_all()

    a = threading.Thread(target=writer_a, daemon=True)
    b = threading.Thread(target=writer_b, daemon=True)
    a.start()
    try:
        assert a_has_written.wait(timeout=30)
        b.start()
        deadline = time.monotonic() + 30
        while not b_committed.is_set() and not waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)
        # A holds change ids it has not committed: B must not commit later ones.
        assert not b_committed.is_set(), "B committed while A was still open"
        assert waiting_on_a_lock() == 1
        assert feed_since(feed, head) == []
    finally:
        release_a.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert not a.is_alive() and b_committed.is_set()

    # In cursor order, B's event comes after all of A's.
    *by_a, by_b = feed_since(feed, head)
    assert by_b[1:] == ("party", Party.objects.get(slug="unrelated").pk)
    assert "corroboration" in {kind for _, kind, _ in by_a}
    assert {kind for _, kind, _ in by_a} <= {"corroboration", "claim", "account"}


# The same services on SQLite

SQLITE_WRITERS, SQLITE_PER_WRITER = 4, 10


def race_writers_on_this_database() -> dict[str, Any]:
    """
    Run in a child process whose DATABASE_URL names a fresh SQLite file:
    migrate it, race writers through the services, report what is stored.
    """
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    claim = ClaimFactory()
    sources = SourceFactory.create_batch(SQLITE_WRITERS * SQLITE_PER_WRITER)
    connections.close_all()

    def record(writer: int) -> list[str]:
        errors = []
        for source in sources[writer * SQLITE_PER_WRITER : (writer + 1) * SQLITE_PER_WRITER]:
            try:
                services.record_corroboration(
                    claim=claim, by=None, source=source, stance="supports", quote="Backs it."
                )
            except Exception as error:  # noqa: BLE001 - reported to the test
                errors.append(f"{type(error).__name__}: {error}")
        return errors

    errors = [error for batch in run_together(record, SQLITE_WRITERS) for error in batch]
    claim.refresh_from_db()
    return {
        "vendor": connection.vendor,
        "transaction_mode": settings.DATABASES["default"]["OPTIONS"].get("transaction_mode"),
        "errors": errors,
        "stored": Corroboration.objects.filter(claim=claim).count(),
        "snapshots": ScoreSnapshot.objects.filter(claim=claim).count(),
        "version": claim.version,
        "drift": [str(drift) for drift in services.recompute_all(fix=False)],
    }


def test_writers_racing_on_a_sqlite_file_all_land(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    script = (
        "import django, json; django.setup(); "
        "from tests.test_concurrency import race_writers_on_this_database as race; "
        "print(json.dumps(race()))"
    )
    child = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])

    total = SQLITE_WRITERS * SQLITE_PER_WRITER
    assert report["vendor"] == "sqlite"
    assert report["transaction_mode"] == "IMMEDIATE"
    assert report["errors"] == []
    assert report["stored"] == total
    assert report["snapshots"] == 1 + total
    assert report["version"] == 1 + total
    assert report["drift"] == []
