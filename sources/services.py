"""
Writes about parties and sources, shared by every door (admin, API,
dashboard, commands). Each is a write_transaction, validates with the model's
own rules and raises django.core.exceptions.ValidationError, and leaves a
Change behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from .models import Change, Party, Source

User = AbstractBaseUser | AnonymousUser | None


class StaleObjectError(Exception):
    """The object changed since the version the caller last saw."""

    def __init__(self, obj: models.Model, expected: int) -> None:
        self.obj = obj
        self.expected = expected
        super().__init__(
            f"{obj._meta.verbose_name.capitalize()} {obj.pk} has changed since you loaded it "
            f"(version {expected}, now {obj.version}). Reload and try again."
        )


def actor_or_none(by: User) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.model_name


# The change log's ids are the cursor of the partners' feed and the version
# of the whole database, so they must become visible in id order. PostgreSQL
# hands out ids at INSERT but transactions commit in any order: a reader could
# see id 11 before 10 commits, and then never ask for 10. Write transactions
# therefore queue on one advisory lock, held until they commit. (SQLite needs
# nothing: transaction_mode IMMEDIATE already lets one writer in at a time.)
# Any number works as long as nothing else in the database locks it.
CHANGE_LOG_LOCK = 0x636C61696D64  # "claimd"


def lock_change_log() -> None:
    """
    Wait for the change log's lock, held until the transaction ends (taking
    it again in the same transaction returns at once).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])


@contextmanager
def write_transaction() -> Iterator[None]:
    """
    transaction.atomic for a write that may append to the change log: it
    first queues behind the other writers on the change log's lock, before it
    locks or writes any row. Use it as a decorator or a `with` block.

    The entries it records are inserted together when it ends, still inside
    its transaction (or savepoint, when nested): one INSERT per write instead
    of one per entry, and a nested write whose savepoint is rolled back takes
    its entries with it.
    """
    with transaction.atomic():
        pending = _pending_changes_stack()
        if not pending:
            # The outermost write: a nested one runs under its lock. (An
            # enclosing plain atomic block may already hold it; taking it
            # again there is only one more query.)
            lock_change_log()
        pending.append([])
        try:
            yield
            Change.objects.bulk_create(pending[-1])
        finally:
            pending.pop()


def _pending_changes_stack() -> list[list[Change]]:
    """The entries each open write_transaction of this connection has yet to insert."""
    if not hasattr(connection, "pending_changes"):
        connection.pending_changes = []
    return connection.pending_changes


def record_changes(entries: Iterable[tuple[models.Model, str, str]], *, by: User) -> None:
    """
    Append (object, action, summary) entries to the change log: when the
    enclosing write_transaction ends, else at once.
    """
    actor = actor_or_none(by)
    changes = [
        Change(
            action=action,
            object_type=object_type(obj),
            object_id=obj.pk,
            summary=summary[:300],
            actor=actor,
        )
        for obj, action, summary in entries
    ]
    pending = _pending_changes_stack()
    if pending:
        pending[-1].extend(changes)
        return
    # A safety net for a writer that is not a write_transaction: its entries
    # at least commit in id order. Too late to be the rule, though: by now it
    # may hold row locks, and waiting here for a writer that waits for those
    # rows would deadlock. That is why every service takes it on entry.
    lock_change_log()
    Change.objects.bulk_create(changes)


def record_change(obj: models.Model, action: str, summary: str = "", *, by: User) -> None:
    record_changes([(obj, action, summary)], by=by)


