"""
A partner's receiver on 127.0.0.1 that answers as each test scripts it and
verifies every delivery it gets with the Standard Webhooks reference
library; endpoints registered on it; disputes ready to publish.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework_api_key.models import APIKey
from standardwebhooks import Webhook, WebhookVerificationError

from publishing import services as publishing
from tests.factories import build_dispute
from webhooks import services
from webhooks.models import Delivery, EventType

ALL_EVENTS = [
    EventType.PUBLISHED,
    EventType.CORRECTED,
    EventType.WITHHELD,
    EventType.CANCELED,
]


@dataclass
class Answer:
    """What the receiver answers one request: a status, headers, a body, after a delay."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    answered: int
    verified_with: list[str]

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


Script = Callable[["Received"], Answer]


class Server(ThreadingHTTPServer):
    # Room for every connection two workers open at once (the default is 5).
    request_queue_size = 128


class Receiver:
    """
    An HTTP server in a thread. Each path answers from its script (a list
    of answers used in turn, then 200s; or a function of the request) and
    has the secrets its deliveries must verify with.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[Answer] | Script] = {}
        self.secrets: dict[str, list[str]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                headers = {name.lower(): value for name, value in self.headers.items()}
                answer = receiver.answer(self.path, headers, body)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body.encode()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, answers: list[Answer] | Script) -> None:
        self.scripts[path] = answers if callable(answers) else list(answers)

    def answer(self, path: str, headers: dict[str, str], body: str) -> Answer:
        verified = []
        for secret in self.secrets.get(path, []):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(secret)
        request = Received(path, headers, body, 0, verified)
        with self.lock:
            script = self.scripts.get(path, [])
            if callable(script):
                answer = script(request)
            else:
                answer = script.pop(0) if script else Answer()
            request.answered = answer.status
            self.received.append(request)
        return answer

    def at(self, path: str = "/hook") -> list[Received]:
        with self.lock:
            return [item for item in self.received if item.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()
    # Every delivery the receiver got verifies with one of its path's secrets.
    unverified = [(item.path, item.headers) for item in server.received if not item.verified_with]
    assert not unverified, f"deliveries that do not verify: {unverified}"


@pytest.fixture
def partner(db) -> APIKey:
    key, _ = APIKey.objects.create_key(name="Example Times")
    return key


@pytest.fixture
def endpoint_on(receiver, partner, editor):
    """Register an endpoint on a path of the receiver, which then verifies with its secret."""

    def register(path: str = "/hook", event_types: list[str] | None = None, **extra):
        endpoint, secret = services.register_endpoint(
            partner_key=extra.pop("partner_key", partner),
            url=receiver.url(path),
            event_types=list(event_types or ALL_EVENTS),
            by=editor,
            **extra,
        )
        receiver.secrets.setdefault(path, []).append(secret)
        return endpoint

    return register


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """
    A block whose writes commit for the jobs' sake: the jobs they enqueue
    on commit run at its end (the tests' backend runs them at once), with
    the jobs those enqueue in turn.
    """

    @contextmanager
    def committed() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return committed


@pytest.fixture
def in_review(db, reporter):
    dispute = build_dispute(parties=2, claims_per_account=1, evidence_per_claim=1)
    publishing.submit_for_review(dispute=dispute, by=reporter)
    return dispute


def deliveries(**filters) -> list[Delivery]:
    return list(Delivery.objects.filter(**filters).select_related("message").order_by("id"))
