"""
The write machinery every service uses, whichever app it writes for.

- write_transaction: one transaction per write, queued behind the other
  writers on the change log's lock before it locks or writes any row (the
  lock order: change log, then accounts, then claims), and inserting the
  change-log entries it recorded in one statement when it ends;
- lock, check_version, apply_fields, save_validated: lock a row, refuse a
  stale edit, set the fields a write may change, validate and save with the
  version moved;
- record_change(s): append to the change log.

A refusal is a django.core.exceptions.ValidationError, field by field, or a
StaleObjectError when the row changed since the version the caller saw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from .models import Change, Versioned

if TYPE_CHECKING:
    # django-stubs' placeholder, which its plugin reads as settings.AUTH_USER_MODEL.
    from django.contrib.auth.models import _User as AuthUser

User = AbstractBaseUser | AnonymousUser | None
Row = TypeVar("Row", bound=models.Model)
VersionedRow = TypeVar("VersionedRow", bound=Versioned)
# What record_changes appends: (object, action, summary).
Entry = tuple[models.Model, str, str]


class StaleObjectError(Exception):
    """The object changed since the version the caller last saw."""

    def __init__(self, obj: Versioned, expected: int) -> None:
        self.obj = obj
        self.expected = expected
        super().__init__(
            f"{str(obj._meta.verbose_name).capitalize()} {obj.pk} has changed since you loaded it "
            f"(version {expected}, now {obj.version}). Reload and try again."
        )


def actor_or_none(by: User) -> AuthUser | None:
    if isinstance(by, AbstractBaseUser) and by.is_authenticated:
        # Whoever is authenticated is a row of settings.AUTH_USER_MODEL, the
        # model that the actor columns point at.
        return cast("AuthUser", by)
    return None


def object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.model_name or ""


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
        connection.pending_changes = []  # type: ignore[attr-defined]
    stack: list[list[Change]] = connection.pending_changes  # type: ignore[attr-defined]
    return stack


def record_changes(entries: Iterable[Entry], *, by: User, score_moves: bool = False) -> None:
    """
    Append (object, action, summary) entries to the change log: when the
    enclosing write_transaction ends, else at once. score_moves marks them as
    recomputed scores rather than edits.
    """
    actor = actor_or_none(by)
    changes = [
        Change(
            action=action,
            object_type=object_type(obj),
            object_id=obj.pk,
            summary=summary[:300],
            is_score_move=score_moves,
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


def record_change(
    obj: models.Model, action: str, summary: str = "", *, by: User, score_move: bool = False
) -> None:
    record_changes([(obj, action, summary)], by=by, score_moves=score_move)


def check_version(obj: Versioned, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleObjectError(obj, expected_version)


def attribute(obj: models.Model, by: User) -> None:
    """Name the author of the history row django-simple-history writes on save or delete."""
    obj._history_user = actor_or_none(by)  # type: ignore[attr-defined]


def save_validated(
    obj: Versioned, *, by: User, exclude: Iterable[str] = (), created: bool = False
) -> None:
    """full_clean, move the version, attribute the history row, save."""
    obj.full_clean(exclude=list(exclude))
    if not created:
        obj.bump_version()
    attribute(obj, by)
    obj.save()


def apply_fields(obj: models.Model, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    for name, value in fields.items():
        setattr(obj, name, value)


def lock(model: type[Row], pk: int) -> Row:
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise ValidationError(
            f"{str(model._meta.verbose_name).capitalize()} {pk} no longer exists."
        ) from None


def lock_current(obj: VersionedRow, expected_version: int | None) -> VersionedRow:
    """The object's row, locked, refused if it moved since the version the caller saw."""
    row = lock(type(obj), obj.pk)
    check_version(row, expected_version)
    return row


def edit_logged(
    obj: VersionedRow,
    fields: dict[str, Any],
    *,
    allowed: Iterable[str],
    by: User,
    expected_version: int | None,
    summary: Callable[[VersionedRow], str],
) -> VersionedRow:
    """
    The plain edit of one row: lock it, refuse a stale version, set the
    fields a write may change, validate and save with the version moved, and
    log it (summary() words the entry from the row as saved).
    """
    row = lock_current(obj, expected_version)
    apply_fields(row, fields, allowed)
    save_validated(row, by=by)
    record_change(row, Change.Action.UPDATED, summary(row), by=by)
    return row


def delete_logged(obj: models.Model, summary: str, *, by: User) -> None:
    """Delete a row and log it (with its id: delete() clears the instance's)."""
    pk = obj.pk
    attribute(obj, by)
    obj.delete()
    obj.pk = pk
    record_change(obj, Change.Action.DELETED, summary, by=by)
