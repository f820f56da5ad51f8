"""
bench/run.py's guards, without running the benchmark: a port already taken,
a gunicorn stopped however the run ends, rows that answer what they should
not, and a PostgreSQL database to create.
"""

import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench import run

RUN = Path(run.__file__)
ROOT = RUN.resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_env(tmp_path, port, **extra):
    """The bench's environment in a sandbox: its own SQLite file, port, and a marker to find its processes by."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "BENCH_DEBUG"}}
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir(exist_ok=True)
    # A wrk that is present, so that no guard is reached only because wrk is missing.
    (fake_bin / "wrk").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "wrk").chmod(0o755)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        BENCH_PORT=str(port),
        BENCH_TEST_MARKER=uuid.uuid4().hex,
        PATH=f"{fake_bin}:{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def processes_of(env) -> list[int]:
    """Processes still running with this environment's marker: the bench and whatever it started."""
    needle = f"BENCH_TEST_MARKER={env['BENCH_TEST_MARKER']}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def run_bench(env, timeout=60, script=None):
    command = [sys.executable, str(RUN)] if script is None else [sys.executable, "-c", script]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")


@needs_proc
def test_a_taken_port_stops_the_bench_before_anything_starts(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = bench_env(tmp_path, port)
        result = run_bench(env)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0]
    assert "already in use" in lines[0]
    assert "BENCH_PORT=" in lines[0]
    assert f"ss -ltnp 'sport = :{port}'" in lines[0]
    # Neither a server nor the preparation: no process left, no database made.
    assert processes_of(env) == []
    assert not (tmp_path / "bench.sqlite3").exists()
    assert result.stdout == ""


def test_claim_port_refuses_a_port_another_socket_listens_on():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(run.BenchError, match=f"port {port} .* already in use"):
            run.claim_port(port)


def test_claim_port_takes_a_port_left_in_time_wait(tmp_path):
    # The previous run's connections linger in TIME_WAIT; they must not look
    # like a server holding the port.
    port = free_port()
    with run.claim_port(port) as listener:
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first, as gunicorn's sync workers do
        client.close()
    run.claim_port(port).close()


def test_judge_accepts_a_row_that_answered_as_expected():
    assert run.judge("hello", "/bench/hello/", 200, 200) is None
    assert run.judge("hello", "/bench/hello/", 200, 200, 0) is None
    assert run.judge("API 304 (If-None-Match)", "/api/v1/claims/", 304, 304, 0) is None
    assert run.judge("unchanged poll (204)", "/?since=7", 204, 204, 0) is None


@pytest.mark.parametrize(
    ("expected", "status"),
    [(200, 500), (200, 404), (304, 200), (204, 200), (200, 204)],
)
def test_judge_fails_a_row_that_answered_another_status(expected, status):
    problem = run.judge("API claim detail", "/api/v1/claims/5/", expected, status)
    assert problem == (
        f"'API claim detail' (/api/v1/claims/5/) answered {status}, expected {expected}"
    )


def test_judge_fails_a_row_whose_load_met_errors():
    problem = run.judge("dashboard overview", "/", 200, 200, 12)
    assert (
        problem == "'dashboard overview' (/) got 12 non-2xx/3xx responses under wrk, expected none"
    )


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8100/bench/hello/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms    1.20ms  20.00ms   90.00%
    Req/Sec     1.95k   100.00     2.10k    70.00%
  Latency Distribution
     50%    3.90ms
     75%    4.50ms
     90%    5.20ms
     99%  812.00us
  38900 requests in 10.00s, 7.20MB read
{errors}Requests/sec:   3889.12
Transfer/sec:    737.00KB
"""


def test_read_wrk_counts_non_2xx_3xx_responses():
    load = run.read_wrk(WRK_OUTPUT.format(errors="  Non-2xx or 3xx responses: 38900\n"))
    assert load == {"rps": 3889.12, "p50_ms": 3.9, "p99_ms": 0.812, "non_2xx_3xx": 38900}
    assert run.judge("hello", "/bench/hello/", 200, 200, load["non_2xx_3xx"])


def test_read_wrk_without_errors():
    assert run.read_wrk(WRK_OUTPUT.format(errors=""))["non_2xx_3xx"] == 0


def test_read_wrk_fails_on_output_without_a_rate():
    with pytest.raises(run.BenchError, match="no Requests/sec"):
        run.read_wrk("unable to connect to 127.0.0.1:8100 Connection refused\n")


def server_env(tmp_path):
    env = run.server_env()
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    return env


@needs_proc
def test_serving_answers_and_stops_the_whole_group_even_on_an_error(tmp_path):
    import urllib.request

    port = free_port()
    with pytest.raises(RuntimeError, match="mid-run"):
        with run.serving(server_env(tmp_path), run.claim_port(port)) as server:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/") as answer:
                assert answer.status == 200
            # The master and its two workers.
            assert len(run.live_members(server.pid)) == 3
            raise RuntimeError("mid-run")
    assert server.returncode is not None
    assert run.live_members(server.pid) == []
    # The port is free again for the next run.
    run.claim_port(port).close()


@needs_proc
def test_serving_fails_at_once_when_gunicorn_exits(tmp_path):
    env = server_env(tmp_path)
    env["DJANGO_SETTINGS_MODULE"] = "bench.no_such_settings"
    started = time.monotonic()
    with pytest.raises(run.BenchError, match="gunicorn exited with code"):
        with run.serving(env, run.claim_port(free_port())):
            pytest.fail("gunicorn answered without its settings")
    assert time.monotonic() - started < run.READY_SECONDS / 2


SERVE = """
import sys, time
sys.path.insert(0, {root!r})
from bench import run

