"""
The whole desk as one JSON document that can be taken away and loaded
elsewhere: parties, sources (with their origins), disputes, accounts, claims,
corroborations and score snapshots, with the stored scores.

Rows keep their ids, their timestamps and their scores, so an import into an
empty database gives back every row exactly as it was exported. What is not
in the document: users (a corroboration names who recorded it by username,
matched on import to an existing user or left empty), the change log and the
admin's per-object history, which belong to the database they happened in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from changelog.models import Change
from changelog.writes import object_type
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from sources.models import Party, Source, with_name_keys

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMAT = "claimdesk-dataset"
FORMAT_VERSION = 1

# The document's sections, in an order where every reference points back
# (sources' origins are the one exception, resolved by the same table).
# Keys are the model's field names; a foreign key holds the referenced id.
SECTIONS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "parties": (
        Party,
        ("id", "name", "slug", "description", "created_at", "updated_at", "version"),
    ),
    "sources": (
        Source,
        (
            "id",
            "name",
            "kind",
            "affiliation",
            "is_anonymous",
            "reliability",
            "url",
            "notes",
            "origin",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    "disputes": (
        Dispute,
        (
            "id",
            "slug",
            "title",
            "summary",
            "status",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    "accounts": (
        Account,
        (
            "id",
            "dispute",
            "party",
            "summary",
            "score",
            "verdict",
            "evidence_weight",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    "claims": (
        Claim,
        (
            "id",
            "account",
            "text",
            "speaker",
            "stated_at",
            "appearance",
            "score",
            "verdict",
            "evidence_weight",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    "corroborations": (
        Corroboration,
        (
            "id",
            "claim",
            "source",
            "stance",
            "quote",
            "url",
            "observed_at",
            "recorded_by",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    "score_snapshots": (
        ScoreSnapshot,
        (
            "id",
            "claim",
            "account",
            "score",
            "verdict",
            "evidence_weight",
            "at",
            "cause",
        ),
    ),
}
MODELS = [model for model, _ in SECTIONS.values()]

# Sections whose rows enter the change log as "created" on import, in the
# order a partner syncing from the feed needs them (parents first).
# Columns the document leaves out because they are derived from others and
# recomputed on import (a source's name key, from its name: with_name_keys).
DERIVED_FIELDS: dict[type[models.Model], frozenset[str]] = {Source: frozenset({"name_key"})}

LOGGED_SECTIONS = ("parties", "sources", "disputes", "accounts", "claims", "corroborations")

BATCH_SIZE = 2000


class DatasetError(Exception):
    """The document cannot be loaded; the message says where and why."""


@dataclass(frozen=True)
class Imported:
    counts: dict[str, int]
    # Who recorded a corroboration travels as a username; these were not
    # found here, so those corroborations now have no recorder.
    unknown_usernames: frozenset[str]


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """
    Let inserts keep the created_at / updated_at / at values the objects
    carry. auto_now and auto_now_add overwrite them on every insert, but an
    import must keep the exported times and generated history must be dated
    in the past. Only management commands use this, one thread each, so
    switching the field flags for the duration is safe.
    """
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        # Django's fields with these flags: DateField (and DateTimeField), TimeField.
        if isinstance(field, (models.DateField, models.TimeField))
        and (field.auto_now or field.auto_now_add)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    try:
        for field in fields:
            field.auto_now = field.auto_now_add = False
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def existing_rows() -> dict[str, int]:
    """How many rows each section's table holds now (only the non-empty ones)."""
    counts = {name: model._default_manager.count() for name, (model, _) in SECTIONS.items()}
    return {name: count for name, count in counts.items() if count}


# Export


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        # Full microseconds: DjangoJSONEncoder would cut them to milliseconds,
        # and the import would no longer give back identical rows.
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    # SECTIONS names only each model's own columns, never the far side of a relation.
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _rows(name: str) -> Iterator[dict[str, Any]]:
    model, keys = SECTIONS[name]
    attnames = [_column(model, key).attname for key in keys]
    rows = model._default_manager.order_by("pk")
    if name == "corroborations":
        rows = rows.annotate(recorded_by_username=models.F("recorded_by__username"))
        attnames.append("recorded_by_username")
    for row in rows.values(*attnames).iterator(chunk_size=BATCH_SIZE):
        # attnames may end with an annotation beyond the keys, read below.
        out = {key: row[attname] for key, attname in zip(keys, attnames, strict=False)}
        if name == "corroborations":
            out["recorded_by"] = row["recorded_by_username"]
        yield out


