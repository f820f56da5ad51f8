"""
The admin for disputes, accounts, claims, evidence, score snapshots and
sources (whose edits rescore claims).
Every save, delete and inline row goes through claims/services.py (see
changelog.admin.ServiceAdmin), so scores and the change log stay right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from changelog.admin import (
    DERIVED_RECORD_FIELDS,
    URL_FIELD_OVERRIDES,
    Fields,
    ModelT,
    ReadOnlyAdmin,
    ServiceAdmin,
)
from sources import services as source_services
from sources.models import Source

from . import scoring, services
from .admin_forms import AccountAdminForm, ClaimAdminForm, CorroborationAdminForm
from .models import Account, Claim, Corroboration, Dispute, Scored, ScoreSnapshot, Stance
from .selectors import explain_claim

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

DERIVED_SCORE_FIELDS = ("score_display", "verdict", "evidence_weight_display")


@admin.display(description="score", ordering="score")
def score_display(obj: Scored) -> str:
    return f"{obj.score:.3f}"


@admin.display(description="evidence weight", ordering="evidence_weight")
def evidence_weight_display(obj: Scored) -> str:
    return f"{obj.evidence_weight:.3f}"


def explanation_html(result: scoring.ClaimScore) -> str:
    """The score worked out by hand: every item with r, k, a, w, or why it was ignored."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>",
        (
            (
                item.source_name,
                Stance(item.stance).label,
                "counted" if item.counted else "ignored",
                *(
                    (
                        f"{item.r:.2f}",
                        f"{item.k:.2f}",
                        f"{item.a:.2f}",
                        f"{item.w:.3f}",
                        f"{item.support - item.contradiction:+.3f}",
                    )
                    if item.counted
                    else ("", "", "", "", "")
                ),
                item.reason,
            )
            for item in result.items
        ),
    )
    return format_html(
        "<p>S = {}, C = {}; score = (1 + S) / (2 + S + C) = {} ({})</p>"
        "<table><thead><tr><th>source</th><th>stance</th><th></th><th>r</th><th>k</th>"
        "<th>a</th><th>w</th><th>contribution</th><th>reason</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        f"{result.support:.3f}",
        f"{result.contradiction:.3f}",
        f"{result.score:.3f}",
        result.verdict.replace("_", " "),
        rows or format_html('<tr><td colspan="9">No evidence yet.</td></tr>'),
    )


# What the changelists' get_queryset() annotate their rows with.
class AccountCount(TypedDict):
    account_count: int


class ClaimCount(TypedDict):
    claim_count: int


class EvidenceCount(TypedDict):
    evidence_count: int


class RecomputableAdmin(ServiceAdmin[ModelT]):
    """Disputes, accounts and claims: the scores of their claims can be recomputed."""

    actions = ["recompute_scores"]
    score_display = staticmethod(score_display)
    evidence_weight_display = staticmethod(evidence_weight_display)

    def claims_of(self, queryset: QuerySet[ModelT]) -> QuerySet[Claim]:
        raise NotImplementedError

    def get_deleted_objects(
        self, objs: Sequence[ModelT] | QuerySet[ModelT], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Snapshots are the timeline of what is being deleted and go with it;
        # that nobody may delete one by hand must not block this.
        perms_needed.discard(ScoreSnapshot._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    @admin.action(description="Recompute scores", permissions=["change"])
    def recompute_scores(self, request: HttpRequest, queryset: QuerySet[ModelT]) -> None:
        claim_ids = set(self.claims_of(queryset).values_list("pk", flat=True))
        cause = f"recomputed in the admin by {request.user}"
        last = ScoreSnapshot.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        services.rescore_claims(claim_ids, cause=cause, by=request.user)
        moved = ScoreSnapshot.objects.filter(pk__gt=last, cause=cause).count()
        self.message_user(
            request,
            f"Recomputed {len(claim_ids)} claim(s) and their accounts: "
            f"{moved} score(s) had drifted and were corrected.",
            messages.SUCCESS,
        )


# Narrower inline inputs, so that the change pages fit a laptop screen.
ADMIN_CSS = {"all": ["claims/admin.css"]}


class AccountInline(admin.TabularInline):
    model = Account
    form = AccountAdminForm
    fields = ("party", "summary", "score_display", "verdict", "expected_version")
    readonly_fields = ("score_display", "verdict")
    autocomplete_fields = ("party",)
    show_change_link = True
    extra = 1
    score_display = staticmethod(score_display)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).select_related("party", "dispute")


class ClaimInline(admin.TabularInline):
    model = Claim
    form = ClaimAdminForm
    fields = (
        "text",
        "speaker",
        "stated_at",
        "appearance",
        "score_display",
        "verdict",
        "expected_version",
    )
    readonly_fields = ("score_display", "verdict")
    autocomplete_fields = ("speaker",)
    formfield_overrides = {
        **URL_FIELD_OVERRIDES,
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 40})},
    }
    show_change_link = True
    extra = 1
    score_display = staticmethod(score_display)

    class Media:
        css = ADMIN_CSS


