"""
`make bench`: claimdesk under gunicorn (2 workers, production settings), the
generated newsroom-sized data, and wrk on loopback — every endpoint measured
in the same run beside two baselines (hello: the stack's limit; hand-written:
the no-framework limit). Measures, never asserts. Prints a table and writes
bench/results.json.

Environment: DATABASE_URL is honoured (PostgreSQL); otherwise a SQLite file
bench/bench.sqlite3, kept between runs so the data is generated once.
BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 16) tune wrk.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8100"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SIZE = {"disputes": 1000, "claims": 20000, "corroborations": 200000, "sources": 5000}


PERFORMANCE_DOC = """# Performance

Written by `make bench` (bench/run.py), one section per configuration it last
ran in: SQLite (`make bench`) and PostgreSQL with Redis (`DATABASE_URL=…
REDIS_URL=… make bench`). bench/results.json holds the same numbers.

Each run: gunicorn with 2 sync workers and production settings; wrk on
loopback with 2 threads and {connections} connections for {seconds} s per
row, after a 2 s warm-up. Data: 1000 disputes, 20,000 claims, 200,000
corroborations, 5000 sources (`generate_demo`). The load generator shares
the machine's cores with the server, for every row alike, so the ratios are
the comparable part.

- **hello**: a tiny JSON view that touches no database: the stack's limit.
- **hand-written**: the first 50 claims with speaker, party, credibility and
  their evidence's source and stance, from `.values()` into `JsonResponse`:
  the no-framework limit.
- **API claims list**: the same first page again and again, so each
  claim's JSON comes from the representation cache (api/resources/claim_json.py),
  as it does for partners polling the newest claims. **page after page**
  walks all {pages} pages in turn, as a partner syncing everything does: the
  first pass builds each page from the database (each gunicorn worker has
  its own cache without Redis; with Redis they share one).
- **API 304**: a partner revalidating the claims list with the ETag it holds.
- Partner API rows use a partner key; dashboard rows an editor's session.

Targets (issue 5): API claims list ≥ 0.5× hand-written; the 304 path ≥ 0.5×
hello; recording one corroboration < 20 ms server time; overview < 50 ms.

What gets there: the claims list writes each claim's JSON from the cache,
keyed by what it was built from (`api/resources/claim_json.py`); a partner's 304
is answered by a middleware before the rest of the stack, with one query
(`api/middleware.py`); database connections are kept across requests;
recording evidence locks and rewrites only the claim, its account and their
snapshots.
{sections}"""

ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgresql": "PostgreSQL"}

SECTION = """
## {configuration}

Run at {at} on {platform}, {cpus} CPUs, Python {python}.

{table}

