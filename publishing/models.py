"""
What partners may see: each dispute's place in the editorial workflow, the
revisions an editor froze, the rows partners read them from, and the feed
of what changed for them.

- Publication: one per dispute that has left the draft stage (a dispute with
  none is a draft), with the revision partners see (`released`).
- Revision: the dispute as it stood when an editor published it, released
  at once or when its embargo ends.
- RevisionObject: one row per object of a revision (the dispute, its
  accounts, claims and evidence, and the sources they cite), holding the
  JSON a partner reads and the columns a partner's filters need; `visible`
  marks the rows of every usable dispute's released revision.
- FeedEvent: the partners' changes feed, written at release, append-only.

None of them points at the live rows by foreign key, except a publication
at its dispute (and that one is set to null when the dispute is deleted):
what was released stays as it was released, until an editor retracts it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from changelog.models import Change, Versioned
from claims.models import Dispute


class PubStatus(models.TextChoices):
    """A released dispute's status for partners, as IPTC ninjs names it (pubStatus)."""

    USABLE = "usable", "Usable"
    WITHHELD = "withheld", "Withheld"
    CANCELED = "canceled", "Canceled"


class Publication(Versioned):
    """Where a dispute stands between the desk and its partners."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        PAUSED = "paused", "Paused"
        RETRACTED = "retracted", "Retracted"

    dispute = models.OneToOneField(
        Dispute, on_delete=models.SET_NULL, null=True, blank=True, related_name="publication"
    )
    # The dispute's id, slug and title as last published: what partners know
    # it by, still there once the dispute is deleted from the desk.
    dispute_key = models.BigIntegerField(unique=True, help_text="The dispute's id.")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    released = models.ForeignKey(
        "Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The revision partners read (withheld while paused, canceled once retracted).",
    )
    first_published_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_note = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-changed_at", "id"]
        permissions = [
            ("publish_dispute", "Can publish, pause, resume, retract and republish a dispute"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["draft", "in_review", "published", "paused", "retracted"]
                ),
                name="publication_state_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display().lower()})"

    @property
    def pub_status(self) -> str | None:
        """What partners are told, or None while they have been shown nothing."""
        if self.released_id is None:
            return None
        return {
            self.State.PUBLISHED: PubStatus.USABLE,
            self.State.PAUSED: PubStatus.WITHHELD,
            self.State.RETRACTED: PubStatus.CANCELED,
        }.get(self.State(self.state))

    @property
    def visible_to_partners(self) -> bool:
        """Are the rows of its released revision in the partners' lists?"""
        return self.pub_status == PubStatus.USABLE


class Revision(models.Model):
    """
    A dispute frozen when an editor published it. It is numbered when it is
    released, so that partners see versions 1, 2, 3 with no gaps; one that
    never reaches them (superseded, paused or retracted during its embargo)
    is dropped, unnumbered.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending (embargoed)"
        RELEASED = "released", "Released"
        DROPPED = "dropped", "Dropped before release"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    embargoed_until = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    correction_note = models.TextField(blank=True)
    dropped_because = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["publication_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "number"], name="one_revision_per_number"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "released", "dropped"]),
                name="revision_state_is_known",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state="released", number__isnull=False, released_at__isnull=False
                )
                | (~models.Q(state="released") & models.Q(number__isnull=True)),
                name="revision_numbered_when_released",
            ),
        ]
        indexes = [
            # The sweep: pending revisions whose embargo has ended.
            models.Index(fields=["state", "embargoed_until"], name="revision_due"),
        ]

    def __str__(self) -> str:
        label = f"revision {self.number}" if self.number else f"revision #{self.pk}"
        return f"{label} of {self.publication.title} ({self.get_state_display().lower()})"


class RevisionObject(models.Model):
    """
    One object of a revision as partners read it: `data` is its JSON, as the
    API serves it, and the columns beside it are what the partners' filters
    and orderings read, so that a page of partner claims is one indexed read
    of finished text.
    """

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="rows")
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    visible = models.BooleanField(default=False)

    # The JSON without the publication fields, as frozen: what tells whether
    # the object changed from one revision to the next (digest).
    content = models.TextField()
    digest = models.CharField(max_length=64)
    # The partner's JSON (content and publication fields), written at release.
    data = models.TextField(blank=True)
    # What a detail adds to `data` (a claim's explanation), as a JSON object.
    detail = models.TextField(blank=True)

    # The publication fields of this object: the revision in which it last
    # changed for partners, and when that was released.
    version = models.PositiveIntegerField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    # What filters read, frozen with the object.
    dispute_slug = models.CharField(max_length=100)
    party_slug = models.CharField(max_length=100, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=24, blank=True)
    score = models.FloatField(null=True, blank=True)
    stance = models.CharField(max_length=20, blank=True)
    reliability = models.CharField(max_length=1, blank=True)
    stated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["revision_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "object_type", "object_id"], name="one_row_per_object"
            ),
        ]
        indexes = [
            # An object in every revision it is in (details, tombstones, diffs).
            models.Index(fields=["object_type", "object_id"], name="revision_object_lookup"),
            # The partners' lists: visible rows only, in id order, and by each filter.
            models.Index(
                fields=["object_type", "object_id"],
                condition=models.Q(visible=True),
                name="partner_list",
            ),
            models.Index(
                fields=["object_type", "dispute_slug", "object_id"],
                condition=models.Q(visible=True),
                name="partner_by_dispute",
            ),
            models.Index(
                fields=["object_type", "party_slug", "object_id"],
                condition=models.Q(visible=True),
                name="partner_by_party",
            ),
            models.Index(
                fields=["object_type", "verdict", "object_id"],
                condition=models.Q(visible=True),
                name="partner_by_verdict",
            ),
            models.Index(
                fields=["object_type", "score"],
                condition=models.Q(visible=True),
                name="partner_by_score",
            ),
            models.Index(
                fields=["object_type", "changed_at"],
                condition=models.Q(visible=True),
                name="partner_by_change",
            ),
            models.Index(
                fields=["object_type", "source_id"],
                condition=models.Q(visible=True),
                name="partner_by_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} in revision #{self.revision_id}"


class FeedEvent(models.Model):
    """
    One event of the partners' changes feed, written when a revision is
    released, paused, resumed or retracted, in the transaction that does it.
    Its id is the partners' cursor: ids commit in order, because every such
    transaction queues on the change log's lock (changelog.writes).

    Each event names an object as partners know it, and whether it was
    created, updated or deleted for them; the dispute's own event also says
    what happened to its publication (`event`), with the note partners
    should show (a correction's, a retraction's).
    """

    class Event(models.TextChoices):
        PUBLISHED = "published", "Published"
        CORRECTED = "corrected", "Corrected"
        WITHHELD = "withheld", "Withheld"
        CANCELED = "canceled", "Canceled"

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Change.Action.choices)
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    event = models.CharField(max_length=10, choices=Event.choices, blank=True)
    # The dispute whose publication caused it, and its revision number then.
    dispute_key = models.BigIntegerField()
    version = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["created", "updated", "deleted"]),
                name="feed_event_action_is_known",
            ),
        ]

    def __str__(self) -> str:
        what = f" ({self.event})" if self.event else ""
        return f"{self.object_type} {self.object_id} {self.action}{what}"
