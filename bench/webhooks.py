"""
`make bench`, webhooks: real `db_worker` processes delivering to a receiver
on loopback, with the settings production runs (bench/run.py calls
measure_webhooks() after the HTTP rows, in the same configuration).

- **latency**: one endpoint, the workers idle; a dispute is paused or
  resumed, one event at a time, and the time from the transition's commit to
  the receiver holding its webhook is taken, as a partner would see it.
- **throughput**: 20 endpoints; 100 events are written while no worker runs
  (2,000 deliveries waiting), then two workers start, and deliveries per
  second are counted from the first delivery received to the last.
- **a receiver failing one request in three**: the first try of every third
  delivery answers 500; every delivery must still arrive, and be accepted
  exactly once per webhook-id and endpoint, the failed ones on the spec's
  second try (5 s later).

The receiver checks every signature with the Standard Webhooks reference
code (`standardwebhooks`), as a partner's would; a bad one ends the bench.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
LATENCY_EVENTS = 20
THROUGHPUT_ENDPOINTS = 20
THROUGHPUT_EVENTS = 100
FLAKY_EVENTS = 20
# How long a phase may take before the bench gives up on it: the flaky
# phase's retries come 5 s after the first try (±10%).
PHASE_SECONDS = int(os.environ.get("BENCH_WEBHOOK_SECONDS", "120"))
BENCH_DESCRIPTION = "make bench"


class _Server(ThreadingHTTPServer):
    # The workers open dozens of connections at once: with http.server's
    # listen backlog of 5, the kernel refused some, and the receiver, not
    # the desk, was measured.
    request_queue_size = 256


class Receiver:
    """A partner's endpoint: every delivery verified, recorded by webhook-id and path."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.accepted: Counter[tuple[str, str]] = Counter()
        self.arrivals: list[tuple[float, str, str]] = []  # (time.time(), path, webhook-id)
        self.bad_signatures: list[str] = []
        self.fail_every_third_first_try = False
        self._first_tries = 0
        self._tried: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, path: str | None = None) -> int:
        with self._lock:
            return sum(n for (p, _), n in self.accepted.items() if path is None or p == path)

    def _answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        arrived = time.time()
        try:
            Webhook(self.secrets[path]).verify(body, headers)
        except (KeyError, WebhookVerificationError) as error:
            with self._lock:
                self.bad_signatures.append(f"{path}: {error}")
            return 400
        key = (path, headers.get("webhook-id", ""))
        with self._lock:
            if self.fail_every_third_first_try and key not in self._tried:
                self._tried.add(key)
                self._first_tries += 1
                if self._first_tries % 3 == 0:
                    return 500
            self.accepted[key] += 1
            self.arrivals.append((arrived, path, key[1]))
        return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._answer(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextmanager
def workers(env: dict[str, str], count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` task workers, as production runs them, stopped (and waited for) at the end."""
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"]
    logs = [tempfile.TemporaryFile() for _ in range(count)]
    started = [
        subprocess.Popen(
            [*command, "--worker-id", f"bench-{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for n, log in enumerate(logs)
    ]
    try:
        yield started
    finally:
        for worker in started:
            worker.terminate()
        for worker in started:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for log in logs:
            log.close()


def wait_for(what: str, done: Callable[[], bool], running: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + PHASE_SECONDS
    while not done():
        for worker in running:
            if worker.poll() is not None:
                raise RuntimeError(
                    f"a worker stopped (exit status {worker.returncode}) while {what}"
                )
        if time.monotonic() > deadline:
            from django.db.models import Count

            from webhooks.models import Delivery

            states = dict(Delivery.objects.values_list("state").annotate(n=Count("id")).order_by())
            waiting = list(
                Delivery.objects.filter(state=Delivery.State.PENDING).values_list(
                    "attempts", "next_attempt_at", "claimed_until", "last_status"
                )[:3]
            )
            raise RuntimeError(
                f"gave up after {PHASE_SECONDS} s {what} (deliveries: {states}; waiting: {waiting})"
            )
        time.sleep(0.01)


def measure_webhooks(env: dict[str, str]) -> dict[str, Any]:
    """The three phases above, on the bench's data; endpoints made here are deleted after."""
    from rest_framework_api_key.models import APIKey

    from claims.models import Dispute
    from publishing import services as publishing
    from publishing.models import Publication
    from webhooks import services
    from webhooks.models import Endpoint, EventType

    # The workers may call a receiver on loopback, over plain HTTP: only here.
    env = {**env, "WEBHOOKS_ALLOW_INSECURE_URLS": "1", "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "1"}
    os.environ.update(env)
    from django.conf import settings

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

    for leftover in Endpoint.objects.filter(description=BENCH_DESCRIPTION):
        services.delete_endpoint(leftover, by=None)
    key = APIKey.objects.filter(name="make bench webhooks", revoked=False).first()
    if key is None:
        made_key, _ = APIKey.objects.create_key(name="make bench webhooks")
        key = cast(APIKey, made_key)
    disputes = list(
        Dispute.objects.filter(publication__state=Publication.State.PUBLISHED).order_by("id")[
            : THROUGHPUT_EVENTS // 2
        ]
    )

    def transition(dispute: Dispute) -> None:
        # Paused, then resumed: each one event, and the dispute as it was.
        state = Publication.objects.values_list("state", flat=True).get(dispute=dispute)
        if state == Publication.State.PUBLISHED:
            publishing.pause(dispute=dispute, by=None, note="")
        else:
            publishing.resume(dispute=dispute, by=None)

    def register(receiver: Receiver, path: str) -> Endpoint:
        endpoint, secret = services.register_endpoint(
            partner_key=key,
            url=receiver.url + path,
            event_types=[EventType.WITHHELD, EventType.PUBLISHED],
            description=BENCH_DESCRIPTION,
            by=None,
        )
        receiver.secrets[path] = secret
        return endpoint

    report: dict[str, Any] = {"workers": WORKERS}
    made: list[Endpoint] = []
    try:
        with Receiver() as receiver:
            made.append(register(receiver, "/latency"))
            with workers(env, WORKERS) as running:
                time.sleep(3)  # the workers' start, not a delivery's time
                latencies = []
                for n in range(LATENCY_EVENTS):
                    dispute = disputes[0]
                    transition(dispute)
                    committed = time.time()
                    wait_for(
                        "waiting for one webhook",
                        lambda n=n: receiver.received() > n,  # type: ignore[misc]
                        running,
                    )
                    latencies.append((receiver.arrivals[-1][0] - committed) * 1000)
                    time.sleep(0.3)  # an idle worker, as a lone event finds it
            report["latency_p50_ms"] = round(statistics.median(latencies), 1)
            report["latency_max_ms"] = round(max(latencies), 1)

            for endpoint in made:
                services.update_endpoint(endpoint, expected_version=None, by=None, is_active=False)
            paths = [f"/throughput/{n}" for n in range(THROUGHPUT_ENDPOINTS)]
            made += [register(receiver, path) for path in paths]
            before = len(receiver.arrivals)
            for dispute in disputes[: THROUGHPUT_EVENTS // 2] * 2:
                transition(dispute)
            expected = THROUGHPUT_EVENTS * THROUGHPUT_ENDPOINTS
            with workers(env, WORKERS) as running:
                wait_for(
                    "draining the deliveries",
                    lambda: receiver.received() - LATENCY_EVENTS >= expected,
                    running,
                )
            times = [at for at, _, _ in receiver.arrivals[before:]]
            report["deliveries"] = expected
            report["deliveries_per_second"] = round((len(times) - 1) / (max(times) - min(times)), 1)

            receiver.fail_every_third_first_try = True
            before_flaky = receiver.received()
            for dispute in disputes[: FLAKY_EVENTS // 2] * 2:
                transition(dispute)
            expected_flaky = FLAKY_EVENTS * THROUGHPUT_ENDPOINTS
            started = time.monotonic()
            with workers(env, WORKERS) as running:
                wait_for(
                    "delivering to a receiver failing one request in three",
                    lambda: receiver.received() - before_flaky >= expected_flaky,
                    running,
                )
                time.sleep(6)  # long enough for a duplicate to show, were there any
            seconds = time.monotonic() - started
            if receiver.bad_signatures:
                raise RuntimeError(f"bad signatures: {receiver.bad_signatures[:3]}")
            duplicates = sum(n - 1 for n in receiver.accepted.values() if n > 1)
            report["flaky"] = {
                "deliveries": expected_flaky,
                "failed_first_tries": receiver._first_tries // 3,
                "all_delivered": receiver.received() - before_flaky == expected_flaky,
                "accepted_twice": duplicates,
                "seconds": round(seconds, 1),
            }
    finally:
        for endpoint in made:
            services.delete_endpoint(endpoint, by=None)
    return report
