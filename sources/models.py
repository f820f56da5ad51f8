from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

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


# Spaces before punctuation do not tell two names apart ("Reuters , News" is
# "Reuters, News"); other runs of spacing count as one space.
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[,.;:!?)\]}])")
_SPACE_AFTER_OPENING = re.compile(r"(?<=[(\[{])\s+")
# Joins the normalised name of a duplicate left by the upgrade to its id
# (see duplicate_name_key); a normalised name never holds it, since
# control characters are dropped.
DUPLICATE_KEY_SEPARATOR = "\x1f"


def normalise_name(name: str) -> str:
    """
    The form of a source's name that two names must not share: accents,
    case and spacing ignored ("Réuters  News " is "reuters news").
    """
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in decomposed
        if not unicodedata.combining(ch) and (ch.isspace() or unicodedata.category(ch) != "Cc")
    )
    folded = " ".join(kept.casefold().split())
    folded = _SPACE_BEFORE_PUNCTUATION.sub("", folded)
    return _SPACE_AFTER_OPENING.sub("", folded)


def duplicate_name_key(name: str, pk: int) -> str:
    """
    The key of a source that shared its name with an older one when the
    upgrade to unique names ran: kept apart by its id until an editor merges
    or renames it (sources/migrations/0005_fill_source_name_key.py).
    """
    return f"{normalise_name(name)}{DUPLICATE_KEY_SEPARATOR}{pk}"


def name_collisions(sources: Iterable[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """
    The (id, name) pairs that share a normalised name, in groups of two or
    more, each ordered by id (the oldest, which keeps the name, first).
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name in sorted(sources):
        groups.setdefault(normalise_name(name), []).append((pk, name))
    return [group for group in groups.values() if len(group) > 1]


def describe_collisions(groups: list[list[tuple[int, str]]]) -> list[str]:
    """The lines that tell an editor which sources to merge, and how."""
    lines = [
        f"{len(groups)} group(s) of sources share a name once case, spacing and accents are "
        "ignored. The oldest of each keeps the name; merge the others into it, on the "
        "source's dashboard page (Merge into…) or with the command shown:"
    ]
    for (kept_id, kept_name), *others in groups:
        names = ", ".join(f"{pk} “{name}”" for pk, name in others)
        lines.append(f"  {kept_id} “{kept_name}” (keeps the name) ← {names}")
        lines.extend(
            f"      python manage.py merge_sources --from {pk} --into {kept_id}" for pk, _ in others
        )
    return lines


class SourceQuerySet(models.QuerySet["Source"]):
    def with_related(self) -> SourceQuerySet:
        return self.select_related("affiliation", "origin")

    def search(self, text: str) -> SourceQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(notes__icontains=text))

    def named_like(self, name: str) -> SourceQuerySet:
        """The source whose name is this one once case, spacing and accents are ignored."""
        return self.filter(name_key=normalise_name(name))

    def affiliated_with(self, party_slug: str) -> SourceQuerySet:
        """The sources that speak for the party with this slug; INDEPENDENT: those with none."""
        if party_slug == INDEPENDENT:
            return self.filter(affiliation__isnull=True)
        return self.filter(affiliation__slug=party_slug)


class Source(Versioned):
    """A person, office, outlet or document that makes or backs statements."""

    name = models.CharField(max_length=200)
    # The name as two sources may not share it (normalise_name); written by
    # clean(), and by the bulk loaders through with_name_keys(); blank only
    # because clean_fields() runs before clean() has written it.
    name_key = models.CharField(max_length=220, editable=False, blank=True)
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
            models.UniqueConstraint(fields=["name_key"], name="one_source_per_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:source", args=[self.pk])

    def clean(self) -> None:
        self._refuse_taken_name()
        # Walk the origin chain so that a loop (A repeats B repeats A) is
        # refused: the independence rule needs every chain to end.
        seen = {self.pk} if self.pk else set()
        node = self.origin
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"origin": "This origin would make a loop of sources."})
            seen.add(node.pk)
            node = node.origin

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, not a rule: whatever saves a source (a service,
        # the admin, a test factory) stores the key of the name it saves.
        self.name_key = self._name_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def _name_key(self) -> str:
        if self.pk and self.name_key == duplicate_name_key(self.name, self.pk):
            # A duplicate the upgrade found keeps its own key while it keeps
            # its name, so that it can still be edited until it is merged.
            return self.name_key
        return normalise_name(self.name)

    def _refuse_taken_name(self) -> None:
        if not self.name:
            return  # clean_fields() has said that the name is required
        key = self._name_key()
        if not key:
            raise ValidationError({"name": "A name needs at least one visible character."})
        self.name_key = key
        if DUPLICATE_KEY_SEPARATOR in key:
            return
        taken = Source.objects.filter(name_key=key).exclude(pk=self.pk).first()
        if taken is not None:
            raise ValidationError(
                {
                    "name": ValidationError(
                        "A source called “%(existing)s” already exists (source %(id)s); names "
                        "count as the same whatever their case, spacing or accents. Use that "
                        "source, or name this one apart.",
                        code="duplicate",
                        params={"existing": taken.name, "id": taken.pk},
                    )
                }
            )

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        # name_key is derived from name: once the name is refused (by clean,
        # naming the source it clashes with), the key's constraint would
        # only say the same thing again, less clearly.
        excluded = set(exclude or ())
        if "name" in excluded:
            excluded.add("name_key")
        super().validate_constraints(exclude=excluded)


def with_name_keys(sources: Iterable[Source]) -> list[Source]:
    """
    Set the name key of sources about to be inserted in bulk (bulk_create
    skips clean()). Rows that come with their ids (a dataset exported from a
    desk that still holds duplicates from the upgrade) keep those duplicates
    apart as the upgrade did: the oldest has the plain key.
    """
    rows = list(sources)
    later = {
        pk
        for group in name_collisions((s.pk, s.name) for s in rows if s.pk is not None)
        for pk, _ in group[1:]
    }
    for source in rows:
        source.name_key = (
            duplicate_name_key(source.name, source.pk)
            if source.pk in later
            else normalise_name(source.name)
        )
    return rows
