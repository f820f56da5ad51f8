"""
Pushing to partners (DESIGN.md §10): the endpoints editors register for a
partner key, the messages sent to them, and every attempt to deliver one.

- Endpoint: a partner's URL and the event types it wants, with its secrets.
- EndpointSecret: a `whsec_` secret; a rotated one keeps signing beside the
  new one until its grace period ends (`expires_at`).
- Message: one event as partners receive it — its `webhook-id`, its type
  and the exact body every attempt sends. A dispute's event comes from the
  partners' feed (publishing.FeedEvent, written in the transaction that
  released, paused or retracted it: that row is the outbox), at most one
  message per feed event; a ping is made by an editor for one endpoint.
- Delivery: one message to one endpoint, tried on the Standard Webhooks
  schedule until it succeeds, the schedule ends or the endpoint goes.
- Attempt: the log of each try (time, status, latency, first bytes, error).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from changelog.models import Versioned


class EventType(models.TextChoices):
    PUBLISHED = "dispute.published", "Dispute published"
    CORRECTED = "dispute.corrected", "Dispute corrected"
    WITHHELD = "dispute.withheld", "Dispute withheld"
    CANCELED = "dispute.canceled", "Dispute canceled"
    PING = "ping", "Test ping"


class Endpoint(Versioned):
    """A partner's URL that claimdesk pushes events to."""

    partner_key = models.ForeignKey(
        "rest_framework_api_key.APIKey",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="The partner whose released view the events carry.",
    )
    url = models.URLField(max_length=500)
    # The dispute events it wants (EventType values, ping aside: an editor's
    # test ping always goes).
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # Why it stopped, when the desk stopped it (a 410, a whole failed
    # schedule): what the editors are told on the dashboard.
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class EndpointSecret(models.Model):
    """
    One signing secret of an endpoint, `whsec_` and base64 as the spec
    writes it. Kept in clear: an HMAC needs the secret itself to sign.
    """

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    # None: the current secret. Set when rotated: it signs until then.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"secret {self.secret[:10]}… of {self.endpoint}"


class Message(models.Model):
    """One event as partners receive it, the same bytes on every attempt."""

    webhook_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=20, choices=EventType.choices)
    feed_event = models.OneToOneField(
        "publishing.FeedEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_message",
        help_text="The feed event it announces (none for a ping).",
    )
    dispute_key = models.BigIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField(help_text="The JSON sent and signed, as sent.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"


class Delivery(models.Model):
    """One message to one endpoint, and where its tries stand."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed (schedule ended)"
        CANCELED = "canceled", "Canceled (endpoint disabled)"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a pending delivery is due next; a worker claims it by moving
    # `claimed_until` ahead (a lease): one that dies mid-delivery leaves a
    # lease that runs out, and the sweep takes the delivery up again.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"], name="one_delivery_per_endpoint"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "succeeded", "failed", "canceled"]),
                name="delivery_state_is_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint} ({self.state})"


class Attempt(models.Model):
    """One try at a delivery, as it went."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    # The first bytes of the answer, as text (DESIGN.md §10: observable).
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"attempt at {self.at:%Y-%m-%d %H:%M:%S}: {self.status or self.error}"
