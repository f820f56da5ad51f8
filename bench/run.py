"""
`make bench`: claimdesk under gunicorn (2 workers, production settings), the
generated newsroom-sized data, and wrk on loopback — every endpoint measured
in the same run beside two baselines (hello: the stack's limit; hand-written:
the no-framework limit). Prints a table and writes bench/results.json.

It measures; the one thing it asserts is that every row answered what that
row is meant to (200, or 304 and 204 for the rows named so), alone and under
wrk, so that a table of error pages is never written as a result.

Environment: DATABASE_URL is honoured (PostgreSQL; the database is created if
it does not exist); otherwise a SQLite file bench/bench.sqlite3, kept between
runs so the data is generated once. BENCH_SECONDS (default 10) and
BENCH_CONNECTIONS (default 16) tune wrk; BENCH_PORT (default 8100) is the
loopback port gunicorn listens on; BENCH_DEBUG=1 adds the traceback to a
failure's one-line reason.
"""

from __future__ import annotations

import ctypes
import errno
import getpass
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.client import HTTPException
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple, NotRequired, TypedDict, cast

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8100"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SIZE = {"disputes": 1000, "claims": 20000, "corroborations": 200000, "sources": 5000}

# gunicorn's own default: the bench listens on the port itself (claim_port),
# and gunicorn keeps a socket that already listens as it is.
BACKLOG = 2048
# How long gunicorn may take to answer its first request, and to stop.
READY_SECONDS = 60
STOP_SECONDS = 30


PERFORMANCE_DOC = """# Performance

Written by `make bench` (bench/run.py), one section per configuration it last
ran in: SQLite (`make bench`) and PostgreSQL with Redis (`DATABASE_URL=…
REDIS_URL=… make bench`). bench/results.json holds the same numbers.

Each run: gunicorn with 2 sync workers and production settings; wrk on
loopback with 2 threads and {connections} connections for {seconds} s per
row, after a 2 s warm-up. Data: 1000 disputes, 20,000 claims, 200,000
corroborations, 5000 sources (`generate_demo`), every dispute published
(`publishing.services.publish_many`), and one more of 50 claims with 8
pieces of evidence each. The load generator shares the machine's cores with
the server, for every row alike, so the ratios are the comparable part.

- **hello**: a tiny JSON view that touches no database: the stack's limit.
- **hand-written**: the first 50 claims with speaker, party, credibility and
  their evidence's source and stance, from `.values()` into `JsonResponse`:
  the no-framework limit.
- **API claims list**: the same first page again and again, as a partner
  reads it: each claim's JSON as its released revision stored it
  (`publishing.RevisionObject`), written out as it is. **page after page**
  walks all {pages} pages in turn, as a partner syncing everything does.
- **API 304**: a partner revalidating the claims list with the ETag it holds.
- Partner API rows use a partner key; dashboard rows an editor's session.
- **publish a dispute of 50 claims**: an editor's `POST …/publish/`
  republishing it (freezing a revision of ~460 objects, releasing it, and
  the partners' feed events).
- **Webhooks** (bench/webhooks.py), after the HTTP rows, with gunicorn
  stopped: real `db_worker` processes deliver to a receiver on loopback that
  verifies every signature with the Standard Webhooks reference code. The
  latency is from a transition's commit to its webhook's arrival, one event
  at a time with the worker idle; the throughput is two workers draining
  2,000 deliveries (100 events, 20 endpoints), first arrival to last; then a
  receiver fails the first try of every third delivery, and every delivery
  must still be accepted once.

Targets (issues 5, 12 and 13): API claims list ≥ 0.5× hand-written, page after
page ≥ 1.0×; the 304 path ≥ 0.5× hello; recording one corroboration < 20 ms
server time; overview < 50 ms; publishing a dispute of 50 claims < 200 ms;
webhooks ≥ 200 deliveries/s with two workers, commit to delivery p50 < 1 s.

What gets there: partners' lists page through the released rows' stored
JSON and splice it without decoding, the list's ids (its count and order)
read once per head of the partners' feed and cached (api/released.py);
the desk's claims list writes each claim's JSON from the cache,
keyed by what it was built from (`api/resources/claim_json.py`); a partner's 304
is answered by a middleware before the rest of the stack, with one query
(`api/middleware.py`); database connections are kept across requests;
recording evidence locks and rewrites only the claim, its account and their
snapshots; the cache key's epoch is one read of each type's head in the
change log (`changelog.Head`, kept by a trigger), never a walk of the log.
Without Redis, production keeps the API's throttle counters and
Idempotency-Keys in the database (every worker must see them), so SQLite's
API rows pay one small write each (one `UPDATE … RETURNING`). Republishing
works out which sources partners see otherwise from the dispute's own rows
(`publishing.selectors.SourceChanges`).

A fresh database's numbers are the first row of each table below: the
first run generates the data (and PostgreSQL's planner statistics with it).
{sections}"""

ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgresql": "PostgreSQL"}

