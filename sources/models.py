from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Party(models.Model):
    """A side that can hold an account: a government, delegation or organisation."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.name


class Reliability(models.TextChoices):
    """The Admiralty (NATO) grade of a source's reliability."""

    A = "A", "A · completely reliable"
    B = "B", "B · usually reliable"
    C = "C", "C · fairly reliable"
    D = "D", "D · not usually reliable"
    E = "E", "E · unreliable"
    F = "F", "F · cannot be judged"


class SourceKind(models.TextChoices):
    OFFICIAL = "official", "Official"
    SPOKESPERSON = "spokesperson", "Spokesperson"
    ANONYMOUS_OFFICIAL = "anonymous_official", "Anonymous official"
    NEWS_OUTLET = "news_outlet", "News outlet"
    WIRE_SERVICE = "wire_service", "Wire service"
    DOCUMENT = "document", "Document"
    EXPERT = "expert", "Expert"
    WITNESS = "witness", "Witness"
    OTHER = "other", "Other"


class SourceQuerySet(models.QuerySet):
    def with_related(self) -> SourceQuerySet:
        return self.select_related("affiliation", "origin")

    def search(self, text: str) -> SourceQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(notes__icontains=text))


class Source(models.Model):
    """A person, office, outlet or document that makes or backs statements."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=SourceKind.choices, default=SourceKind.OTHER)
    affiliation = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text="The party this source speaks for; empty for an independent source.",
    )
    is_anonymous = models.BooleanField(default=False)
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, default=Reliability.F, db_index=True
    )
    url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    origin = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
        help_text="The source this one merely repeats (a paper reprinting a wire story), "
        "so that copies are not counted as independent evidence.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reliability__in=Reliability.values),
                name="source_reliability_is_a_grade",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SourceKind.values),
                name="source_kind_is_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(origin=models.F("id")),
                name="source_is_not_its_own_origin",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:source", args=[self.pk])

    def clean(self) -> None:
        # Walk the origin chain so that a loop (A repeats B repeats A) is
        # refused: the independence rule needs every chain to end.
        seen = {self.pk} if self.pk else set()
        node = self.origin
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"origin": "This origin would make a loop of sources."})
            seen.add(node.pk)
            node = node.origin


class Change(models.Model):
    """
    One append-only entry in the desk's change log: what was created, updated
    or deleted, by whom, when.

    It lives in `sources`, the app every other one depends on, so that every
    write service can record into it. Its auto-incrementing id is the cursor
    of the partners' sync feed, and the newest id is a cheap version number of
    the whole database (ETags, the dashboard's 204 polls).
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
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The newest change of one type in one index step: the epoch of
            # cached claim representations (claims/claim_cache.py).
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
