"""
Two real gunicorn workers in production mode, without Redis: what one worker
counts or remembers, the other must see (the shared store, api/shared_store.py,
on the database). Test clients in one process would prove nothing, since they
share a process's memory; so the app runs as `gunicorn -w 2` on a throw-away
SQLite file, and the test speaks HTTP to it. The access log names the worker
(its pid) that served each request, to show that both served some.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from claims.models import Corroboration

PARTNER_RATE = 20
STARTUP_SECONDS = 20

# Made in the throw-away database by `manage.py shell`: a member of the Editors
# group (prints nothing; create_demo_users refuses production mode and
# writes the developer's demo files), then the ids the POST names.
SETUP = """
from django.contrib.auth.models import Group, User
from claims.models import Claim
from sources.models import Source
editor = User.objects.create_user("editor", password=None)
editor.groups.add(Group.objects.get(name="Editors"))
claim = Claim.objects.order_by("pk").first()
source = Source.objects.exclude(pk=claim.speaker_id).order_by("pk").first()
print(__import__("json").dumps({"claim": claim.pk, "source": source.pk}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(database: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # Whatever the suite runs with, the app under test has no Redis, no
        # proxy in front and a database of its own.
        if name
        not in {
            "REDIS_URL",
            "DATABASE_URL",
            "CACHE_KEY_PREFIX",
            "DJANGO_BEHIND_PROXY",
            "DJANGO_PROXY_COUNT",
            "CLAIMDESK_BENCH_ENDPOINTS",
        }
        and not name.startswith("CLAIMDESK_RATE_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{database}",
        CLAIMDESK_RATE_PARTNER=f"{PARTNER_RATE}/hour",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command against the throw-away database; its last line."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


class Server:
    def __init__(self, port: int, access_log: Path) -> None:
        self.port, self.access_log = port, access_log

    def request(
        self, method: str, path: str, *, tag: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a connection of its own (no keep-alive), tagged for the access log."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            payload = None if body is None else json.dumps(body)
            all_headers = {"X-Request-ID": tag, "Connection": "close", **headers}
            if payload is not None:
                all_headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def workers_that_served(self, prefix: str) -> set[str]:
        if not self.access_log.exists():  # before the first request is logged
            return set()
        lines = self.access_log.read_text().splitlines()
        return {m[1] for line in lines if (m := re.match(rf"<(\d+)> {prefix}\S* ", line))}


def together(work: Callable[[int], Any], count: int) -> list[Any]:
    """work(0), …, work(count - 1) from that many threads released at once, in order."""
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def wait_for_both_workers(server: Server, process: subprocess.Popen, log: Path) -> None:
    """
    Until each worker has answered: a worker still booting, or slow with its
    first request, would leave every request of a test to the other one.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(server.workers_that_served("ready-")) < 2:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "gunicorn's two workers did not answer in time"
        try:
            # Unauthenticated: answered 401 before any throttle counts it.
            together(
                lambda n: server.request("GET", "/api/v1/disputes/", tag=f"ready-{n}", headers={}),
                4,
            )
        except OSError:
            time.sleep(0.2)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """gunicorn -w 2 in production mode on a fresh SQLite file, with a staff token and a partner key."""
    folder = tmp_path_factory.mktemp("two-workers")
    database = folder / "db.sqlite3"
    env = production_environment(database)
    manage(env, "migrate", "--noinput")
    manage(env, "load_hanoi")
    ids = json.loads(manage(env, "shell", "-c", SETUP))
    token = manage(env, "create_staff_token", "editor")
    partner_key = manage(env, "create_partner_key", "Example Times")

    port, access_log = free_port(), folder / "access.log"
    server_log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers=2",
            # Load the app before forking, so that both workers are ready at once.
            "--preload",
            f"--bind=127.0.0.1:{port}",
            f"--access-logfile={access_log}",
            "--access-logformat=%(p)s %({x-request-id}i)s %(s)s",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        # Its own process group, so that the workers go with the arbiter.
        start_new_session=True,
    )
    try:
        server = Server(port, access_log)
        wait_for_both_workers(server, process, folder / "server.log")
        yield server, token, partner_key, ids, database
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        server_log.close()


def test_one_idempotency_key_creates_one_corroboration_across_two_workers(two_workers):
    server, token, _, ids, database = two_workers

    def count() -> int:
        with sqlite3.connect(database) as db:
            return db.execute(f"SELECT count(*) FROM {Corroboration._meta.db_table}").fetchone()[0]

    before = count()
    body = {
        "claim": ids["claim"],
        "source": ids["source"],
        "stance": "supports",
        "quote": "Sent ten times, recorded once.",
    }
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "retry-across-workers"}

    answers = together(
        lambda n: server.request(
            "POST", "/api/v1/corroborations/", tag=f"post-{n}", headers=headers, body=body
        ),
        10,
    )

    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {201, 409}, answers
    originals = [a for a in answers if a[0] == 201 and "Idempotent-Replayed" not in a[1]]
    assert len(originals) == 1, statuses
    replays = [a for a in answers if a[0] == 201 and "Idempotent-Replayed" in a[1]]
    assert all(json.loads(body) == json.loads(originals[0][2]) for _, _, body in replays)
    assert count() == before + 1
    assert len(server.workers_that_served("post-")) == 2


def test_partner_rate_is_counted_across_two_workers(two_workers):
    server, _, partner_key, _, _ = two_workers
    headers = {"Authorization": f"Api-Key {partner_key}"}
    # The rate is per hour: start where the whole test fits in one window.
    into_the_hour = time.time() % 3600
    if into_the_hour > 3600 - 15:
        time.sleep(3600 - into_the_hour + 1)

    allowed = together(
        lambda n: server.request("GET", "/api/v1/disputes/", tag=f"partner-{n}", headers=headers)[
            0
        ],
        PARTNER_RATE,
    )
    assert allowed == [200] * PARTNER_RATE
    assert len(server.workers_that_served("partner-")) == 2

    # Each worker has served fewer than the rate, yet the next ones are over it.
    over = [
        server.request("GET", "/api/v1/disputes/", tag=f"over-{n}", headers=headers)
        for n in range(4)
    ]
    assert [status for status, _, _ in over] == [429] * 4
    assert all(1 <= int(answer["Retry-After"]) <= 3600 for _, answer, _ in over)