SECTION = """
## {configuration}

Run at {at} on {platform}, {cpus} CPUs, Python {python}.

{table}

{unloaded}
{webhooks}
{history}
"""

# How many runs of each configuration the reports keep: one run is not a
# result, a few in a row show how much the numbers move.
HISTORY_RUNS = 6


class Facts(TypedDict):
    """What prepare() leaves for the measurements: credentials, and the rows to ask for."""

    session: str | None
    dispute: str
    # The dispute of 50 claims that "publish a dispute of 50 claims" republishes.
    fifty: str
    claim: int
    written_claim: int
    source: int | None
    change: int
    key: str
    token: str
    # Whether this run generated the data set (a fresh database) or found it.
    generated: bool


class Load(TypedDict):
    """One endpoint under wrk."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int


class Row(Load):
    """A row of the results table; the ratios come once hello and hand-written are in."""

    path: str
    status: int
    x_hello: NotRequired[float]
    x_hand_written: NotRequired[float]


class BenchError(Exception):
    """Why the bench cannot go on, in one line for whoever ran it."""


class Unexpected(BenchError):
    """A failure nobody foresaw: its traceback is worth offering (BENCH_DEBUG=1)."""


class Interrupted(BaseException):
    """A signal asked the bench to stop; a BaseException, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def one_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@contextmanager
def step(what: str) -> Iterator[None]:
    """Say which part of the run an unforeseen error broke, in one line."""
    try:
        yield
    except BenchError:
        raise
    except Exception as error:
        raise Unexpected(
            f"{what} failed: {type(error).__name__}: {one_line(str(error))}"
        ) from error


class Target(NamedTuple):
    """A row to measure, and the status that shows it measured what it names."""

    name: str
    path: str
    headers: dict[str, str]
    expected: int = 200
    script: str | None = None


def judge(name: str, path: str, expected: int, status: int, non_2xx_3xx: int = 0) -> str | None:
    """
    Why a measured row cannot stand, or None. A row that answers anything but
    its expected status measures an error page (or another server); one
    whose load met 4xx/5xx answers measured those in part.
    """
    if status != expected:
        return f"{name!r} ({path}) answered {status}, expected {expected}"
    if non_2xx_3xx:
        return f"{name!r} ({path}) got {non_2xx_3xx} non-2xx/3xx responses under wrk, expected none"
    return None


