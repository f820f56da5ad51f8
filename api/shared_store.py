"""
The store every app process shares, for what must be counted or remembered
once however many processes answer: the API's throttle counters and its
Idempotency-Keys. It is the cache alias ``shared`` (config/settings.py):

- Redis when REDIS_URL is set (the default cache's own Redis);
- else, in production mode, the database, through ``DatabaseStore`` below:
  gunicorn's workers share no memory, and a count kept in each would let a
  partner multiply its rate by the number of workers, and a retried POST
  create its object once per worker;
- else (development, tests: one process) the default cache's memory, so that
  a request costs no query more than it needs.

``DatabaseStore`` is a Django cache backend on one table (api.SharedEntry),
atomic where the callers need it: ``add`` is one INSERT that the primary key
refuses to a second caller, ``incr`` one UPDATE that adds in the database and
returns the sum (RETURNING). On PostgreSQL the INSERT waits for a racing one
to commit, then fails; two UPDATEs of a row queue on its lock. On SQLite
every write takes the database's lock, so two writers never interleave.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache, InvalidCacheKey
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import SharedEntry

SHARED = "shared"
KEY_MAX_LENGTH = SharedEntry._meta.get_field("key").max_length or 255


def shared_store() -> BaseCache:
    """The store of throttle counters and Idempotency-Keys (see the module's docstring)."""
    return caches[SHARED]


def _live(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


class DatabaseStore(BaseCache):
    """
    A cache backend on api.SharedEntry. It holds integers (in ``counter``, so
    that ``incr`` is one UPDATE) and JSON documents (in ``value``): enough for
    counters and Idempotency-Key records, not for arbitrary Python objects.

    Expired rows are invisible at once and deleted by ``sweep_expired``,
    which each process runs from ``add`` and ``set`` at most once every
    OPTIONS["SWEEP_INTERVAL"] seconds (60 by default).
    """

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._sweep_interval = float(params.get("OPTIONS", {}).get("SWEEP_INTERVAL", 60))
        self._last_sweep: float | None = None

    # Reading

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self._key(key, version)
        row = (
            SharedEntry.objects.filter(_live(timezone.now()), key=key)
            .values_list("counter", "value")
            .first()
        )
        if row is None:
            return default
        counter, value = row
        return counter if value is None else value

    # Writing

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        key = self._key(key, version)
        entry = self._entry(key, value, timeout)
        try:
            with transaction.atomic():
                # An expired row still holds the key; it is as good as absent.
                SharedEntry.objects.filter(key=key, expires_at__lte=timezone.now()).delete()
                entry.save(force_insert=True)
        except IntegrityError:
            return False
        self._sweep_now_and_then()
        return True

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        key = self._key(key, version)
        # One INSERT ... ON CONFLICT DO UPDATE: no window between a read and a
        # write for another process to slip into.
        SharedEntry.objects.bulk_create(
            [self._entry(key, value, timeout)],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["counter", "value", "expires_at"],
        )
        self._sweep_now_and_then()

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self._key(key, version)
        # One UPDATE … RETURNING (SQLite 3.35+, PostgreSQL): the sum read back
        # is this increment's own, in a single statement that needs no
        # transaction around it. A throttled request's only write: an
        # UPDATE, then a SELECT, each with BEGIN and COMMIT, was a quarter of
        # a partner's page on SQLite.
        table = connection.ops.quote_name(SharedEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET counter = counter + %s "
                "WHERE key = %s AND value IS NULL AND (expires_at IS NULL OR expires_at > %s) "
                "RETURNING counter",
                [delta, key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key {key!r} not found, or not an integer.")
        return int(row[0])

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        key = self._key(key, version)
        expires_at = self._expires_at(timeout)
        return bool(
            SharedEntry.objects.filter(_live(timezone.now()), key=key).update(expires_at=expires_at)
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        key = self._key(key, version)
        deleted, _ = SharedEntry.objects.filter(key=key).delete()
        return bool(deleted)

    def clear(self) -> None:
        SharedEntry.objects.all().delete()

    def sweep_expired(self) -> int:
        """Delete the rows that have expired; how many there were."""
        deleted, _ = SharedEntry.objects.filter(expires_at__lte=timezone.now()).delete()
        return deleted

    # Helpers

    def _key(self, key: Any, version: int | None) -> str:
        made = self.make_key(key, version=version)
        if len(made) > KEY_MAX_LENGTH:
            raise InvalidCacheKey(f"Cache key longer than {KEY_MAX_LENGTH} characters: {made!r}")
        self.validate_key(made)
        return made

    def _expires_at(self, timeout: float | None) -> datetime | None:
        at = self.get_backend_timeout(timeout)
        return None if at is None else datetime.fromtimestamp(at, tz=UTC)

    def _entry(self, key: str, value: Any, timeout: float | None) -> SharedEntry:
        expires_at = self._expires_at(timeout)
        # bool is an int too, but a JSON document here, so that it reads back as a bool.
        if isinstance(value, int) and not isinstance(value, bool):
            return SharedEntry(key=key, counter=value, value=None, expires_at=expires_at)
        if value is None:
            # A null value would read back as the integer 0 (see SharedEntry).
            raise TypeError("DatabaseStore cannot hold None.")
        return SharedEntry(key=key, counter=0, value=value, expires_at=expires_at)

    def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if self._last_sweep is not None and now - self._last_sweep < self._sweep_interval:
            return
        self._last_sweep = now
        self.sweep_expired()
