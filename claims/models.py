from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from changelog.models import Versioned
from sources.models import Party, Source


class Verdict(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    CORROBORATED = "corroborated", "Corroborated"
    MOSTLY_CORROBORATED = "mostly_corroborated", "Mostly corroborated"
    CONTESTED = "contested", "Contested"
    MOSTLY_CONTRADICTED = "mostly_contradicted", "Mostly contradicted"
    CONTRADICTED = "contradicted", "Contradicted"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    PARTLY_SUPPORTS = "partly_supports", "Partly supports"
    PARTLY_CONTRADICTS = "partly_contradicts", "Partly contradicts"
    CONTRADICTS = "contradicts", "Contradicts"


# How far past this server's clock a time may be and still be taken as now:
# a reporter's or a partner's clock may run a little fast, but nobody has
# said or published anything tomorrow.
CLOCK_SKEW = timedelta(minutes=5)


def refuse_future(field: str, moment: datetime | None) -> None:
    """Statements and evidence are dated when they were made, which is never later than now."""
    if moment is not None and moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {
                field: f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the "
                "future: it cannot have been said or published yet."
            }
        )


# The stances that back a claim; the others count against it.
SUPPORTING_STANCES = frozenset({Stance.SUPPORTS, Stance.PARTLY_SUPPORTS})


class Scored(Versioned):
    """
    The derived credibility of a claim or an account. Written only by the
    services in claims/services.py, in the transaction that changed the
    evidence, so it is always what a recompute would give.
    """

    score = models.FloatField(default=0.5, editable=False)
    verdict = models.CharField(
        max_length=24, choices=Verdict.choices, default=Verdict.UNVERIFIED, editable=False
    )
    evidence_weight = models.FloatField(default=0.0, editable=False)

    class Meta:
        abstract = True

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label


def scored_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(score__gte=0, score__lte=1), name=f"{prefix}_score_in_unit_range"
        ),
        models.CheckConstraint(
            condition=models.Q(evidence_weight__gte=0),
            name=f"{prefix}_evidence_weight_not_negative",
        ),
        models.CheckConstraint(
            condition=models.Q(verdict__in=Verdict.values), name=f"{prefix}_verdict_is_known"
        ),
    ]


class Dispute(Versioned):
    """The contested question, e.g. "What did Kim demand on sanctions in Hanoi?"."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SETTLED = "settled", "Settled"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "settled"]), name="dispute_status_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dashboard:dispute", args=[self.slug])


class Account(Scored):
    """One party's version of a dispute."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="accounts")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="accounts")
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dispute_id", "party__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "party"], name="one_account_per_party_per_dispute"
            ),
            *scored_constraints("account"),
        ]

    def __str__(self) -> str:
        return f"{self.party} on {self.dispute}"


class ClaimQuerySet(models.QuerySet["Claim"]):
    def with_related(self) -> ClaimQuerySet:
        return self.select_related("account__dispute", "account__party", "speaker__affiliation")

    def search(self, text: str) -> ClaimQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(text__icontains=text) | models.Q(speaker__name__icontains=text))


class Claim(Scored):
    """One atomic, checkable statement inside an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField()
    speaker = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    stated_at = models.DateTimeField(null=True, blank=True)
    appearance = models.URLField(
        max_length=500, blank=True, help_text="Where the statement was made or first reported."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "id"]
        indexes = [
            models.Index(fields=["verdict"]),
            models.Index(fields=["score"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="claim_text_not_empty"),
            *scored_constraints("claim"),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:claim", args=[self.pk])

    @property
    def party(self) -> Party:
        return self.account.party

    def clean(self) -> None:
        refuse_future("stated_at", self.stated_at)


class Corroboration(Versioned):
    """One piece of evidence: a source that supports or contradicts a claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="corroborations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="corroborations")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    quote = models.TextField(help_text="The words the evidence rests on.")
    url = models.URLField(max_length=500, blank=True)
    observed_at = models.DateTimeField(help_text="When the source said or published it.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["observed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stance__in=Stance.values), name="corroboration_stance_is_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(quote=""), name="corroboration_quote_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_stance_display().lower()} claim {self.claim_id}"

    def clean(self) -> None:
        refuse_future("observed_at", self.observed_at)

    @property
    def is_support(self) -> bool:
        return self.stance in SUPPORTING_STANCES


class ScoreSnapshot(models.Model):
    """A claim's or an account's score at a moment: the points of its timeline."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots"
    )
    score = models.FloatField()
    verdict = models.CharField(max_length=24, choices=Verdict.choices)
    evidence_weight = models.FloatField(default=0.0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    cause = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]
        # A sparkline reads an object's newest snapshots by id: with the id in
        # the index (SQLite puts it in every index; PostgreSQL needs it named)
        # that is a short walk from the index's end, however long the history.
        indexes = [
            models.Index(fields=["account", "id"], name="snapshot_account_history"),
            models.Index(fields=["claim", "id"], name="snapshot_claim_history"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(claim__isnull=False, account__isnull=True)
                    | models.Q(claim__isnull=True, account__isnull=False)
                ),
                name="snapshot_of_exactly_one_object",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="snapshot_score_in_unit_range"
            ),
        ]

    def __str__(self) -> str:
        subject = f"claim {self.claim_id}" if self.claim_id else f"account {self.account_id}"
        return f"{subject}: {self.score:.3f} at {self.at:%Y-%m-%d %H:%M}"
