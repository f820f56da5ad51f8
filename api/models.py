"""
The API's own records: staff tokens (partner keys are djangorestframework-api-key's
APIKey) and the entries of the store the app processes share without Redis.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class StaffToken(AbstractAPIKey):
    """
    A staff member's personal API token (`Authorization: Token <token>`).
    Stored hashed like a partner key; it acts with its user's permissions and
    stops working the moment it is revoked, expires, or its user is disabled.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )

    class Meta(AbstractAPIKey.Meta):
        # The table predates this app (it began in `dashboard`).
        db_table = "dashboard_stafftoken"
        verbose_name = "staff token"
        verbose_name_plural = "staff tokens"


class SharedEntry(models.Model):
    """
    One entry of the store every app process shares when there is no Redis
    (api.shared_store.DatabaseStore): a throttle counter or an
    Idempotency-Key's record. An integer lives in ``counter``, so that one
    UPDATE can add to it; anything else in ``value``, which is then not null.
    """

    key = models.CharField(max_length=255, primary_key=True)
    counter = models.BigIntegerField(default=0)
    value = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    # None: never expires. Indexed for the sweep of expired rows.
    expires_at = models.DateTimeField(null=True, db_index=True)

    class Meta:
        verbose_name = "shared store entry"
        verbose_name_plural = "shared store entries"

    def __str__(self) -> str:
        return self.key