def check_version(obj: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleObjectError(obj, expected_version)


def save_validated(
    obj: models.Model, *, by: User, exclude: Iterable[str] = (), created: bool = False
) -> None:
    """full_clean, bump the version, attribute the history row, save."""
    obj.full_clean(exclude=list(exclude))
    if not created:
        obj.version += 1
    obj._history_user = actor_or_none(by)
    obj.save()


def apply_fields(obj: models.Model, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(obj, name, value)


def lock(model: type[models.Model], pk: int) -> models.Model:
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist:
        raise ValidationError(f"{model._meta.verbose_name.capitalize()} {pk} no longer exists.")


# Parties

PARTY_FIELDS = ("name", "slug", "description")


@write_transaction()
def create_party(*, by: User, name: str, slug: str, description: str = "") -> Party:
    party = Party(name=name, slug=slug, description=description)
    save_validated(party, by=by, created=True)
    record_change(party, Change.Action.CREATED, f"party {party.name} added", by=by)
    return party


@write_transaction()
def update_party(
    *, party: Party, by: User, expected_version: int | None = None, **fields: Any
) -> Party:
    party = lock(Party, party.pk)
    check_version(party, expected_version)
    apply_fields(party, fields, PARTY_FIELDS)
    save_validated(party, by=by)
    record_change(party, Change.Action.UPDATED, f"party {party.name} edited", by=by)
    return party


@write_transaction()
def delete_party(*, party: Party, by: User, expected_version: int | None = None) -> None:
    party = lock(Party, party.pk)
    check_version(party, expected_version)
    if party.accounts.exists() or party.sources.exists():
        raise ValidationError(
            f"{party.name} still holds accounts or has sources affiliated with it; "
            "remove or reassign them first."
        )
    pk, name = party.pk, party.name
    party._history_user = actor_or_none(by)
    party.delete()
    party.pk = pk
    record_change(party, Change.Action.DELETED, f"party {name} deleted", by=by)


# Sources

SOURCE_FIELDS = (
    "name", "kind", "affiliation", "is_anonymous", "reliability", "url", "notes", "origin",
)


@write_transaction()
def create_source(*, by: User, name: str, **fields: Any) -> Source:
    source = Source(name=name)
    apply_fields(source, fields, SOURCE_FIELDS)
    save_validated(source, by=by, created=True)
    record_change(source, Change.Action.CREATED, f"source {source.name} added", by=by)
    return source


@write_transaction()
def update_source(
    *, source: Source, by: User, expected_version: int | None = None, **fields: Any
) -> Source:
    """
    Edit a source's own fields. Its grade, affiliation, anonymity and origin
    feed the scores of the claims it corroborates, which this app knows
    nothing of: doors call claims.services.update_source, which calls this
    and then rescores those claims in the same transaction.
    """
    source = lock(Source, source.pk)
    check_version(source, expected_version)
    apply_fields(source, fields, SOURCE_FIELDS)
    save_validated(source, by=by)
    record_change(source, Change.Action.UPDATED, f"source {source.name} edited", by=by)
    return source


@write_transaction()
def delete_source(*, source: Source, by: User, expected_version: int | None = None) -> None:
    source = lock(Source, source.pk)
    check_version(source, expected_version)
    if source.corroborations.exists() or source.claims.exists() or source.copies.exists():
        raise ValidationError(
            f"{source.name} is still cited (as evidence, as a speaker or as an origin); "
            "remove those first."
        )
    pk, name = source.pk, source.name
    source._history_user = actor_or_none(by)
    source.delete()
    source.pk = pk
    record_change(source, Change.Action.DELETED, f"source {name} deleted", by=by)


def origin_roots(source_ids: Iterable[int]) -> dict[int, int]:
    """
    Map each source id to the root of its origin chain: one query, however
    long the chains (a recursive query reads every source they pass through;
    UNION drops rows already read, so a loop ends it too).
    """
    source_ids = sorted(set(source_ids))
    if not source_ids:
        return {}
    table = connection.ops.quote_name(Source._meta.db_table)
    origin = connection.ops.quote_name(Source._meta.get_field("origin").column)
    placeholders = ", ".join(["%s"] * len(source_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE chain(id, origin_id) AS ("
            f" SELECT id, {origin} FROM {table} WHERE id IN ({placeholders})"
            f" UNION SELECT s.id, s.{origin} FROM {table} s JOIN chain ON s.id = chain.origin_id"
            f") SELECT id, origin_id FROM chain",
            source_ids,
        )
        parent = dict(cursor.fetchall())
    return roots_from_parents(parent, source_ids)


def roots_from_parents(
    parent: dict[int, int | None], source_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Follow each id's chain of parents to its end (a loop ends where it closes)."""
    roots: dict[int, int] = {}
    for start in parent if source_ids is None else source_ids:
        node, seen = start, set()
        while parent.get(node) is not None and node not in seen:
            seen.add(node)
            node = parent[node]
        roots[start] = node
    return roots