def export_dataset(out: SupportsWrite[str]) -> dict[str, int]:
    """
    Write the whole desk to `out` as one JSON document, row by row so that
    memory stays flat at any size; returns the row count of each section.
    """
    counts: dict[str, int] = {}
    with _consistent_read():
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
        }
        out.write("{\n")
        for key, value in header.items():
            out.write(f"{json.dumps(key)}: {json.dumps(value)},\n")
        for index, name in enumerate(SECTIONS):
            out.write(f"{json.dumps(name)}: [")
            count = 0
            for row in _rows(name):
                out.write(",\n  " if count else "\n  ")
                out.write(json.dumps(row, default=_json_default, ensure_ascii=False))
                count += 1
            out.write("\n]" if count else "]")
            out.write(",\n" if index < len(SECTIONS) - 1 else "\n")
            counts[name] = count
        out.write("}\n")
    return counts


@contextmanager
def _consistent_read() -> Iterator[None]:
    # One snapshot for every table, so that a write landing mid-export cannot
    # leave a corroboration pointing at a claim the document does not hold.
    # Inside a caller's transaction (a test, say) the isolation level is
    # already fixed and cannot be set any more.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# Import


def read_document(stream: IO[str]) -> dict[str, Any]:
    try:
        document = json.load(stream)
    except json.JSONDecodeError as error:
        raise DatasetError(f"The file is not valid JSON: {error}.") from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"The file is not UTF-8 text: {error}.") from None
    if not isinstance(document, dict):
        raise DatasetError("The document must be a JSON object with the dataset's sections.")
    if document.get("format") != FORMAT:
        raise DatasetError(f'This is not a claimdesk dataset: "format" must be "{FORMAT}".')
    version = document.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise DatasetError(
            f"Unsupported format_version {version!r}: this claimdesk reads version {FORMAT_VERSION}."
        )
    missing = [name for name in SECTIONS if name not in document]
    if missing:
        raise DatasetError(f"The document lacks the section(s): {', '.join(missing)}.")
    for name in SECTIONS:
        if not isinstance(document[name], list):
            raise DatasetError(f'Section "{name}" must be a list of rows.')
    return document


def import_dataset(document: dict[str, Any]) -> Imported:
    """
    Load a document from read_document into an empty database, in one
    transaction, keeping every id, timestamp and score. Raises DatasetError
    (and writes nothing) if the database is not empty or a row is wrong.
    """
    with transaction.atomic():
        present = existing_rows()
        if present:
            held = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in present.items())
            raise DatasetError(
                f"The database is not empty (it holds {held}); import_dataset loads into an "
                "empty database only. Run `manage.py flush` first, or import elsewhere."
            )
        unknown_usernames: set[str] = set()
        objects = {name: _build(name, document[name], unknown_usernames) for name in SECTIONS}
        _check_references(objects)
        with_name_keys(cast(list[Source], objects["sources"]))
        try:
            with explicit_timestamps(*MODELS):
                for name, (model, _) in SECTIONS.items():
                    model._default_manager.bulk_create(objects[name], batch_size=BATCH_SIZE)
            _reset_sequences()
            _log_created(objects)
            # Foreign keys are checked at commit; check them here instead so
            # that a bad reference is reported as one, inside our try.
            connection.check_constraints(table_names=[model._meta.db_table for model in MODELS])
        except DatabaseError as error:
            raise DatasetError(f"The database refused the data: {error}".strip()) from None
    return Imported(
        counts={name: len(rows) for name, rows in objects.items()},
        unknown_usernames=frozenset(unknown_usernames),
    )


