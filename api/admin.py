from django.contrib import admin
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import StaffToken


@admin.register(StaffToken)
class StaffTokenAdmin(APIKeyModelAdmin):
    """
    Staff tokens beside the partner keys. The token is shown once, in a
    message, when it is created; only its hash is kept.
    """

    list_display = ("prefix", "name", "user", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("revoked", "created")
    search_fields = ("name", "prefix", "user__username")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: StaffToken | None = None
    ) -> tuple[str, ...]:
        # A token belongs to the person it was made for; another person gets their own.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "user") if obj is not None else fields
