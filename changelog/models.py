"""
The desk's change log, the lowest floor: every other app writes into it and
reads from it; it knows none of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
            models.Index(
                fields=["object_type", "object_id"], name="sources_cha_object__862b34_idx"
            ),
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
