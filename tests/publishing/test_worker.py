"""
Jobs run the way production runs them: real `db_worker` processes on a
database of their own (a SQLite file; and, when the suite runs on
PostgreSQL, a PostgreSQL database, as several servers' workers share in
production), picking up the release an embargo scheduled; and `make run`'s
launcher, which starts the web server and a worker together and stops both
on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

EMBARGO_SECONDS = 4

# Run by `manage.py shell` in the throw-away database: a dispute in review,
# published under an embargo a few seconds long.
PUBLISH_UNDER_EMBARGO = f"""
import json
from datetime import timedelta
from django.utils import timezone
from publishing import services
from tests.factories import DisputeFactory, PartyFactory, SourceFactory, build_dispute
# Each run in the same database needs names of its own.
for factory in (DisputeFactory, PartyFactory, SourceFactory):
    factory.reset_sequence(int(timezone.now().timestamp() * 1000))
dispute = build_dispute(parties=2, claims_per_account=2, evidence_per_claim=1)
services.submit_for_review(dispute=dispute, by=None)
revision = services.publish(
    dispute=dispute, by=None, embargo_until=timezone.now() + timedelta(seconds={EMBARGO_SECONDS})
)
print(json.dumps({{"dispute": dispute.pk, "revision": revision.pk,
                  "embargo": revision.embargoed_until.isoformat()}}))
"""


def environment(database_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"REDIS_URL", "DATABASE_URL", "CACHE_KEY_PREFIX", "CLAIMDESK_BENCH_ENDPOINTS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


class WorkerDatabase:
    """A throw-away database the worker processes and the test both open."""

    def __init__(self, engine: str, url: str, path: Path | None = None) -> None:
        self.engine, self.url, self.path = engine, url, path

    def query(self, sql: str, *params: object) -> list[tuple]:
        if self.engine == "sqlite":
            with sqlite3.connect(self.path, timeout=20) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            return db.execute(sql.replace("?", "%s"), params).fetchall()


def suite_runs_on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    """A migrated database with the Hanoi story published, and its environment."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("worker") / "db.sqlite3"
        store = WorkerDatabase("sqlite", f"sqlite:///{path}", path)
    elif not suite_runs_on_postgresql():
        pytest.skip(
            "Workers on PostgreSQL need the suite on PostgreSQL: set DATABASE_URL "
            "(CI runs the suite once with DATABASE_URL=postgres://…)."
        )
    else:
        import psycopg

        default = settings.DATABASES["default"]
        name = f"claimdesk_workers_{os.getpid()}"
        server = f"postgres://{default['USER']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        store = WorkerDatabase("postgresql", f"{server}/{name}")
    env = environment(store.url)
    manage(env, "migrate", "--noinput")
    manage(env, "load_hanoi")
    yield store, env
    if store.engine == "postgresql":
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def revision_state(database: WorkerDatabase, revision: int) -> tuple[str, datetime | None]:
    [(state, released_at)] = database.query(
        "SELECT state, released_at FROM publishing_revision WHERE id = ?", revision
    )
    # SQLite gives the time as text, in UTC.
    if isinstance(released_at, str):
        released_at = datetime.fromisoformat(released_at.replace(" ", "T")).replace(tzinfo=UTC)
    return state, released_at


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_two_real_workers_release_an_embargoed_revision_once_at_its_time(database, tmp_path):
    database, env = database
    published = json.loads(manage(env, "shell", stdin=PUBLISH_UNDER_EMBARGO))
    embargo = datetime.fromisoformat(published["embargo"])
    [(job_status, run_after)] = database.query(
        "SELECT status, run_after FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'publishing.tasks.release_embargoed_revisions'",
    )
    assert job_status == "READY"

    logs = [(tmp_path / f"worker-{n}.log").open("w") for n in range(2)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval=0.1",
                f"--worker-id=test-worker-{n}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=logs[n],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(2)
    ]
    try:
        seen_pending = False
        deadline = time.monotonic() + EMBARGO_SECONDS + 30
        while True:
            state, released_at = revision_state(database, published["revision"])
            if state == "released":
                break
            assert state == "pending"
            if datetime.now(tz=embargo.tzinfo) < embargo:
                seen_pending = True
            assert all(worker.poll() is None for worker in workers), "a worker died"
            assert time.monotonic() < deadline, "the workers did not release the revision"
            time.sleep(0.1)
    finally:
        for worker in workers:
            stop(worker)
        for log in logs:
            log.close()

    assert seen_pending, "the revision was released before its embargo ended"
    assert released_at is not None and released_at >= embargo.replace(microsecond=0)
    [(job_status, worker_ids)] = database.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'publishing.tasks.release_embargoed_revisions'",
    )
    assert job_status == "SUCCESSFUL"
    # One worker ran it (PostgreSQL hands back the JSON column decoded).
    assert len(json.loads(worker_ids) if isinstance(worker_ids, str) else worker_ids) == 1
    dispute_events = database.query(
        "SELECT action, event FROM publishing_feedevent "
        "WHERE object_type = 'dispute' AND object_id = ?",
        published["dispute"],
    )
    assert dispute_events == [("created", "published")]
    # The sweep, run afterwards, finds nothing left to do.
    assert "nothing to release" in manage(env, "release_embargoed")


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent, process group, state) of every process (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.append((int(entry.name), int(fields[1]), int(fields[2]), fields[0]))
    return found


def running_in_groups(groups: set[int]) -> list[int]:
    # A zombie has stopped; whoever adopted it just has not reaped it yet.
    return [pid for pid, _, group, state in processes() if group in groups and state != "Z"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_run_serves_and_works_and_ctrl_c_stops_both(database, tmp_path):
    database, env = database
    published = json.loads(manage(env, "shell", stdin=PUBLISH_UNDER_EMBARGO))
    port = free_port()
    log = (tmp_path / "run.log").open("w")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "config.devserver", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert launcher.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=5
                ) as answer:
                    served = answer.status
            except OSError:
                served = None
            released = revision_state(database, published["revision"])[0] == "released"
            if served == 200 and released:
                break
            time.sleep(0.25)
        children = {pid for pid, parent, _, _ in processes() if parent == launcher.pid}
        assert len(children) == 3  # the web server, the worker, the sweep
        # Each leads its process group, with the children it started (the reloaders').
        assert len(running_in_groups(children)) >= 2

        # Ctrl-C in a terminal: SIGINT to the launcher.
        os.kill(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=30) == 0
    finally:
        stop(launcher)
        log.close()

    deadline = time.monotonic() + 10
    while running_in_groups(children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running_in_groups(children), (tmp_path / "run.log").read_text()