class CorroborationInline(admin.TabularInline):
    model = Corroboration
    form = CorroborationAdminForm
    fields = (
        "source",
        "stance",
        "quote",
        "url",
        "observed_at",
        "recorded_by",
        "expected_version",
    )
    readonly_fields = ("recorded_by",)
    autocomplete_fields = ("source",)
    formfield_overrides = {
        **URL_FIELD_OVERRIDES,
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 30})},
    }
    show_change_link = True
    extra = 1

    class Media:
        css = ADMIN_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Corroboration]:
        return super().get_queryset(request).select_related("source", "recorded_by")


@admin.register(Dispute)
class DisputeAdmin(RecomputableAdmin[Dispute]):
    list_display = ("title", "slug", "status", "account_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [AccountInline]

    def get_queryset(
        self, request: HttpRequest
    ) -> QuerySet[WithAnnotations[Dispute, AccountCount]]:
        return super().get_queryset(request).annotate(account_count=Count("accounts"))

    @admin.display(description="accounts", ordering="account_count")
    def account_count(self, dispute: WithAnnotations[Dispute, AccountCount]) -> int:
        return dispute.account_count

    def claims_of(self, queryset: QuerySet[Dispute]) -> QuerySet[Claim]:
        return Claim.objects.filter(account__dispute__in=queryset)

    def create(self, request: HttpRequest, fields: Fields) -> Dispute:
        return services.create_dispute(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Dispute, fields: Fields, expected_version: int | None
    ) -> Dispute:
        return services.update_dispute(
            dispute=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Dispute) -> None:
        services.delete_dispute(dispute=obj, by=request.user)


@admin.register(Account)
class AccountAdmin(RecomputableAdmin[Account]):
    form = AccountAdminForm
    list_display = (
        "party",
        "dispute",
        "score_display",
        "verdict",
        "evidence_weight_display",
        "claim_count",
        "updated_at",
    )
    list_filter = ("verdict", "dispute", "party")
    search_fields = ("party__name", "dispute__title", "summary")
    autocomplete_fields = ("dispute", "party")
    readonly_fields = DERIVED_SCORE_FIELDS + DERIVED_RECORD_FIELDS
    inlines = [ClaimInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WithAnnotations[Account, ClaimCount]]:
        return (
            super()
            .get_queryset(request)
            .select_related("party", "dispute")
            .annotate(claim_count=Count("claims"))
        )

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, account: WithAnnotations[Account, ClaimCount]) -> int:
        return account.claim_count

    def claims_of(self, queryset: QuerySet[Account]) -> QuerySet[Claim]:
        return Claim.objects.filter(account__in=queryset)

    def create(self, request: HttpRequest, fields: Fields) -> Account:
        return services.create_account(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Account, fields: Fields, expected_version: int | None
    ) -> Account:
        return services.update_account(
            account=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Account) -> None:
        services.delete_account(account=obj, by=request.user)


