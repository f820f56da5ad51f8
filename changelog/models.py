"""
The desk's change log, the lowest floor: every other app writes into it and
reads from it; it knows none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, models


class Versioned(models.Model):
    """
    A row that carries a version, moved by every write that changes what a
    reader of the row would see: If-Match, the version checks of concurrent
    edits and the claims' cached JSON all rely on it moving.
    """

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def bump_version(self) -> None:
        self.version += 1


class ChangeQuerySet(models.QuerySet["Change"]):
    def score_moves(self) -> ChangeQuerySet:
        return self.filter(is_score_move=True)

    def edits(self) -> ChangeQuerySet:
        """Everything but score moves: what a person did."""
        return self.filter(is_score_move=False)


class Change(models.Model):
    """
    One append-only entry in the desk's change log: what was created, updated
    or deleted, by whom, when.

    Its auto-incrementing id is the cursor of the partners' sync feed, and the
    newest id is a cheap version number of the whole database (ETags, the
    dashboard's 204 polls). The ids commit in order (changelog.writes).
    """

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"

    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=40, db_index=True)
    object_id = models.BigIntegerField()
    summary = models.CharField(max_length=300, blank=True)
    # Set by the scoring service when the entry records a recomputed score
    # rather than somebody's edit, so that no reader has to tell the two
    # apart by the summary's wording.
    is_score_move = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChangeQuerySet.as_manager()

    class Meta:
        # The table predates this app (it began in `sources`); keeping its
        # name kept every row and every index where they were.
        db_table = "sources_change"
        ordering = ["id"]
        indexes = [
            # One object's changes, newest first, in one index step: with the
            # id in the index, PostgreSQL reads an object's newest entry from
            # the index's end instead of walking the log back by id.
            models.Index(fields=["object_type", "object_id", "id"], name="change_object_newest"),
            # The newest change of one type in one index step.
            models.Index(fields=["object_type", "id"], name="change_type_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["created", "updated", "deleted"]),
                name="change_action_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} {self.action}"

    @classmethod
    def latest_id(cls) -> int:
        return cls.objects.order_by("-id").values_list("id", flat=True).first() or 0


class Head(models.Model):
    """
    The newest change-log id of each object type: what "has any dispute,
    party or source changed?" reads (a claim's cached JSON is keyed by it,
    api/resources/claim_json.py). It is one primary-key read of a few rows,
    where asking the log for its newest entry of a type leaves the choice of
    plan to the database, and PostgreSQL, betting that such an entry is near
    the end, walked back through the whole log when the type's last change
    was far behind (42 ms of a 50 ms page at newsroom size).

    A trigger on the change log keeps it (migration 0004), in the statement
    that inserts the entries: every path that appends to the log, the
    services and the bulk loaders alike, moves the heads in the same
    transaction, at no extra round trip.
    """

    object_type = models.CharField(max_length=40, primary_key=True)
    change_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.object_type} at change {self.change_id}"

    @classmethod
    def newest(cls, object_types: Sequence[str]) -> int:
        """The newest change-log id among these object types (0 when none has changed)."""
        # Plain SQL: it runs on every page of the claims list, and building
        # the ORM query costs more than running it.
        table = connection.ops.quote_name(cls._meta.db_table)
        placeholders = ", ".join(["%s"] * len(object_types))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MAX(change_id) FROM {table} WHERE object_type IN ({placeholders})",
                list(object_types),
            )
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0