def server_env() -> dict[str, str]:
    """Production settings, as an operator would run them, on loopback."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}")
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # wrk speaks plain HTTP on loopback; TLS is the load balancer's job.
        DJANGO_SECURE_SSL_REDIRECT="0",
        CLAIMDESK_BENCH_ENDPOINTS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        # The load generator is one client: lift the per-key and per-user
        # throttles so they do not turn the measurement into 429s.
        CLAIMDESK_RATE_PARTNER="1000000/second",
        CLAIMDESK_RATE_STAFF="1000000/second",
        LOG_REQUESTS="0",
        LOG_LEVEL="WARNING",
    )
    return env


def last_line(command: str, *args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def ensure_database(url: str) -> bool:
    """
    Create the PostgreSQL database `url` names if it does not exist yet, as
    `make test` does for its test database, so that a new DATABASE_URL works
    on the first run; True if it was created. Other engines: nothing.
    """
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    name = config.get("NAME")
    if not config["ENGINE"].endswith(("postgresql", "postgis")) or not name:
        return False
    # Only what libpq understands: the URL's query may also carry Django's own options.
    libpq = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
    params: dict[str, Any] = {k: v for k, v in config.get("OPTIONS", {}).items() if k in libpq}
    given = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    params.update({key: value for key, value in given.items() if value})
    params.setdefault("connect_timeout", 10)
    params.pop("dbname", None)
    where = f"PostgreSQL at {params.get('host', 'the local socket')}:{params.get('port', 5432)}"
    user = params.get("user") or os.environ.get("PGUSER") or getpass.getuser()
    host, port = params.get("host", "localhost"), params.get("port", 5432)
    create_it = (
        f"run `createdb -h {host} -p {port} -U postgres -O {user} {name}`, then make bench again"
    )
    try:
        psycopg.connect(dbname=name, **params).close()
        return False
    except psycopg.OperationalError as error:
        # libpq gives no SQLSTATE for a failed connection: ask the maintenance
        # database whether this one exists rather than read the message.
        refused = one_line(str(error)).removeprefix("connection failed: ")
    try:
        maintenance = psycopg.connect(dbname="postgres", autocommit=True, **params)
    except psycopg.OperationalError:
        missing = "does not exist" in refused
        raise BenchError(
            f"cannot connect to database {name!r} on {where}: {refused}"
            + (f"; {create_it}" if missing else "")
        ) from None
    with maintenance:
        exists = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone():
            raise BenchError(f"cannot connect to database {name!r} on {where}: {refused}")
        try:
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False  # made by a run that started at the same time
        except psycopg.Error as error:
            raise BenchError(
                f"database {name!r} does not exist on {where} and {user} may not create it"
                f" ({one_line(str(error))}): {create_it}"
            ) from error
    print(f"Created the PostgreSQL database {name!r}.", flush=True)
    return True


def prepare(env: dict[str, str]) -> Facts:
    """Migrate, generate the data if missing, and make the credentials wrk will send."""
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command
    from django.db import connections

    from changelog.models import Change
    from claims.models import Claim, Dispute
    from dashboard.roles import EDITORS, sync_role_groups

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    generated = Claim.objects.count() < SIZE["claims"]
    if generated:
        print(f"Generating the newsroom-sized data set ({SIZE})…", flush=True)
        if Claim.objects.exists():
            call_command("flush", "--noinput", verbosity=0)
            # flush empties the role groups the data migration made.
            sync_role_groups(Group, Permission)
        call_command("generate_demo", *[f"--{k}={v}" for k, v in SIZE.items()])
    # Partners read what editors released: the generated disputes, and the
    # one of 50 claims whose publishing is timed, are published first.
    fifty = fifty_claims_dispute()
    publish_all()

    user, _ = get_user_model().objects.get_or_create(username="bench-editor")
    user.groups.add(Group.objects.get(name=EDITORS))
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()

    # The data generated above holds disputes.
    dispute = cast(Dispute, Dispute.objects.exclude(pk=fifty.pk).order_by("id").first())
    # The two claims with the most evidence: one is read, the other written.
    # Each run's writes leave score history behind on the claim they write,
    # which would make the read claim's detail longer from run to run.
    read, written = Claim.objects.filter(account__dispute=dispute).order_by(
        "-evidence_weight", "id"
    )[:2]
    # Any source that is not the claim's speaker may support it.
    source = (
        Claim.objects.exclude(speaker_id=written.speaker_id)
        .values_list("speaker_id", flat=True)
        .first()
    )
    facts: Facts = {
        "session": session.session_key,
        "dispute": dispute.slug,
        "fifty": fifty.slug,
        "claim": read.pk,
        "written_claim": written.pk,
        "source": source,
        "change": Change.latest_id(),
        "key": last_line("create_partner_key", "make bench"),
        "token": last_line("create_staff_token", user.username),
        "generated": generated,
    }
    connections.close_all()
    return facts


FIFTY_SLUG, FIFTY_CLAIMS, FIFTY_EVIDENCE = "bench-fifty-claims", 50, 8


def fifty_claims_dispute() -> Any:
    """
    A dispute of 50 claims, 8 pieces of evidence each, from the generated
    sources (made once, through the services, so its scores are as they
    would be): what "publish a dispute of 50 claims" republishes.
    """
    from claims import services
    from claims.models import Dispute
    from sources.models import Party, Source

    found = Dispute.objects.filter(slug=FIFTY_SLUG).first()
    if found is not None:
        return found
    print("Writing the dispute of 50 claims…", flush=True)
    dispute = services.create_dispute(
        by=None, slug=FIFTY_SLUG, title="What did the fifty claims say? (make bench)"
    )
    parties = list(Party.objects.order_by("id")[:2])
    accounts = [services.create_account(by=None, dispute=dispute, party=p) for p in parties]
    sources = list(Source.objects.order_by("id")[: FIFTY_CLAIMS + FIFTY_EVIDENCE])
    stances = ["supports", "contradicts", "partly_supports", "partly_contradicts"]
    for n in range(FIFTY_CLAIMS):
        speaker = sources[n]
        claim = services.create_claim(
            by=None, account=accounts[n % 2], text=f"Bench claim number {n}.", speaker=speaker
        )
        for k in range(FIFTY_EVIDENCE):
            services.record_corroboration(
                claim=claim,
                by=None,
                source=sources[n + k + 1],
                stance=stances[(n + k) % len(stances)],
                quote=f"Evidence {k} on claim {n}.",
            )
    return dispute


def publish_all() -> None:
    """Publish every dispute not published yet, at once (publishing.services.publish_many)."""
    from django.db import connection
    from django.db.models import Q

    from claims.models import Dispute
    from publishing import services
    from publishing.models import Publication

    waiting = Dispute.objects.filter(
        Q(publication__isnull=True)
        | Q(publication__state__in=[Publication.State.DRAFT, Publication.State.IN_REVIEW])
    ).order_by("id")
    count = waiting.count()
    if not count:
        return
    print(f"Publishing {count} disputes…", flush=True)
    started = time.monotonic()
    services.publish_many(disputes=list(waiting), by=None)
    print(f"Published {count} disputes in {time.monotonic() - started:.1f}s.", flush=True)
    if connection.vendor == "postgresql":
        # What autovacuum does to a table soon after a bulk load, done now:
        # the planner's statistics, and the visibility map without which
        # PostgreSQL counts the partners' 400,000 fresh rows from the heap
        # (the claims list's count went from 5 ms to under 1).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def claim_port(port: int) -> socket.socket:
    """
    Listen on the bench's port before anything else, and hand that very socket
    to gunicorn (serving): a port already taken — say by the gunicorn of a run
    that died — stops the run here, and whatever answers on the port later can
    only be the gunicorn this run started.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As gunicorn sets it: the previous run's connections, still in TIME_WAIT,
    # must not keep the port from a new listener.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(BACKLOG)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise BenchError(
                f"port {port} on 127.0.0.1 (BENCH_PORT) is already in use, perhaps by an earlier"
                f" run's gunicorn: see who holds it with `ss -ltnp 'sport = :{port}'` and stop it,"
                f" or pick another port: BENCH_PORT={port + 1} make bench"
            ) from None
        raise BenchError(
            f"cannot listen on 127.0.0.1:{port} (BENCH_PORT): {error.strerror}"
        ) from None
    return listener


