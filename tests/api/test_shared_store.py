"""
The store every app process shares without Redis (api.shared_store.DatabaseStore):
a cache backend on one table, whose add and incr stay atomic however many
processes call them. Two real processes are tested in tests/test_processes.py.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache.backends.base import InvalidCacheKey
from django.db import connection
from django.utils import timezone

from api.models import SharedEntry
from api.shared_store import DatabaseStore, shared_store
from sources.models import Party
from tests.test_concurrency import run_together

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Racing threads need a database that lets several connections write at once: set "
    "DATABASE_URL to a PostgreSQL database (on SQLite, transaction_mode IMMEDIATE lets one "
    "writer in at a time; two processes race in tests/test_processes.py).",
)
# Committed data, so that every thread's own connection sees it; the role
# groups made by a migration are restored after the flush.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def store(db) -> DatabaseStore:
    return DatabaseStore("", {})


def expire(key: str) -> None:
    """Move an entry's expiry into the past, as time passing would."""
    past = timezone.now() - timedelta(seconds=1)
    assert SharedEntry.objects.filter(key=f":1:{key}").update(expires_at=past) == 1


# add


def test_add_twice_keeps_the_first(store):
    assert store.add("k", {"state": "pending"}, timeout=60) is True
    assert store.add("k", {"state": "other"}, timeout=60) is False
    assert store.get("k") == {"state": "pending"}


def test_add_over_an_expired_entry_takes_the_key(store):
    store.add("k", 1, timeout=60)
    expire("k")
    assert store.add("k", 2, timeout=60) is True
    assert store.get("k") == 2


def test_add_without_timeout_never_expires(store):
    store.add("k", 1, timeout=None)
    assert SharedEntry.objects.get(key=":1:k").expires_at is None


# incr


def test_incr_adds_in_the_database_and_returns_the_sum(store):
    store.add("k", 0, timeout=60)
    assert store.incr("k") == 1
    assert store.incr("k", 5) == 6
    assert store.decr("k", 2) == 4
    assert SharedEntry.objects.get(key=":1:k").counter == 4


def test_incr_of_a_missing_key_raises_value_error(store):
    with pytest.raises(ValueError):
        store.incr("missing")
    assert not SharedEntry.objects.exists()


def test_incr_of_an_expired_key_raises_value_error_and_changes_nothing(store):
    store.add("k", 3, timeout=60)
    expire("k")
    with pytest.raises(ValueError):
        store.incr("k")
    assert SharedEntry.objects.get(key=":1:k").counter == 3


def test_incr_of_a_document_raises_value_error(store):
    store.set("k", {"a": 1}, timeout=60)
    with pytest.raises(ValueError):
        store.incr("k")
    assert store.get("k") == {"a": 1}


def test_incr_keeps_the_expiry(store):
    store.add("k", 0, timeout=60)
    before = SharedEntry.objects.get(key=":1:k").expires_at
    store.incr("k")
    assert SharedEntry.objects.get(key=":1:k").expires_at == before


# get, set, delete, touch


def test_get_of_an_expired_entry_is_the_default(store):
    store.set("k", {"a": 1}, timeout=60)
    expire("k")
    assert store.get("k") is None
    assert store.get("k", "gone") == "gone"
    assert not store.has_key("k")


@pytest.mark.parametrize(
    "value", [0, 7, -3, True, False, "text", [1, "two"], {"nested": {"list": [1, 2]}}]
)
def test_values_read_back_as_they_were_set(store, value):
    store.set("k", value, timeout=60)
    got = store.get("k")
    assert got == value
    assert type(got) is type(value)


def test_what_json_has_no_type_for_reads_back_as_text(store):
    # An API answer replayed under its Idempotency-Key renders the same.
    store.set("k", {"when": timezone.datetime(2026, 1, 2, 3, 4, 5), "n": Decimal("0.75")})
    assert store.get("k") == {"when": "2026-01-02T03:04:05", "n": "0.75"}


def test_none_is_refused(store):
    with pytest.raises(TypeError):
        store.set("k", None)
    with pytest.raises(TypeError):
        store.add("k", None)


def test_set_replaces_value_and_expiry(store):
    store.set("k", {"state": "pending"}, timeout=60)
    expire("k")
    store.set("k", {"state": "done"}, timeout=3600)
    entry = SharedEntry.objects.get(key=":1:k")
    assert entry.expires_at > timezone.now() + timedelta(seconds=3500)
    assert store.get("k") == {"state": "done"}
    store.set("k", 5, timeout=60)
    assert store.incr("k") == 6


