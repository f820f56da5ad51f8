"""
The admin for parties. Sources are edited in claims/admin.py: a source's
edit rescores the claims it weighs on, which this app knows nothing of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from changelog.admin import Fields, ServiceAdmin

from . import services
from .models import Party

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class PartyCounts(TypedDict):
    """What PartyAdmin.get_queryset annotates each party with."""

    source_count: int
    account_count: int


@admin.register(Party)
class PartyAdmin(ServiceAdmin[Party]):
    list_display = ("name", "slug", "source_count", "account_count", "updated_at")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[WithAnnotations[Party, PartyCounts]]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                source_count=Count("sources", distinct=True),
                account_count=Count("accounts", distinct=True),
            )
        )

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, party: WithAnnotations[Party, PartyCounts]) -> int:
        return party.source_count

    @admin.display(description="accounts", ordering="account_count")
    def account_count(self, party: WithAnnotations[Party, PartyCounts]) -> int:
        return party.account_count

    def create(self, request: HttpRequest, fields: Fields) -> Party:
        return services.create_party(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Party, fields: Fields, expected_version: int | None
    ) -> Party:
        return services.update_party(
            party=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Party) -> None:
        services.delete_party(party=obj, by=request.user)