def dies_with_the_bench() -> Callable[[], None] | None:
    """
    What gunicorn's master runs before it starts, on Linux: the kernel sends
    it SIGTERM when the bench dies, even by a SIGKILL that leaves no chance
    to clean up (its workers follow a master that goes).
    """
    if sys.platform != "linux":
        return None
    # Looked up here, not in the forked child, where only the bare minimum is safe.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    bench = os.getpid()
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != bench:  # the bench died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


@contextmanager
def serving(env: dict[str, str], listener: socket.socket) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn on the listener, answering; stopped, with all its workers, however the block ends."""
    fd = listener.fileno()
    port = listener.getsockname()[1]
    server = None
    try:
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"fd://{fd}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            pass_fds=(fd,),
            # Its own process group, which stop_server signals whole; and out
            # of the terminal's, so a Ctrl-C reaches it only through the bench.
            start_new_session=True,
            preexec_fn=dies_with_the_bench(),
        )
        # gunicorn holds the port now. Were the bench's copy still open, a
        # gunicorn that died would leave connections queueing for nobody
        # instead of being refused.
        listener.close()
        wait_until_ready(server, port)
        yield server
    finally:
        listener.close()
        if server is not None:
            stop_server(server)


def wait_until_ready(server: subprocess.Popen[bytes], port: int) -> None:
    url = f"http://127.0.0.1:{port}/bench/hello/"
    deadline = time.monotonic() + READY_SECONDS
    while True:
        code = server.poll()
        if code is not None:
            raise BenchError(
                f"gunicorn exited with code {code} before it answered (its log is above)"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, HTTPException):
            if time.monotonic() > deadline:
                raise BenchError(
                    f"gunicorn did not answer {url} within {READY_SECONDS} s"
                ) from None
            time.sleep(0.2)
            continue
        if status != 200:
            raise BenchError(
                f"gunicorn answered {url} with {status}, expected 200"
                " (are CLAIMDESK_BENCH_ENDPOINTS=1 and its settings in effect?)"
            )
        return


def ensure_running(server: subprocess.Popen[bytes]) -> None:
    """A gunicorn that died mid-run would leave the rest of the rows measuring nothing."""
    code = server.poll()
    if code is not None:
        raise BenchError(f"gunicorn exited with code {code} during the run (its log is above)")


def live_members(group: int) -> list[int]:
    """
    The processes of a process group that still run. Zombies are left out: a
    worker outliving its master waits to be reaped by PID 1, which in some
    containers never comes, and holds no port meanwhile.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    members = []
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # After the command's closing parenthesis: state, ppid, pgrp, …
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """
    SIGTERM to gunicorn's whole process group (the master leads it, its
    workers share it), some time to finish, then SIGKILL to what is left —
    at once if a second signal cuts the wait short.
    """
    group = server.pid
    try:
        signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while live_members(group) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        if live_members(group):
            signal_group(group, signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 5
        while live_members(group) and time.monotonic() < deadline:
            time.sleep(0.05)


def fetch(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(BASE + path, headers=headers)
    try:
        # Generous: a slow endpoint leaves a queue behind the previous wrk run.
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except (OSError, HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise BenchError(f"GET {path} got no answer: {reason}") from error


LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


# For the row that walks the claims list page by page: each request asks for
# the next page, so the representation cache fills as a syncing partner's would.
PAGES_IN_TURN = """
local page = 0
request = function()
  page = page % {pages} + 1
  return wrk.format(nil, "{path}&page=" .. page)
end
"""


def wrk(path: str, headers: dict[str, str], script: str | None = None) -> Load:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        script_file = ROOT / "bench" / "script.lua"
        script_file.write_text(script)
        command += ["-s", str(script_file)]
    # A short warm-up, so every measurement starts with warm workers and caches.
    warm_up = [part if not part.startswith("-d") else "-d2s" for part in command]
    run_wrk(warm_up + [BASE + path], 2)
    return read_wrk(run_wrk(command + [BASE + path], SECONDS))


def run_wrk(command: list[str], seconds: int) -> str:
    # wrk stops on its own after `seconds`; a wrk still running long after
    # hangs, and would hang the run (and keep gunicorn up) with it.
    limit = seconds + 60
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=limit
        ).stdout
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {limit} s on {command[-1]}") from None
    except subprocess.CalledProcessError as error:
        said = one_line(error.stderr) or one_line(error.stdout) or f"exit {error.returncode}"
        raise BenchError(f"wrk failed on {command[-1]}: {said}") from None


def read_wrk(output: str) -> Load:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise BenchError(f"wrk reported no Requests/sec: {one_line(output)}")
    latency = {p: float(v) * UNIT[u] for p, v, u in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(rate.group(1)),
        "p50_ms": latency.get("50", 0.0),
        "p99_ms": latency.get("99", 0.0),
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
    }


def time_one_at_a_time(path: str, headers: dict[str, str], count: int = 30) -> dict[str, float]:
    """Latency with no other request in flight: the server's own time, plus loopback."""
    fetch(path, headers)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = fetch(path, headers)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise BenchError(f"{path} answered {status} when timed alone, expected 200")
    return {"requests": count, "p50_ms": statistics.median(timings), "max_ms": max(timings)}


def send(request: urllib.request.Request, expected: int) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return cast(bytes, response.read())
    except urllib.error.HTTPError as error:
        raise BenchError(
            f"{request.get_method()} {request.full_url} answered {error.code}, expected {expected}"
        ) from None
    except (OSError, HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise BenchError(
            f"{request.get_method()} {request.full_url} got no answer: {reason}"
        ) from error


def time_writes(facts: Facts, count: int = 30) -> dict[str, float]:
    """Server time of recording one corroboration (and removing it again) over HTTP."""
    headers = {"Authorization": f"Token {facts['token']}", "Content-Type": "application/json"}
    timings = []
    for n in range(count):
        body = json.dumps(
            {
                "claim": facts["written_claim"],
                "source": facts["source"],
                "stance": "supports",
                "quote": f"make bench write {n}",
            }
        ).encode()
        request = urllib.request.Request(
            f"{BASE}/api/v1/corroborations/", data=body, headers=headers, method="POST"
        )
        started = time.perf_counter()
        created = json.loads(send(request, 201))
        timings.append((time.perf_counter() - started) * 1000)
        delete = urllib.request.Request(
            f"{BASE}/api/v1/corroborations/{created['id']}/", headers=headers, method="DELETE"
        )
        send(delete, 204)
    return {"writes": count, "p50_ms": statistics.median(timings), "max_ms": max(timings)}


def time_publishing(facts: Facts, count: int = 10) -> dict[str, float]:
    """Server time of republishing the dispute of 50 claims over HTTP (an editor's token)."""
    headers = {"Authorization": f"Token {facts['token']}", "Content-Type": "application/json"}
    timings = []
    for _ in range(count):
        request = urllib.request.Request(
            f"{BASE}/api/v1/disputes/{facts['fifty']}/publish/",
            data=b"{}",
            headers=headers,
            method="POST",
        )
        started = time.perf_counter()
        send(request, 200)
        timings.append((time.perf_counter() - started) * 1000)
    return {"publishes": count, "p50_ms": statistics.median(timings), "max_ms": max(timings)}


def measure(
    server: subprocess.Popen[bytes], facts: Facts
) -> tuple[dict[str, Row], dict[str, dict[str, float]], dict[str, float], dict[str, float]]:
    """Every row under wrk, then the unloaded timings; each row must answer as it is meant to."""
    partner = {"Authorization": f"Api-Key {facts['key']}"}
    staff = {"Cookie": f"sessionid={facts['session']}"}
    claims_list = "/api/v1/claims/?page_size=50"
    status, headers = fetch(claims_list, partner)
    if problem := judge("API claims list (50)", claims_list, 200, status):
        raise BenchError(problem)
    etag = headers.get("ETag", "")
    pages = -(-SIZE["claims"] // 50)
    targets = [
        Target("hello", "/bench/hello/", {}),
        Target("hand-written", "/bench/claims/", {}),
        Target("API claims list (50)", claims_list, partner),
        Target(
            "API claims list, page after page",
            claims_list,
            partner,
            script=PAGES_IN_TURN.format(pages=pages, path=claims_list),
        ),
        Target("API claim detail", f"/api/v1/claims/{facts['claim']}/", partner),
        Target("API 304 (If-None-Match)", claims_list, {**partner, "If-None-Match": etag}, 304),
        Target("API changes feed", "/api/v1/changes/?since=0", partner),
        Target("dashboard overview", "/", staff),
        Target("dispute page", f"/disputes/{facts['dispute']}/", staff),
        Target("claim panel", f"/claims/{facts['claim']}/", staff),
        Target(
            "unchanged poll (204)",
            f"/?since={facts['change']}",
            {**staff, "HX-Request": "true", "HX-Target": "overview-poll"},
            204,
        ),
    ]
    results: dict[str, Row] = {}
    for name, path, headers, expected, script in targets:
        with step(f"measuring {name!r}"):
            ensure_running(server)
            status, _ = fetch(path, headers)
            print(f"  {name:<32} {path}  → {status}", flush=True)
            if problem := judge(name, path, expected, status):
                raise BenchError(problem)
            load = wrk(path, headers, script)
            ensure_running(server)
            if problem := judge(name, path, expected, status, load["non_2xx_3xx"]):
                raise BenchError(problem)
            results[name] = {"path": path, "status": status, **load}
    with step("timing requests one at a time"):
        unloaded = {
            name: time_one_at_a_time(path, headers)
            for name, path, headers in [
                ("dashboard overview", "/", staff),
                ("dispute page", f"/disputes/{facts['dispute']}/", staff),
                ("claim panel", f"/claims/{facts['claim']}/", staff),
                ("API claims list (50)", claims_list, partner),
            ]
        }
    with step("timing writes"):
        writes = time_writes(facts)
    with step("timing publishing"):
        publishing = time_publishing(facts)
    ensure_running(server)
    return results, unloaded, writes, publishing


def main() -> None:
    # First, before minutes of preparation: a port that is taken ends the run here.
    listener = claim_port(PORT)
    with listener:
        if shutil.which("wrk") is None:
            raise BenchError("wrk is missing: apt-get install -y wrk")
        env = server_env()
        with step("preparing the data"):
            facts = prepare(env)
        with step("measuring"), serving(env, listener) as server:
            results, unloaded, writes, publishing = measure(server, facts)
    with step("measuring webhooks"):
        from bench.webhooks import measure_webhooks

        webhooks = measure_webhooks(env)

    hello, hand = results["hello"]["rps"], results["hand-written"]["rps"]
    for row in results.values():
        row["x_hello"] = round(row["rps"] / hello, 3)
        row["x_hand_written"] = round(row["rps"] / hand, 3)
    engine = env["DATABASE_URL"].split(":", 1)[0]
    configuration = ENGINES.get(engine, engine) + (" + Redis" if env.get("REDIS_URL") else "")
    report = {
        "configuration": configuration,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "wrk": {"seconds": SECONDS, "connections": CONNECTIONS, "threads": 2},
        "size": SIZE,
        "results": results,
        "one_at_a_time": unloaded,
        "write_corroboration": writes,
        "publish_dispute": publishing,
        "webhooks": webhooks,
        "data": "generated by this run" if facts["generated"] else "reused",
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(section(report))
    with step("writing the reports"):
        write_reports(report)
    print("written to bench/results.json and docs/performance.md")


# Ctrl-C, `timeout` or `kill`, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def restore_signals(caught: Iterable[int]) -> None:
    for signum in caught:
        signal.signal(signum, signal.SIG_DFL)


def cli(work: Callable[[], None] = main) -> int:
    """
    Run `work` and turn its end into an exit status: 0, or a one-line reason
    on stderr and 1; a signal stops it through the same clean-up (finally
    blocks stop gunicorn), then ends the bench by that signal, as a shell
    expects of a command it interrupted.
    """
    debug = os.environ.get("BENCH_DEBUG", "") not in ("", "0")
    # A signal ignored from the start stays so: under nohup, a closed terminal
    # must not stop the run.
    caught = [signum for signum in STOP_SIGNALS if signal.getsignal(signum) != signal.SIG_IGN]
    for signum in caught:
        signal.signal(signum, interrupted)
    try:
        work()
    except Interrupted as stop:
        # The clean-up is done: another signal may end the bench at once.
        restore_signals(caught)
        print(f"bench: stopped by {stop}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os.kill(os.getpid(), stop.signum)
        return 128 + stop.signum
    except Exception as error:
        restore_signals(caught)
        if debug:
            traceback.print_exception(error)
        if not isinstance(error, BenchError):
            error = Unexpected(f"{type(error).__name__}: {one_line(str(error))}")
        offer = isinstance(error, Unexpected) and not debug
        hint = " (BENCH_DEBUG=1 shows the traceback)" if offer else ""
        print(f"bench: {error}{hint}", file=sys.stderr, flush=True)
        return 1
    return 0


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """A run's figures the targets name, for the table of runs in a row."""
    results = report["results"]
    return {
        "at": report["at"],
        "data": report.get("data", "reused"),
        "claims_list_x_hand_written": results["API claims list (50)"]["x_hand_written"],
        "page_after_page_x_hand_written": results["API claims list, page after page"][
            "x_hand_written"
        ],
        "not_modified_x_hello": results["API 304 (If-None-Match)"]["x_hello"],
        "overview_ms": report["one_at_a_time"]["dashboard overview"]["p50_ms"],
        "dispute_ms": report["one_at_a_time"]["dispute page"]["p50_ms"],
        "claim_ms": report["one_at_a_time"]["claim panel"]["p50_ms"],
        "write_ms": report["write_corroboration"]["p50_ms"],
        "publish_ms": report.get("publish_dispute", {}).get("p50_ms"),
        "webhooks_per_second": report.get("webhooks", {}).get("deliveries_per_second"),
        "webhook_latency_ms": report.get("webhooks", {}).get("latency_p50_ms"),
    }


def history_table(runs: list[dict[str, Any]]) -> list[str]:
    return [
        "The last runs of this configuration, oldest first (targets: claims list ≥ 0.5×"
        " hand-written, page after page ≥ 1.0×, 304 ≥ 0.5× hello, overview, dispute page and"
        " claim panel < 50 ms, one write < 20 ms, publishing 50 claims < 200 ms, webhooks"
        " ≥ 200/s and p50 < 1,000 ms):",
        "",
        "| run at | data | claims list × hand-written | page after page | 304 × hello"
        " | overview ms | dispute page ms | claim panel ms | one write ms | publish 50 claims ms"
        " | webhooks/s | webhook ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {run['at']} | {run['data']} | {run['claims_list_x_hand_written']:.2f}"
            f" | {run['page_after_page_x_hand_written']:.2f} | {run['not_modified_x_hello']:.2f}"
            f" | {run['overview_ms']:.1f} | {run['dispute_ms']:.1f}"
            f" | {milliseconds(run.get('claim_ms'))} | {run['write_ms']:.1f}"
            f" | {milliseconds(run.get('publish_ms'))}"
            f" | {milliseconds(run.get('webhooks_per_second'))}"
            f" | {milliseconds(run.get('webhook_latency_ms'))} |"
            for run in runs
        ),
    ]


def milliseconds(value: float | None) -> str:
    # Runs from before a row existed have no figure for it.
    return "—" if value is None else f"{value:.1f}"


def section(report: dict[str, Any], history: list[dict[str, Any]] | None = None) -> str:
    """One configuration's tables, in Markdown."""
    results, unloaded, writes = (
        report["results"],
        report["one_at_a_time"],
        report["write_corroboration"],
    )
    table = [
        "| endpoint | status | req/s | p50 ms | p99 ms | × hello | × hand-written |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {name} | {row['status']} | {row['rps']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f}"
            f" | {row['x_hello']:.3f} | {row['x_hand_written']:.3f} |"
            for name, row in results.items()
        ),
    ]
    one_at_a_time = [
        "One request at a time over HTTP (no other load: the server's time plus loopback):",
        "",
        "| request | median ms | max ms |",
        "| --- | ---: | ---: |",
        *(
            f"| {name} | {row['p50_ms']:.1f} | {row['max_ms']:.1f} |"
            for name, row in unloaded.items()
        ),
        f"| record one corroboration (staff token) | {writes['p50_ms']:.1f} | {writes['max_ms']:.1f} |",
        *(
            [
                f"| publish a dispute of 50 claims (staff token) | {publishing['p50_ms']:.1f}"
                f" | {publishing['max_ms']:.1f} |"
            ]
            if (publishing := report.get("publish_dispute"))
            else []
        ),
    ]
    machine = report["machine"]
    return SECTION.format(
        webhooks=webhooks_table(report.get("webhooks")),
        history="\n".join(history_table(history or [summary(report)])),
        configuration=report["configuration"],
        at=report["at"],
        platform=machine["platform"],
        cpus=machine["cpus"],
        python=machine["python"],
        table="\n".join(table),
        unloaded="\n".join(one_at_a_time),
    )


def webhooks_table(webhooks: dict[str, Any] | None) -> str:
    if not webhooks:
        return ""
    flaky = webhooks["flaky"]
    return "\n".join(
        [
            "",
            f"Webhooks ({webhooks['workers']} `db_worker` processes, a receiver on loopback):",
            "",
            "| measure | value |",
            "| --- | ---: |",
            f"| commit to delivery, p50 (one event at a time, worker idle) | "
            f"{webhooks['latency_p50_ms']:.1f} ms |",
            f"| commit to delivery, max | {webhooks['latency_max_ms']:.1f} ms |",
            f"| deliveries per second ({webhooks['deliveries']:,} waiting) | "
            f"{webhooks['deliveries_per_second']:.1f} |",
            f"| receiver failing 1 in 3: deliveries, first tries failed | "
            f"{flaky['deliveries']}, {flaky['failed_first_tries']} |",
            f"| … all delivered; accepted twice; seconds | "
            f"{'yes' if flaky['all_delivered'] else 'NO'}; {flaky['accepted_twice']};"
            f" {flaky['seconds']:.1f} |",
            "",
        ]
    )


def write_reports(report: dict[str, Any]) -> None:
    """This run replaces the last one of its configuration; the others stay."""
    path = ROOT / "bench" / "results.json"
    runs: dict[str, Any] = {}
    history: dict[str, list[dict[str, Any]]] = {}
    if path.exists():
        kept = json.loads(path.read_text())
        runs, history = kept.get("runs", {}), kept.get("history", {})
    configuration = report["configuration"]
    runs[configuration] = report
    history[configuration] = [*history.get(configuration, []), summary(report)][-HISTORY_RUNS:]
    document = {"latest": configuration, "runs": runs, "history": history}
    path.write_text(json.dumps(document, indent=2) + "\n")
    (ROOT / "docs" / "performance.md").write_text(
        PERFORMANCE_DOC.format(
            connections=CONNECTIONS,
            seconds=SECONDS,
            pages=-(-SIZE["claims"] // 50),
            sections="".join(section(run, history.get(name)) for name, run in sorted(runs.items())),
        )
    )


if __name__ == "__main__":
    sys.exit(cli())