def work():
    env = run.server_env()
    with run.serving(env, run.claim_port(run.PORT)) as server:
        print(server.pid, flush=True)
        time.sleep(120)

sys.exit(run.cli(work))
"""


def heeding_stop_signals() -> None:
    # A suite started in the background by a shell without job control
    # inherits SIGINT ignored, and the bench rightly keeps a signal ignored
    # from the start (under nohup): here it is to heed them all.
    for signum in run.STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def start_serving(tmp_path):
    env = bench_env(tmp_path, free_port())
    bench = subprocess.Popen(
        [sys.executable, "-c", SERVE.format(root=str(ROOT))],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=heeding_stop_signals,
    )
    ready, _, _ = select.select([bench.stdout], [], [], 30)
    line = bench.stdout.readline() if ready else ""
    if not line.strip():
        os.killpg(bench.pid, signal.SIGKILL)
        pytest.fail(f"the bench did not start gunicorn: {bench.communicate()[1]}")
    return bench, int(line), env


def clean_up(bench, group):
    for pid in (bench.pid, group):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@needs_proc
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_the_bench_and_its_gunicorn(tmp_path, signum):
    bench, group, env = start_serving(tmp_path)
    try:
        assert run.live_members(group)
        bench.send_signal(signum)
        _, err = bench.communicate(timeout=run.STOP_SECONDS + 10)
        # Ended by the signal itself, as a shell expects of a command it interrupted.
        assert bench.returncode == -signum
        assert err.strip().splitlines()[-1] == f"bench: stopped by {signal.Signals(signum).name}"
        assert run.live_members(group) == []
        assert processes_of(env) == []
    finally:
        clean_up(bench, group)


@needs_proc
@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_gunicorn_stops_when_the_bench_is_killed_outright(tmp_path):
    bench, group, env = start_serving(tmp_path)
    try:
        bench.kill()
        bench.communicate(timeout=10)
        assert wait_for(lambda: run.live_members(group) == [], run.STOP_SECONDS)
        assert processes_of(env) == []
    finally:
        clean_up(bench, group)


def test_an_unforeseen_preparation_error_ends_in_one_line(tmp_path):
    env = bench_env(tmp_path, free_port(), DATABASE_URL="nosuch://somewhere/claimdesk")
    result = run_bench(env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bench: preparing the data failed: UnknownSchemeError: ")
    assert lines[0].endswith("(BENCH_DEBUG=1 shows the traceback)")


def test_bench_debug_adds_the_traceback(tmp_path):
    env = bench_env(
        tmp_path, free_port(), DATABASE_URL="nosuch://somewhere/claimdesk", BENCH_DEBUG="1"
    )
    result = run_bench(env)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("bench: preparing the data failed: UnknownSchemeError: ")
    assert "BENCH_DEBUG" not in last


def test_an_unreachable_postgresql_ends_in_one_line(tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    env = bench_env(
        tmp_path, free_port(), DATABASE_URL="postgres://postgres@127.0.0.1:1/claimdesk_nowhere"
    )
    result = run_bench(env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "bench: cannot connect to database 'claimdesk_nowhere' on PostgreSQL at 127.0.0.1:1: "
    )
    assert "refused" in lines[0]


def test_ensure_database_leaves_sqlite_alone(tmp_path):
    assert run.ensure_database(f"sqlite:///{tmp_path / 'x.sqlite3'}") is False
    assert not (tmp_path / "x.sqlite3").exists()


DATABASE_URL = os.environ.get("DATABASE_URL", "")
on_postgres = pytest.mark.skipif(
    urlsplit(DATABASE_URL).scheme not in {"postgres", "postgresql", "pgsql"},
    reason="DATABASE_URL does not point at PostgreSQL",
)


def maintenance():
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(DATABASE_URL)
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def database_exists(name):
    with maintenance() as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return connection.execute(query, [name]).fetchone() is not None


def with_database(name, user=None):
    parts = urlsplit(DATABASE_URL)
    netloc = parts.netloc if user is None else f"{user}@{parts.hostname}:{parts.port or 5432}"
    return parts._replace(netloc=netloc, path=f"/{name}").geturl()


@on_postgres
def test_ensure_database_creates_a_missing_database():
    from psycopg import sql

    name = f"claimdesk_benchtest_{uuid.uuid4().hex[:12]}"
    try:
        assert not database_exists(name)
        assert run.ensure_database(with_database(name)) is True
        assert database_exists(name)
        # The second run finds it.
        assert run.ensure_database(with_database(name)) is False
    finally:
        with maintenance() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@on_postgres
def test_ensure_database_says_what_to_run_when_it_may_not_create():
    import psycopg
    from psycopg import sql

    role = f"benchtest_{uuid.uuid4().hex[:12]}"
    name = f"claimdesk_benchtest_{uuid.uuid4().hex[:12]}"
    with maintenance() as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(role)))
    try:
        try:
            psycopg.connect(with_database("postgres", user=role)).close()
        except psycopg.OperationalError:
            pytest.skip("a new role cannot log in without a password here")
        with pytest.raises(run.BenchError) as failure:
            run.ensure_database(with_database(name, user=role))
        message = str(failure.value)
        assert "\n" not in message
        assert f"database {name!r} does not exist" in message
        assert f"createdb -h {urlsplit(DATABASE_URL).hostname}" in message
        assert f"-O {role} {name}" in message
        assert not database_exists(name)
    finally:
        with maintenance() as connection:
            connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
