from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import StaffToken


@admin.register(StaffToken)
class StaffTokenAdmin(APIKeyModelAdmin):
    """
    Staff tokens beside the partner keys. The token is shown once, in a
    message, when it is created; only its hash is kept.
    """

    # APIKeyModelAdmin leaves these unannotated, so mypy takes its tuples'
    # exact lengths for their types; Django accepts any sequence of names.
    list_display = ("prefix", "name", "user", "created", "expiry_date", "_has_expired", "revoked")  # type: ignore[assignment]
    list_filter = ("revoked", "created")  # type: ignore[assignment]
    search_fields = ("name", "prefix", "user__username")  # type: ignore[assignment]
    autocomplete_fields = ("user",)
    list_select_related = ("user",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> tuple[str, ...]:
        # A token belongs to the person it was made for; another person gets their own.
        # APIKeyModelAdmin defaults obj to None but annotates it as a Model.
        fields = super().get_readonly_fields(request, obj)  # type: ignore[arg-type]
        return (*fields, "user") if obj is not None else fields
