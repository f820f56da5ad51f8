"""
Issue 13's check, end to end with real worker processes: a partner's
receiver verifies every signature with the reference library; the desk
publishes under an embargo (nothing arrives before it ends), the receiver
answers 500 for a while, the workers are killed and started again while
an event waits, then the receiver answers 410. Every event arrives, at
least once with a stable webhook-id, nothing before its embargo, and the
delivery log holds every attempt the receiver saw — on SQLite with one
worker, on PostgreSQL with two.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.publishing.test_worker import manage, stop

from .conftest import Answer
from .test_worker import (  # noqa: F401 (the fixtures of real workers' tests)
    postgresql_desk,
    receiver,
    register,
    sqlite_desk,
    start_workers,
    wait_for,
)

EMBARGO_SECONDS = 4

PUBLISH_UNDER_EMBARGO = f"""
import json
from datetime import timedelta
from django.utils import timezone
from publishing import services
from tests.factories import DisputeFactory, PartyFactory, SourceFactory, build_dispute
for factory in (DisputeFactory, PartyFactory, SourceFactory):
    factory.reset_sequence(int(timezone.now().timestamp() * 1000))
dispute = build_dispute(parties=1, claims_per_account=1, evidence_per_claim=1)
services.submit_for_review(dispute=dispute, by=None)
revision = services.publish(
    dispute=dispute, by=None, embargo_until=timezone.now() + timedelta(seconds={EMBARGO_SECONDS})
)
print(json.dumps({{"dispute": dispute.pk, "embargo": revision.embargoed_until.isoformat()}}))
"""

TRANSITION = """
from claims.models import Dispute
from publishing import services
services.{verb}(dispute=Dispute.objects.get(pk={dispute}), by=None)
print("done")
"""


@pytest.mark.parametrize("engine, workers", [("sqlite", 1), ("postgresql", 2)])
def test_a_partner_receives_every_event_through_failures_a_restart_and_a_410(
    engine,
    workers,
    request,
    receiver,  # noqa: F811 (test_worker's: it fails the test on a delivery that does not verify)
    tmp_path,
):
    database, env = request.getfixturevalue(f"{engine}_desk")
    register(env, receiver, ["/hook"])
    # 500 for the first request, then 200s; 410 once told so.
    answers = {"failures_left": 1, "gone": False}

    def script(got):
        if answers["gone"]:
            return Answer(410, body="unsubscribed")
        if answers["failures_left"]:
            answers["failures_left"] -= 1
            return Answer(500, body="our database is down")
        return Answer(200, body="thanks")

    receiver.script("/hook", script)
    running, logs = start_workers(env, tmp_path, workers)
    try:
        published = json.loads(manage(env, "shell", stdin=PUBLISH_UNDER_EMBARGO))
        embargo = datetime.fromisoformat(published["embargo"])
        dispute = published["dispute"]

        # Released at its end by the scheduled job, and only then sent: 500, then
        # 200 on the schedule's second try (5 s later).
        wait_for(lambda: accepted(receiver) == 1, running, tmp_path, seconds=60)
        first = receiver.at("/hook")[0]
        assert datetime.fromtimestamp(int(first.headers["webhook-timestamp"]), UTC) >= (
            embargo.replace(microsecond=0)
        )
        assert first.payload["type"] == "dispute.published"

        # The desk goes down: an editor pauses the dispute while no worker runs.
        for worker in running:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        manage(env, "shell", stdin=TRANSITION.format(verb="pause", dispute=dispute))
        time.sleep(1)
        assert accepted(receiver) == 1  # nobody to send it
        running, logs = restart(env, tmp_path, workers, running, logs)
        wait_for(lambda: accepted(receiver) == 2, running, tmp_path, seconds=60)

        # The partner unsubscribes: the next event is answered 410, the endpoint disabled.
        answers["gone"] = True
        manage(env, "shell", stdin=TRANSITION.format(verb="resume", dispute=dispute))

        def disabled():
            [(active,)] = database.query("SELECT is_active FROM webhooks_endpoint")
            return not active

        wait_for(disabled, running, tmp_path, seconds=30)
        manage(env, "shell", stdin=TRANSITION.format(verb="pause", dispute=dispute))
        time.sleep(1.5)  # an event for a disabled endpoint would have left by now
    finally:
        for worker in running:
            stop(worker)
        for log in logs:
            log.close()

    got = receiver.at("/hook")
    kinds = [(item.payload["type"], item.answered) for item in got]
    assert kinds == [
        ("dispute.published", 500),
        ("dispute.published", 200),
        ("dispute.withheld", 200),
        ("dispute.published", 410),
    ]
    # At least once, with one webhook-id per event, whatever the tries.
    ids = Counter(item.webhook_id for item in got)
    assert list(ids.values()) == [2, 1, 1]
    assert len({item.body for item in got if item.webhook_id == got[0].webhook_id}) == 1
    # The delivery log tells the whole story: every attempt the receiver saw.
    log = database.query(
        "SELECT m.webhook_id, a.status FROM webhooks_attempt a"
        " JOIN webhooks_delivery d ON d.id = a.delivery_id"
        " JOIN webhooks_message m ON m.id = d.message_id ORDER BY a.at, a.id"
    )
    assert [tuple(row) for row in log] == [(item.webhook_id, item.answered) for item in got]
    [(reason,)] = database.query("SELECT disabled_reason FROM webhooks_endpoint")
    assert "410" in reason
    # The last pause has its message, and no delivery: its endpoint was disabled.
    [(messages,)] = database.query("SELECT COUNT(*) FROM webhooks_message")
    [(deliveries,)] = database.query("SELECT COUNT(*) FROM webhooks_delivery")
    assert (messages, deliveries) == (4, 3)


def accepted(server) -> int:
    return sum(1 for item in server.at("/hook") if 200 <= item.answered < 300)


def restart(env, tmp_path, count, old, logs):
    for log in logs:
        log.close()
    return start_workers(env, tmp_path, count)