def test_delete_removes_the_entry(store):
    store.set("k", {"a": 1}, timeout=60)
    assert store.delete("k") is True
    assert store.delete("k") is False
    assert store.get("k") is None
    assert store.add("k", 1, timeout=60) is True


def test_touch_moves_the_expiry_of_a_live_entry_only(store):
    store.set("k", 1, timeout=60)
    assert store.touch("k", timeout=3600) is True
    assert SharedEntry.objects.get(key=":1:k").expires_at > timezone.now() + timedelta(seconds=3500)
    expire("k")
    assert store.touch("k", timeout=3600) is False


def test_clear_empties_the_store(store):
    store.set("a", 1)
    store.set("b", {"x": 1})
    store.clear()
    assert not SharedEntry.objects.exists()


def test_a_key_too_long_for_its_column_is_refused(store):
    with pytest.raises(InvalidCacheKey):
        store.set("k" * 260, 1)


# Sweeping expired rows


def test_sweep_deletes_expired_rows_only(store):
    store.set("old", 1, timeout=60)
    store.set("new", 1, timeout=60)
    store.set("forever", 1, timeout=None)
    expire("old")
    assert store.sweep_expired() == 1
    assert set(SharedEntry.objects.values_list("key", flat=True)) == {":1:new", ":1:forever"}


def test_writes_sweep_now_and_then(db):
    store = DatabaseStore("", {"OPTIONS": {"SWEEP_INTERVAL": 3600}})
    store.set("old", 1, timeout=60)  # the process's first write sweeps
    expire("old")
    store.set("new", 1, timeout=60)  # within the interval: no sweep
    assert SharedEntry.objects.filter(key=":1:old").exists()

    store._last_sweep -= 3600  # an hour later
    store.add("newer", 1, timeout=60)
    assert not SharedEntry.objects.filter(key=":1:old").exists()


# Racing threads, each on its own connection (PostgreSQL)


@postgres_only
@committed
def test_racing_adds_give_the_key_to_exactly_one():
    store = DatabaseStore("", {})
    won = run_together(lambda n: store.add("k", {"by": n}, timeout=60), 8)
    assert sorted(won) == [False] * 7 + [True]
    assert store.get("k") == {"by": won.index(True)}


@postgres_only
@committed
def test_racing_adds_over_an_expired_entry_give_the_key_to_exactly_one():
    store = DatabaseStore("", {})
    store.add("k", {"by": "earlier"}, timeout=60)
    expire("k")
    won = run_together(lambda n: store.add("k", {"by": n}, timeout=60), 8)
    assert sorted(won) == [False] * 7 + [True]


@postgres_only
@committed
def test_racing_increments_lose_none_and_each_sees_its_own_sum():
    store = DatabaseStore("", {})
    store.add("k", 0, timeout=600)
    threads, each = 8, 25

    sums = run_together(lambda n: [store.incr("k") for _ in range(each)], threads)

    seen = [total for thread in sums for total in thread]
    assert sorted(seen) == list(range(1, threads * each + 1))
    assert store.get("k") == threads * each


# The API on the database store, in this process (the settings of production
# without Redis). Its query counts are not pinned: the memory store's are.


@pytest.fixture
def database_store(settings):
    settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": "api.shared_store.DatabaseStore"}}
    assert isinstance(shared_store(), DatabaseStore)


@pytest.fixture
def low_partner_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "partner": "3/hour",  # per hour, so that the test never straddles two windows
        },
    }


def test_partner_throttle_counts_in_the_database_store(
    database_store, low_partner_rate, partner_client
):
    statuses = [partner_client.get("/api/v1/disputes/").status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    (counter,) = SharedEntry.objects.filter(key__contains="throttle:partner:")
    assert counter.counter == 5


def test_idempotency_key_is_kept_in_the_database_store(database_store, editor_client):
    body = {"name": "United States", "slug": "united-states"}
    first = editor_client.post("/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = editor_client.post("/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Party.objects.count() == 1
    (record,) = SharedEntry.objects.filter(key__contains="idempotency:")
    assert record.value["state"] == "done"


def test_pending_idempotency_key_in_the_database_store_answers_409(database_store, editor_client):
    body = {"name": "United States", "slug": "united-states"}
    editor_client.post("/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # As the record reads while another worker still runs the same POST.
    record = SharedEntry.objects.get(key__contains="idempotency:")
    record.value = {**record.value, "state": "pending"}
    record.save()

    response = editor_client.post(
        "/api/v1/parties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert Party.objects.count() == 1
