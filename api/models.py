"""The API's own record: staff tokens (partner keys are djangorestframework-api-key's APIKey)."""

from django.conf import settings
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
