"""
Webhooks delivered the way production delivers them: real `db_worker`
processes on a database of their own push to a receiver on 127.0.0.1 that
verifies every delivery with the reference library. On SQLite one worker,
through a failure and its retry at the scheduled time; on PostgreSQL (when
the suite runs on it) two workers at once, each event delivered once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.conf import settings

from tests.publishing.test_worker import (
    WorkerDatabase,
    environment,
    manage,
    stop,
    suite_runs_on_postgresql,
)

from .conftest import Answer, Receiver

REGISTER = """
import json
from rest_framework_api_key.models import APIKey
from webhooks import services
key, _ = APIKey.objects.create_key(name="Example Times")
found = []
for path in {paths!r}:
    endpoint, secret = services.register_endpoint(
        partner_key=key, url="{base}" + path, by=None,
        event_types=["dispute.published", "dispute.withheld"],
    )
    found.append([path, secret])
print(json.dumps(found))
"""

# A dispute published, then paused and resumed `cycles` times: 1 + 2 × cycles
# events, each in a transaction of its own.
PUBLISH = """
from django.utils import timezone
from publishing import services
from tests.factories import DisputeFactory, PartyFactory, SourceFactory, build_dispute
for factory in (DisputeFactory, PartyFactory, SourceFactory):
    factory.reset_sequence(int(timezone.now().timestamp() * 1000))
dispute = build_dispute(parties=1, claims_per_account=1, evidence_per_claim=1)
services.submit_for_review(dispute=dispute, by=None)
services.publish(dispute=dispute, by=None)
for _ in range({cycles}):
    services.pause(dispute=dispute, by=None)
    services.resume(dispute=dispute, by=None)
print(dispute.pk)
"""


@contextmanager
def database_of_its_own(engine, tmp_path):
    """A migrated database of its own, and the environment its processes run in."""
    if engine == "sqlite":
        path = tmp_path / "db.sqlite3"
        store = WorkerDatabase("sqlite", f"sqlite:///{path}", path)
    else:
        import psycopg

        default = settings.DATABASES["default"]
        name = f"claimdesk_webhook_workers_{os.getpid()}"
        server = f"postgres://{default['USER']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        store = WorkerDatabase("postgresql", f"{server}/{name}")
    env = environment(store.url)
    manage(env, "migrate", "--noinput")
    try:
        yield store, env
    finally:
        if engine == "postgresql":
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_desk(tmp_path):
    with database_of_its_own("sqlite", tmp_path) as desk:
        yield desk


@pytest.fixture
def postgresql_desk(tmp_path):
    if not suite_runs_on_postgresql():
        pytest.skip(
            "Workers on PostgreSQL need the suite on PostgreSQL: set DATABASE_URL "
            "(CI runs the suite once with DATABASE_URL=postgres://…)."
        )
    with database_of_its_own("postgresql", tmp_path) as desk:
        yield desk


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
    unverified = [item.headers for item in server.received if not item.verified_with]
    assert not unverified, f"deliveries that do not verify: {unverified}"


def register(env, receiver, paths):
    registered = json.loads(
        manage(env, "shell", stdin=REGISTER.format(paths=paths, base=receiver.url("")))
    )
    for path, secret in registered:
        receiver.secrets[path] = [secret]


def start_workers(env, tmp_path, count):
    logs = [(tmp_path / f"worker-{n}.log").open("w") for n in range(count)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval=0.1",
                f"--worker-id=webhook-worker-{n}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=logs[n],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(count)
    ]
    return workers, logs


def wait_for(done, workers, tmp_path, *, seconds):
    deadline = time.monotonic() + seconds
    while not done():
        for n, worker in enumerate(workers):
            assert worker.poll() is None, (tmp_path / f"worker-{n}.log").read_text()
        assert time.monotonic() < deadline, (tmp_path / "worker-0.log").read_text()[-3000:]
        time.sleep(0.1)


def test_a_real_worker_on_sqlite_delivers_and_retries_at_the_scheduled_time(
    sqlite_desk, receiver, tmp_path
):
    database, env = sqlite_desk
    register(env, receiver, ["/hook"])
    receiver.script("/hook", [Answer(503, body="restarting")])
    workers, logs = start_workers(env, tmp_path, 1)
    try:
        manage(env, "shell", stdin=PUBLISH.format(cycles=0))
        wait_for(lambda: len(receiver.at("/hook")) >= 2, workers, tmp_path, seconds=60)
        # Let a stray duplicate show itself, if there were one.
        time.sleep(0.5)
    finally:
        for worker in workers:
            stop(worker)
        for log in logs:
            log.close()
    first, second = receiver.at("/hook")
    assert (first.answered, second.answered) == (503, 200)
    assert first.webhook_id == second.webhook_id and first.body == second.body
    gap = int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"])
    assert 3 <= gap <= 7  # the schedule's 5 s, give or take its jitter
    [(state, attempts)] = database.query("SELECT state, attempts FROM webhooks_delivery")
    assert (state, attempts) == ("succeeded", 2)


def test_two_real_workers_on_postgresql_deliver_every_event_once(
    postgresql_desk, receiver, tmp_path
):
    database, env = postgresql_desk
    cycles = 20
    events = 1 + 2 * cycles
    paths = ["/times", "/herald"]
    register(env, receiver, paths)
    for path in paths:
        # A little latency, so that the workers' batches overlap.
        receiver.script(path, lambda request: Answer(200, delay=0.01))
    workers, logs = start_workers(env, tmp_path, 2)
    try:
        manage(env, "shell", stdin=PUBLISH.format(cycles=cycles))

        def delivered():
            [(left,)] = database.query(
                "SELECT COUNT(*) FROM webhooks_delivery WHERE state <> 'succeeded'"
            )
            return len(receiver.received) >= events * len(paths) and left == 0

        wait_for(delivered, workers, tmp_path, seconds=90)
        time.sleep(1)  # long enough for a duplicate to arrive, if there were one
        assert all(worker.poll() is None for worker in workers), "a worker died"
    finally:
        for worker in workers:
            stop(worker)
        for log in logs:
            log.close()
    messages = {
        webhook_id for (webhook_id,) in database.query("SELECT webhook_id FROM webhooks_message")
    }
    assert len(messages) == events
    for path in paths:
        got = Counter(item.webhook_id for item in receiver.at(path))
        assert set(got) == messages and set(got.values()) == {1}, path
    # None succeeded twice (an attempt that failed to connect may have been retried).
    [(succeeded,)] = database.query("SELECT COUNT(*) FROM webhooks_attempt WHERE status = 200")
    assert succeeded == events * len(paths)