@admin.register(Claim)
class ClaimAdmin(RecomputableAdmin[Claim]):
    form = ClaimAdminForm
    list_display = (
        "statement",
        "party",
        "speaker",
        "score_display",
        "verdict",
        "evidence_count",
        "updated_at",
    )
    list_filter = ("verdict", "account__dispute", "account__party")
    search_fields = ("text", "speaker__name", "account__party__name")
    autocomplete_fields = ("account", "speaker")
    readonly_fields = DERIVED_SCORE_FIELDS + ("explanation",) + DERIVED_RECORD_FIELDS
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "account",
                    "text",
                    "speaker",
                    "stated_at",
                    "appearance",
                    "expected_version",
                )
            },
        ),
        ("Credibility", {"fields": DERIVED_SCORE_FIELDS + ("explanation",)}),
        ("Record", {"fields": DERIVED_RECORD_FIELDS, "classes": ["collapse"]}),
    ]
    inlines = [CorroborationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WithAnnotations[Claim, EvidenceCount]]:
        return (
            super()
            .get_queryset(request)
            .select_related("account__party", "account__dispute", "speaker")
            .annotate(evidence_count=Count("corroborations"))
        )

    @admin.display(description="claim", ordering="text")
    def statement(self, claim: Claim) -> str:
        return str(claim)

    @admin.display(description="party", ordering="account__party__name")
    def party(self, claim: Claim) -> str:
        return str(claim.account.party)

    @admin.display(description="evidence items", ordering="evidence_count")
    def evidence_count(self, claim: WithAnnotations[Claim, EvidenceCount]) -> int:
        return claim.evidence_count

    @admin.display(description="why this score")
    def explanation(self, claim: Claim) -> str:
        return explanation_html(explain_claim(claim)) if claim.pk else "—"

    def claims_of(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        return queryset

    def create(self, request: HttpRequest, fields: Fields) -> Claim:
        return services.create_claim(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Claim, fields: Fields, expected_version: int | None
    ) -> Claim:
        return services.update_claim(
            claim=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Claim) -> None:
        services.delete_claim(claim=obj, by=request.user)


@admin.register(Corroboration)
class CorroborationAdmin(ServiceAdmin[Corroboration]):
    form = CorroborationAdminForm
    list_display = ("source", "stance", "claim", "observed_at", "recorded_by")
    list_filter = (
        "stance",
        "source__reliability",
        "claim__account__dispute",
        "claim__account__party",
    )
    search_fields = ("quote", "source__name", "claim__text")
    autocomplete_fields = ("claim", "source")
    readonly_fields = ("recorded_by",) + DERIVED_RECORD_FIELDS
    date_hierarchy = "observed_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Corroboration]:
        return super().get_queryset(request).select_related("claim", "source", "recorded_by")

    def create(self, request: HttpRequest, fields: Fields) -> Corroboration:
        return services.record_corroboration(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Corroboration, fields: Fields, expected_version: int | None
    ) -> Corroboration:
        return services.update_corroboration(
            corroboration=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Corroboration) -> None:
        services.remove_corroboration(corroboration=obj, by=request.user)


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("subject", score_display, "verdict", evidence_weight_display, "at", "cause")
    list_filter = ("verdict", "at")
    list_select_related = ("claim", "account__party", "account__dispute")
    search_fields = ("cause", "claim__text", "account__party__name")
    date_hierarchy = "at"

    @admin.display(description="of")
    def subject(self, snapshot: ScoreSnapshot) -> str:
        return f"claim: {snapshot.claim}" if snapshot.claim_id else f"account: {snapshot.account}"


# A source's grade, party, anonymity and origin feed the scores of the claims
# its evidence backs: its admin lives here, so that an edit goes through
# claims.services.update_source and rescores those claims in the same
# transaction.


@admin.register(Source)
class SourceAdmin(ServiceAdmin[Source]):
    list_display = (
        "name",
        "kind",
        "affiliation",
        "reliability",
        "is_anonymous",
        "origin",
        "evidence_count",
    )
    list_filter = ("reliability", "kind", "is_anonymous", "affiliation")
    search_fields = ("name", "notes")
    autocomplete_fields = ("affiliation", "origin")

    def get_queryset(
        self, request: HttpRequest
    ) -> QuerySet[WithAnnotations[Source, EvidenceCount]]:
        return (
            super()
            .get_queryset(request)
            .with_related()
            .annotate(evidence_count=Count("corroborations"))
        )

    @admin.display(description="evidence items", ordering="evidence_count")
    def evidence_count(self, source: WithAnnotations[Source, EvidenceCount]) -> int:
        return source.evidence_count

    def create(self, request: HttpRequest, fields: Fields) -> Source:
        return source_services.create_source(by=request.user, **fields)

    def update(
        self, request: HttpRequest, obj: Source, fields: Fields, expected_version: int | None
    ) -> Source:
        return services.update_source(
            source=obj, by=request.user, expected_version=expected_version, **fields
        )

    def delete(self, request: HttpRequest, obj: Source) -> None:
        source_services.delete_source(source=obj, by=request.user)