{unloaded}
"""


class Facts(TypedDict):
    """What prepare() leaves for the measurements: credentials, and the rows to ask for."""

    session: str | None
    dispute: str
    claim: int
    written_claim: int
    source: int | None
    change: int
    key: str
    token: str


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


def prepare(env: dict[str, str]) -> Facts:
    """Migrate, generate the data if missing, and make the credentials wrk will send."""
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
    if Claim.objects.count() < SIZE["claims"]:
        print(f"Generating the newsroom-sized data set ({SIZE})…", flush=True)
        if Claim.objects.exists():
            call_command("flush", "--noinput", verbosity=0)
            # flush empties the role groups the data migration made.
            sync_role_groups(Group, Permission)
        call_command("generate_demo", *[f"--{k}={v}" for k, v in SIZE.items()])

    user, _ = get_user_model().objects.get_or_create(username="bench-editor")
    user.groups.add(Group.objects.get(name=EDITORS))
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()

    # The data generated above holds disputes.
    dispute = cast(Dispute, Dispute.objects.order_by("id").first())
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
        "claim": read.pk,
        "written_claim": written.pk,
        "source": source,
        "change": Change.latest_id(),
        "key": last_line("create_partner_key", "make bench"),
        "token": last_line("create_staff_token", user.username),
    }
    connections.close_all()
    return facts


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/bench/hello/", timeout=1)
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetch(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(BASE + path, headers=headers)
    try:
        # Generous: a slow endpoint leaves a queue behind the previous wrk run.
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


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
    subprocess.run(warm_up + [BASE + path], capture_output=True, check=True)
    output = subprocess.run(
        command + [BASE + path], capture_output=True, text=True, check=True
    ).stdout
    # wrk always reports the rate of a run that succeeded (check=True).
    rps = float(cast(re.Match[str], re.search(r"Requests/sec:\s+([\d.]+)", output)).group(1))
    latency = {p: float(v) * UNIT[u] for p, v, u in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
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
        fetch(path, headers)
        timings.append((time.perf_counter() - started) * 1000)
    return {"requests": count, "p50_ms": statistics.median(timings), "max_ms": max(timings)}


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
        with urllib.request.urlopen(request, timeout=30) as response:
            created = json.loads(response.read())
        timings.append((time.perf_counter() - started) * 1000)
        delete = urllib.request.Request(
            f"{BASE}/api/v1/corroborations/{created['id']}/", headers=headers, method="DELETE"
        )
        urllib.request.urlopen(delete, timeout=30).read()
    return {"writes": count, "p50_ms": statistics.median(timings), "max_ms": max(timings)}


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    env = server_env()
    facts = prepare(env)
    server = start_server(env)
    try:
        partner = {"Authorization": f"Api-Key {facts['key']}"}
        staff = {"Cookie": f"sessionid={facts['session']}"}
        claims_list = "/api/v1/claims/?page_size=50"
        status, headers = fetch(claims_list, partner)
        etag = headers.get("ETag", "")
        pages = -(-SIZE["claims"] // 50)
        targets: list[tuple[str, str, dict[str, str], *tuple[str, ...]]] = [
            ("hello", "/bench/hello/", {}),
            ("hand-written", "/bench/claims/", {}),
            ("API claims list (50)", claims_list, partner),
            (
                "API claims list, page after page",
                claims_list,
                partner,
                PAGES_IN_TURN.format(pages=pages, path=claims_list),
            ),
            ("API claim detail", f"/api/v1/claims/{facts['claim']}/", partner),
            ("API 304 (If-None-Match)", claims_list, {**partner, "If-None-Match": etag}),
            ("API changes feed", "/api/v1/changes/?since=0", partner),
            ("dashboard overview", "/", staff),
            ("dispute page", f"/disputes/{facts['dispute']}/", staff),
            ("unchanged poll (204)", f"/?since={facts['change']}", {**staff, "HX-Request": "true"}),
        ]
        results: dict[str, Row] = {}
        for name, path, headers, *script in targets:
            status, _ = fetch(path, headers)
            print(f"  {name:<32} {path}  → {status}", flush=True)
            results[name] = {"path": path, "status": status, **wrk(path, headers, *script)}
        unloaded = {
            name: time_one_at_a_time(path, headers)
            for name, path, headers in [
                ("dashboard overview", "/", staff),
                ("dispute page", f"/disputes/{facts['dispute']}/", staff),
                ("API claims list (50)", claims_list, partner),
            ]
        }
        writes = time_writes(facts)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

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
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(section(report))
    write_reports(report)
    print("written to bench/results.json and docs/performance.md")


def section(report: dict[str, Any]) -> str:
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
    ]
    machine = report["machine"]
    return SECTION.format(
        configuration=report["configuration"],
        at=report["at"],
        platform=machine["platform"],
        cpus=machine["cpus"],
        python=machine["python"],
        table="\n".join(table),
        unloaded="\n".join(one_at_a_time),
    )


def write_reports(report: dict[str, Any]) -> None:
    """This run replaces the last one of its configuration; the others stay."""
    path = ROOT / "bench" / "results.json"
    runs = {}
    if path.exists():
        runs = json.loads(path.read_text()).get("runs", {})
    runs[report["configuration"]] = report
    path.write_text(json.dumps({"latest": report["configuration"], "runs": runs}, indent=2) + "\n")
    (ROOT / "docs" / "performance.md").write_text(
        PERFORMANCE_DOC.format(
            connections=CONNECTIONS,
            seconds=SECONDS,
            pages=-(-SIZE["claims"] // 50),
            sections="".join(section(run) for _, run in sorted(runs.items())),
        )
    )


if __name__ == "__main__":
    main()
