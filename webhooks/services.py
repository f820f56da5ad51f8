"""
Every write about webhooks, whichever door it comes from (dashboard,
admin, the worker, the sweep): endpoints and their secrets, turning the
partners' feed into messages, and delivering them.

The outbox is publishing's FeedEvent, written in the transaction that
released, paused, resumed or retracted a dispute. dispatch_events() turns
each dispute event into one Message (its `webhook-id`, type and body, fixed
for good) and one Delivery per active endpoint that wants its type, once
however many dispatchers run. deliver_due() claims due deliveries with a
lease, sends them, logs each Attempt, and moves each delivery on: succeeded
(2xx), canceled with its endpoint disabled (410), or retried on the Standard
Webhooks schedule until it ends, when the endpoint is disabled. A worker
that dies mid-delivery leaves a lease that runs out: the sweep (`manage.py
sweep_jobs`) hands the delivery to a worker again. At least once, then: a
partner tells a repeat by its `webhook-id`.

An editor's writes (register, update, rotate, delete, ping, resend) are
write_transactions logged in the change log; the worker's are plain
transactions (a delivery is not the desk's news), except disabling an
endpoint, which the editors must see.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from changelog.jobs import enqueue_on_commit
from changelog.models import Change
from changelog.writes import (
    StaleObjectError,
    User,
    actor_or_none,
    delete_logged,
    lock,
    record_change,
    save_validated,
    write_transaction,
)
from publishing.models import FeedEvent

from . import signing
from .delivery import Outcome, check_url, post
from .models import Attempt, Delivery, Endpoint, EndpointSecret, EventType, Message
from .selectors import (
    EVENT_TYPES,
    SUBSCRIBABLE,
    active_endpoints,
    current_secrets,
    event_bodies,
    ping_body,
)

__all__ = [
    "current_secrets",
    "delete_endpoint",
    "deliver_due",
    "dispatch_events",
    "register_endpoint",
    "requeue_due",
    "resend",
    "rotate_secret",
    "send_ping",
    "update_endpoint",
]

# The Standard Webhooks schedule: after the first attempt fails, the next
# ones this long after the one before, each give or take JITTER.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.1
# A Retry-After asking for later than this is held to it.
RETRY_AFTER_CAP = timedelta(hours=24)
# How long after its time a due delivery must still be waiting for the
# sweep to hand it to a worker again (its own job should have taken it).
OVERDUE = timedelta(seconds=10)
# Dispute events turned into messages per transaction.
DISPATCH_BATCH = 200
# How many delivery jobs one dispatch or sweep enqueues at most, so that
# several workers share a burst.
FAN_OUT = 4
# Dispatchers take turns on this advisory lock (PostgreSQL; SQLite's
# IMMEDIATE transactions already take turns): two at once would otherwise
# both find the same events undispatched.
DISPATCH_LOCK = 0x77686F6F6B73  # "whooks"


# Endpoints (the editors' writes)


def _event_types(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError({"event_types": ["Choose at least one event type."]})
    unknown = [str(item) for item in value if item not in SUBSCRIBABLE]
    if unknown:
        raise ValidationError(
            {
                "event_types": [
                    f"Unknown event type{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                    f"Choose among {', '.join(SUBSCRIBABLE)} (a test ping needs no subscription)."
                ]
            }
        )
    return list(dict.fromkeys(value))


def _collect(errors: dict[str, list[str]], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except ValidationError as refused:
        for field, messages in refused.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _locked_endpoint(endpoint: Endpoint, expected_version: int | None) -> Endpoint:
    row = lock(Endpoint, endpoint.pk)
    if expected_version is not None and row.version != expected_version:
        raise ValidationError(str(StaleObjectError(row, expected_version)), code="stale")
    return row


def register_endpoint(
    *,
    partner_key: APIKey,
    url: str,
    event_types: list[str],
    description: str = "",
    by: User,
) -> tuple[Endpoint, str]:
    """
    Register an endpoint for a partner key; returns it with its signing
    secret, which is shown once. The URL is checked before the write
    begins (resolving it may take a while: no writer waits on it).
    """
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    _collect(errors, lambda: check_url(url))
    types = _collect(errors, lambda: _event_types(event_types))
    if partner_key.revoked or partner_key.has_expired:
        errors["partner_key"] = [
            f"The key “{partner_key.name}” is revoked or has expired: events would reach nobody."
        ]
    if errors:
        raise ValidationError(errors)
    with write_transaction():
        endpoint = Endpoint(
            partner_key=partner_key,
            url=url,
            event_types=types,
            description=(description or "").strip(),
            created_by=actor_or_none(by),
        )
        save_validated(endpoint, by=by, created=True)
        secret = signing.new_secret()
        EndpointSecret.objects.create(endpoint=endpoint, secret=secret)
        record_change(
            endpoint,
            Change.Action.CREATED,
            f"webhook endpoint {url} registered for {partner_key.name}",
            by=by,
        )
    return endpoint, secret


def update_endpoint(
    endpoint: Endpoint,
    *,
    expected_version: int | None,
    by: User,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Endpoint:
    """
    Edit an endpoint; None leaves a field as it is. Switching it on clears
    why the desk had disabled it; switching it off cancels what waits for it
    (an editor can resend any of it later).
    """
    errors: dict[str, list[str]] = {}
    if url is not None:
        url = url.strip()
        _collect(errors, lambda: check_url(url))
    types = _collect(errors, lambda: _event_types(event_types)) if event_types is not None else None
    if errors:
        raise ValidationError(errors)
    with write_transaction():
        row = _locked_endpoint(endpoint, expected_version)
        edited: list[str] = []
        if url is not None and url != row.url:
            row.url, edited = url, [*edited, "URL"]
        if types is not None and types != row.event_types:
            row.event_types, edited = types, [*edited, "event types"]
        if description is not None and description.strip() != row.description:
            row.description, edited = description.strip(), [*edited, "description"]
        switched = is_active is not None and is_active != row.is_active
        if switched and is_active:
            key = APIKey.objects.get(pk=row.partner_key_id)
            if key.revoked or key.has_expired:
                raise ValidationError(
                    {"is_active": [f"The key “{key.name}” is revoked or has expired."]}
                )
            row.is_active, row.disabled_reason, row.disabled_at = True, "", None
            edited.append("switched on")
        elif switched:
            row.is_active = False
            edited.append("switched off")
        save_validated(row, by=by)
        if switched and not is_active:
            _cancel_pending(row)
        record_change(
            row,
            Change.Action.UPDATED,
            f"webhook endpoint {row.url} edited: {', '.join(edited) or 'nothing changed'}",
            by=by,
        )
    return row


def rotate_secret(endpoint: Endpoint, *, by: User, grace: timedelta | None = None) -> str:
    """
    A new signing secret, returned to be shown once. The one it replaces
    keeps signing beside it for `grace` (WEBHOOKS_SECRET_GRACE): meanwhile
    every attempt carries both signatures, so that the partner can switch
    to the new secret whenever it likes. Secrets whose grace has ended go.
    """
    grace = settings.WEBHOOKS_SECRET_GRACE if grace is None else grace
    if grace < timedelta(0):
        raise ValidationError({"grace": ["The grace period cannot be negative."]})
    with write_transaction():
        row = lock(Endpoint, endpoint.pk)
        now = timezone.now()
        row.secrets.filter(expires_at__lte=now).delete()
        row.secrets.filter(expires_at__isnull=True).update(expires_at=now + grace)
        secret = signing.new_secret()
        EndpointSecret.objects.create(endpoint=row, secret=secret, created_at=now)
        until = (now + grace).astimezone(UTC)
        record_change(
            row,
            Change.Action.UPDATED,
            f"webhook endpoint {row.url}: signing secret rotated "
            f"(the previous one signs until {until:%Y-%m-%d %H:%M} UTC)",
            by=by,
        )
    return secret


def delete_endpoint(endpoint: Endpoint, *, by: User) -> None:
    """Delete an endpoint with its secrets and deliveries (the messages stay)."""
    with write_transaction():
        row = lock(Endpoint, endpoint.pk)
        delete_logged(row, f"webhook endpoint {row.url} deleted", by=by)


def send_ping(endpoint: Endpoint, *, by: User) -> Attempt:
    """
    Send a `ping` to the endpoint now, in the caller's process, the way
    every delivery is sent, and return the attempt as logged. A ping is
    tried once (the editor sees the answer and can ping again); a 410
    disables the endpoint like any other answer of 410. An endpoint that is
    switched off can be pinged, to test it before switching it on.
    """
    if not _partner_can_receive(endpoint):
        raise ValidationError(
            {
                "partner_key": f"The key “{endpoint.partner_key.name}” is revoked or has "
                "expired: the desk sends its endpoints nothing, pings included."
            }
        )
    now = timezone.now()
    with write_transaction():
        row = lock(Endpoint, endpoint.pk)
        message = Message.objects.create(
            webhook_id=signing.new_webhook_id(),
            type=EventType.PING,
            body=ping_body(now),
            created_at=now,
        )
        lease = _lease_until(now, 1)
        ping = Delivery.objects.create(
            message=message, endpoint=row, next_attempt_at=now, claimed_until=lease, created_at=now
        )
        record_change(row, Change.Action.UPDATED, f"webhook endpoint {row.url} pinged", by=by)
    ping.message, ping.endpoint = message, row
    [attempt] = _deliver([ping], lease)
    return attempt


def resend(delivery: Delivery, *, by: User) -> Delivery:
    """
    Send a delivery's message to its endpoint again, with the same
    `webhook-id` and a whole new schedule: pending, due now, and handed to
    a worker when this commits. Refused for an endpoint switched off.
    """
    with write_transaction():
        row = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "message")
            .filter(pk=delivery.pk)
            .first()
        )
        if row is None:
            raise ValidationError("This delivery no longer exists.", code="gone")
        if not row.endpoint.is_active:
            raise ValidationError(
                f"The endpoint {row.endpoint.url} is switched off: switch it on to resend to it.",
                code="inactive",
            )
        now = timezone.now()
        row.state, row.attempts, row.next_attempt_at = Delivery.State.PENDING, 0, now
        row.claimed_until, row.delivered_at = None, None
        row.save(
            update_fields=["state", "attempts", "next_attempt_at", "claimed_until", "delivered_at"]
        )
        record_change(
            row,
            Change.Action.UPDATED,
            f"webhook {row.message.webhook_id} ({row.message.type}) resent to {row.endpoint.url}",
            by=by,
        )
        enqueue_on_commit(_deliver_task())
    return row


def _cancel_pending(endpoint: Endpoint) -> int:
    return Delivery.objects.filter(endpoint=endpoint, state=Delivery.State.PENDING).update(
        state=Delivery.State.CANCELED, claimed_until=None
    )


def _disable(endpoint_id: int, reason: str, *, now: datetime) -> None:
    """Switch an endpoint off for a reason the editors are shown, and cancel what waits for it."""
    row = Endpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if row is None or not row.is_active:
        return
    row.is_active, row.disabled_reason, row.disabled_at = False, reason[:300], now
    row.bump_version()
    row.save(update_fields=["is_active", "disabled_reason", "disabled_at", "version"])
    _cancel_pending(row)
    record_change(
        row, Change.Action.UPDATED, f"webhook endpoint {row.url} disabled: {reason}", by=None
    )


# Dispatch: the partners' feed into messages


def _deliver_task() -> Any:
    # Imported here: the tasks call back into this module.
    from .tasks import deliver_due as task

    return task


def _lock_dispatch() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISPATCH_LOCK])


def _undispatched(*, full: bool) -> Any:
    events = FeedEvent.objects.exclude(event="").order_by("id")
    if full:
        return events.filter(webhook_message__isnull=True)
    # The feed's ids commit in order (publishing.models.FeedEvent), so every
    # event up to the newest one dispatched has been: the next are after it.
    last = Message.objects.aggregate(last=Max("feed_event_id"))["last"] or 0
    return events.filter(id__gt=last)


def dispatch_events(*, full: bool = False) -> list[Message]:
    """
    Turn each dispute event of the partners' feed not yet dispatched into
    its message and deliveries, and hand them to the workers when that
    commits. Dispatchers take turns, so each event is dispatched once
    however many run. `full` looks through the whole feed rather than after
    the newest event dispatched (the sweep's thoroughness).
    """
    made: list[Message] = []
    while True:
        with transaction.atomic():
            _lock_dispatch()
            events = list(_undispatched(full=full)[:DISPATCH_BATCH])
            if events:
                made += _dispatch(events)
        if len(events) < DISPATCH_BATCH:
            return made


def _dispatch(events: list[FeedEvent]) -> list[Message]:
    now = timezone.now()
    bodies = event_bodies(events)
    messages = [
        Message(
            webhook_id=signing.new_webhook_id(),
            type=EVENT_TYPES[FeedEvent.Event(event.event)],
            feed_event=event,
            dispute_key=event.dispute_key,
            version=event.version,
            body=bodies[event.pk],
            created_at=now,
        )
        for event in events
    ]
    Message.objects.bulk_create(messages)
    endpoints = active_endpoints()
    # An endpoint gets the events that happen once it is registered (not
    # the feed's past, which the first dispatch after an upgrade goes through).
    deliveries = [
        Delivery(message=message, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for message, event in zip(messages, events, strict=True)
        for endpoint in endpoints
        if message.type in endpoint.event_types and endpoint.created_at <= event.at
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    _enqueue_deliveries(len(deliveries))
    return messages


def _enqueue_deliveries(count: int) -> None:
    jobs = min(math.ceil(count / settings.WEBHOOKS_BATCH_SIZE), FAN_OUT)
    for _ in range(jobs):
        enqueue_on_commit(_deliver_task())


# Delivery


def _lease_until(now: datetime, count: int) -> datetime:
    """
    How long a worker holds the deliveries it claimed: long enough to send
    them all, a connection at a time per WEBHOOKS_CONCURRENCY, each within
    its timeout (and its host's resolution), with a margin.
    """
    rounds = math.ceil(count / max(settings.WEBHOOKS_CONCURRENCY, 1))
    return now + timedelta(seconds=rounds * (settings.WEBHOOKS_TIMEOUT_SECONDS + 5) + 30)


def _claimable(now: datetime) -> Any:
    return (
        Delivery.objects.filter(
            state=Delivery.State.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "id")
    )


def claim_due(*, limit: int, now: datetime | None = None) -> tuple[list[Delivery], datetime]:
    """
    Claim up to `limit` due deliveries (free, or whose lease has run out) by
    moving their lease ahead, and return them with the lease, which is the
    claim's token: whoever finds a delivery's lease changed has lost it.
    PostgreSQL skips the rows another worker is claiming (SKIP LOCKED);
    SQLite lets one writer in at a time (IMMEDIATE transactions).
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = _claimable(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return [], now
        lease = _lease_until(now, len(ids))
        Delivery.objects.filter(id__in=ids).update(claimed_until=lease)
    claimed = Delivery.objects.filter(id__in=ids, claimed_until=lease).select_related(
        "message", "endpoint__partner_key"
    )
    return list(claimed), lease


def deliver_due() -> int:
    """
    Send due deliveries, a batch at a time, until none is due or the job
    has run WEBHOOKS_JOB_SECONDS (then it enqueues its successor, so that
    a worker runs other jobs meanwhile). Returns how many it sent.
    """
    deadline = time.monotonic() + settings.WEBHOOKS_JOB_SECONDS
    sent = 0
    with ThreadPoolExecutor(
        max_workers=max(settings.WEBHOOKS_CONCURRENCY, 1), thread_name_prefix="webhook"
    ) as pool:
        while True:
            claimed, lease = claim_due(limit=settings.WEBHOOKS_BATCH_SIZE)
            if not claimed:
                return sent
            sent += len(_deliver(claimed, lease, pool=pool))
            if time.monotonic() > deadline:
                break
    enqueue_on_commit(_deliver_task())
    return sent


def requeue_due(*, now: datetime | None = None) -> int:
    """
    Hand the workers again what they should have taken and have not: due
    deliveries still waiting a while after their time (a job lost between a
    commit and its enqueue, the worker down) and those whose worker died
    mid-delivery (their lease has run out). Returns how many there are.
    """
    now = now or timezone.now()
    waiting = _claimable(now).filter(next_attempt_at__lte=now - OVERDUE).count()
    _enqueue_deliveries(waiting)
    return waiting


@dataclass(frozen=True)
class _Job:
    delivery: Delivery
    lease: datetime
    secrets: list[str]


@dataclass(frozen=True)
class _Sent:
    job: _Job
    at: datetime
    outcome: Outcome


def _deliver(
    claimed: list[Delivery], lease: datetime, *, pool: Executor | None = None
) -> list[Attempt]:
    """Send claimed deliveries (over the pool's connections, if given) and record each as it ends."""
    usable = [d for d in claimed if _partner_can_receive(d.endpoint)]
    unusable = [d.pk for d in claimed if d not in usable]
    if unusable:
        Delivery.objects.filter(pk__in=unusable, claimed_until=lease).update(
            state=Delivery.State.CANCELED,
            claimed_until=None,
            last_error="Not sent: the partner's key is revoked or has expired.",
        )
    secrets: dict[int, list[str]] = {}
    jobs = []
    for item in usable:
        if item.endpoint_id not in secrets:
            secrets[item.endpoint_id] = current_secrets(item.endpoint)
        # None left: the endpoint was deleted since the claim.
        if secrets[item.endpoint_id]:
            jobs.append(_Job(item, lease, secrets[item.endpoint_id]))
    attempts = []
    if pool is None:
        results = (_send(job) for job in jobs)
    else:
        futures = [pool.submit(_send, job) for job in jobs]
        results = (future.result() for future in as_completed(futures))
    for sent in results:
        attempt = _record(sent)
        if attempt is not None:
            attempts.append(attempt)
    return attempts


def _partner_can_receive(endpoint: Endpoint) -> bool:
    key = endpoint.partner_key
    return not key.revoked and not key.has_expired


def _send(job: _Job) -> _Sent:
    """One attempt, signed at the time it is sent. No database here: it runs in the pool's threads."""
    message = job.delivery.message
    at = timezone.now()
    try:
        headers = signing.headers(
            job.secrets,
            webhook_id=message.webhook_id,
            timestamp=int(at.timestamp()),
            body=message.body,
        )
        outcome = post(
            job.delivery.endpoint.url,
            body=message.body.encode(),
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        )
    except Exception as failed:  # a bug here must not lose the job's other deliveries
        outcome = Outcome(status=None, latency_ms=0, error=f"Not sent: {failed!r}"[:300])
    return _Sent(job, at, outcome)


def retry_after(value: str, *, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a delay from now; None if unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


def next_delay(attempts: int, outcome: Outcome, *, now: datetime) -> timedelta:
    """
    How long after attempt number `attempts` the next one goes: the
    schedule's step, with jitter; later if a 429 or 5xx asked for later
    with Retry-After (at most RETRY_AFTER_CAP).
    """
    delay = RETRY_SCHEDULE[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    status = outcome.status or 0
    if status == 429 or 500 <= status < 600:
        asked = retry_after(outcome.retry_after, now=now)
        if asked is not None and asked > delay:
            return min(asked, RETRY_AFTER_CAP)
    return delay


def _record(sent: _Sent) -> Attempt | None:
    """
    Log an attempt and move its delivery on, if the delivery is still this
    claim's (an editor may have resent it, its endpoint been disabled or
    deleted meanwhile: the attempt is logged all the same, if it can be).
    """
    item, outcome = sent.job.delivery, sent.outcome
    is_ping = item.message.type == EventType.PING
    attempts = item.attempts + 1
    gone = outcome.status == 410
    exhausted = not outcome.succeeded and not gone and (is_ping or attempts >= MAX_ATTEMPTS)
    disables = gone or (exhausted and not is_ping)
    # Disabling an endpoint is logged: then the write queues on the change
    # log's lock first, as every logged write does.
    block: AbstractContextManager[Any] = write_transaction() if disables else transaction.atomic()
    with block:
        row = Delivery.objects.select_for_update().filter(pk=item.pk).first()
        if row is None:
            return None
        attempt = Attempt.objects.create(
            delivery=row,
            at=sent.at,
            status=outcome.status,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
        )
        ours = row.state == Delivery.State.PENDING and row.claimed_until == sent.job.lease
        if ours:
            row.attempts = attempts
            row.last_status, row.last_error = outcome.status, outcome.error
            row.claimed_until = None
            if outcome.succeeded:
                row.state, row.delivered_at = Delivery.State.SUCCEEDED, sent.at
            elif gone:
                row.state = Delivery.State.CANCELED
            elif exhausted:
                row.state = Delivery.State.FAILED
            else:
                row.next_attempt_at = sent.at + next_delay(attempts, outcome, now=sent.at)
                enqueue_on_commit(_deliver_task(), run_after=row.next_attempt_at)
            row.save(
                update_fields=[
                    "attempts",
                    "last_status",
                    "last_error",
                    "claimed_until",
                    "state",
                    "delivered_at",
                    "next_attempt_at",
                ]
            )
        if gone:
            _disable(
                row.endpoint_id,
                "It answered 410 Gone: it wants no more deliveries. Switch it on again to resume.",
                now=sent.at,
            )
        elif disables and ours:
            _disable(
                row.endpoint_id,
                f"Every attempt failed for the whole retry schedule ({MAX_ATTEMPTS} attempts "
                f"over about three days); the last: {outcome.error or 'no answer'}",
                now=sent.at,
            )
    return attempt