def _build(name: str, rows: list[Any], unknown_usernames: set[str]) -> list[models.Model]:
    model, keys = SECTIONS[name]
    fields = [_column(model, key) for key in keys]
    expected = set(keys)
    usernames: dict[str, int] = {}
    if name == "corroborations":
        wanted = {
            row.get("recorded_by")
            for row in rows
            if isinstance(row, dict) and isinstance(row.get("recorded_by"), str)
        }
        usernames = dict(
            get_user_model().objects.filter(username__in=wanted).values_list("username", "pk")
        )
    built = []
    for index, row in enumerate(rows):
        where = f"{name}[{index}]"
        if not isinstance(row, dict):
            raise DatasetError(f"{where} must be an object with the fields {', '.join(keys)}.")
        missing = [key for key in keys if key not in row]
        if missing:
            raise DatasetError(f"{where} lacks the field(s): {', '.join(missing)}.")
        unknown = sorted(set(row) - expected)
        if unknown:
            raise DatasetError(f"{where} has unknown field(s): {', '.join(unknown)}.")
        values = {}
        for field in fields:
            value = row[field.name]
            if field.name == "recorded_by":
                if value is not None and not isinstance(value, str):
                    raise DatasetError(f"{where}.recorded_by must be a username or null.")
                if value is not None and value not in usernames:
                    unknown_usernames.add(value)
                values[field.attname] = usernames.get(value)
                continue
            if value is None and not field.null:
                raise DatasetError(f"{where}.{field.name} cannot be null.")
            try:
                values[field.attname] = None if value is None else _to_python(field, value)
            except ValidationError as error:
                raise DatasetError(f"{where}.{field.name}: {' '.join(error.messages)}") from None
        built.append(model(**values))
    return built


def _to_python(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, (models.CharField, models.TextField)) and not isinstance(value, str):
        raise ValidationError(f"expected text, got {value!r}.")
    if (
        isinstance(field, models.CharField)
        and field.max_length is not None
        and len(value) > field.max_length
    ):
        raise ValidationError(f"longer than {field.max_length} characters.")
    if isinstance(field, (models.FloatField, models.IntegerField)) and isinstance(
        value, (bool, str)
    ):
        raise ValidationError(f"expected a number, got {value!r}.")
    if isinstance(field, models.BooleanField) and not isinstance(value, bool):
        raise ValidationError(f"expected true or false, got {value!r}.")
    value = field.to_python(value)
    if isinstance(field, models.DateTimeField) and timezone.is_naive(value):
        raise ValidationError(f"the time {value.isoformat()} has no time zone.")
    if field.choices and value not in {choice for choice, _ in field.flatchoices}:
        raise ValidationError(
            f"{value!r} is not one of {', '.join(c for c, _ in field.flatchoices)}."
        )
    return value


def _check_references(objects: dict[str, list[models.Model]]) -> None:
    # The database starts empty, so every reference must land inside the document.
    ids = {name: {obj.pk for obj in rows} for name, rows in objects.items()}
    if any(len(ids[name]) != len(rows) for name, rows in objects.items()):
        duplicated = next(name for name, rows in objects.items() if len(ids[name]) != len(rows))
        raise DatasetError(f'Section "{duplicated}" repeats an id.')
    references = [
        ("sources", "affiliation_id", "parties"),
        ("sources", "origin_id", "sources"),
        ("accounts", "dispute_id", "disputes"),
        ("accounts", "party_id", "parties"),
        ("claims", "account_id", "accounts"),
        ("claims", "speaker_id", "sources"),
        ("corroborations", "claim_id", "claims"),
        ("corroborations", "source_id", "sources"),
        ("score_snapshots", "claim_id", "claims"),
        ("score_snapshots", "account_id", "accounts"),
    ]
    for section, attname, target in references:
        for index, obj in enumerate(objects[section]):
            value = getattr(obj, attname)
            if value is not None and value not in ids[target]:
                field = attname.removesuffix("_id")
                raise DatasetError(
                    f"{section}[{index}].{field}: {target} id {value} is not in the document."
                )


def _reset_sequences() -> None:
    # Rows came in with their own ids; PostgreSQL's sequences must move past
    # them, or the next insert would collide with an imported row.
    statements = connection.ops.sequence_reset_sql(no_style(), MODELS)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _log_created(objects: dict[str, list[models.Model]]) -> None:
    # One "created" entry per object, so the sync feed and the ETags see them.
    entries = (
        Change(
            action=Change.Action.CREATED,
            object_type=object_type(obj),
            object_id=obj.pk,
            summary=f"{obj._meta.verbose_name} imported",
        )
        for name in LOGGED_SECTIONS
        for obj in objects[name]
    )
    for batch in batched(entries, BATCH_SIZE):
        Change.objects.bulk_create(batch)


def refresh_planner_statistics() -> None:
    """
    After a bulk load, show PostgreSQL's planner the new rows. Autovacuum
    would, eventually (or never, where it is switched off); until then the
    planner takes the tables for nearly empty and picks plans that scan
    200,000 rows: the dashboard's overview took 6 s at full size instead of
    30 ms. (SQLite plans these queries well without statistics.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
