from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from changelog.models import Versioned


class Party(Versioned):
    """A side that can hold an account: a government, delegation or organisation."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

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


# What a filter by party says for the sources that speak for no party.
INDEPENDENT = "independent"


class SourceQuerySet(models.QuerySet["Source"]):
    def with_related(self) -> SourceQuerySet:
        return self.select_related("affiliation", "origin")

    def search(self, text: str) -> SourceQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(notes__icontains=text))

    def affiliated_with(self, party_slug: str) -> SourceQuerySet:
        """The sources that speak for the party with this slug; INDEPENDENT: those with none."""
        if party_slug == INDEPENDENT:
            return self.filter(affiliation__isnull=True)
        return self.filter(affiliation__slug=party_slug)


class Source(Versioned):
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
