"""
The admin of webhooks (DESIGN.md §6, §10): endpoints with their recent
deliveries and actions for what an editor does from the dashboard
(activate, deactivate, rotate the secret, send a test ping), deliveries
with their attempt log and a "resend" action, and the messages and
attempts to read.

Every write is a webhooks service, so the rules, the change log and the
messages are the dashboard's. A secret is never listed: an endpoint shows
its current secret's first characters, and a new secret (registering,
rotating) appears once, in the message that answers the request that made
it, as a new staff token does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr
from django.forms.models import ModelChoiceField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from rest_framework_api_key.models import APIKey

from changelog.admin import ReadOnlyAdmin, error_text
from changelog.writes import StaleObjectError

from . import services
from .delivery import check_url
from .models import Attempt, Delivery, Endpoint, EndpointSecret, EventType, Message

CHANGE_PERMISSION = "webhooks.change_endpoint"
# The endpoint page lists this many of its latest deliveries.
RECENT_DELIVERIES = 10
SECRET_PREFIX_LENGTH = 9

DISPUTE_EVENTS = [(value, label) for value, label in EventType.choices if value != EventType.PING]


def with_secret_prefix(endpoints: QuerySet[Endpoint]) -> QuerySet[Endpoint]:
    """
    Each endpoint with its current secret's first characters, cut by the
    query: the whole secret is never read for a page.
    """
    current = EndpointSecret.objects.filter(
        endpoint=OuterRef("pk"), expires_at__isnull=True
    ).order_by("-created_at", "-id")
    return endpoints.annotate(
        secret_prefix=Substr(
            Subquery(current.values("secret")[:1], output_field=CharField()),
            1,
            SECRET_PREFIX_LENGTH,
        )
    )


def _ping_words(attempt: Attempt) -> str:
    if attempt.status:
        words = f"answered {attempt.status} in {attempt.latency_ms} ms"
    else:
        words = "did not answer"
    if attempt.error:
        words += f": {attempt.error}"
    if attempt.response_excerpt:
        words += f" — its answer began “{attempt.response_excerpt[:120]}”"
    return words


class EndpointForm(forms.ModelForm):
    """
    The fields an editor sets, plus the version the page was loaded at. The
    URL is checked here too, with the services' own check, so that its
    refusal shows beside the field rather than after the save.
    """

    # A URL typed without a scheme is taken as https, as everywhere in the admin.
    url = forms.URLField(max_length=500, assume_scheme="https", widget=AdminURLFieldWidget)
    event_types = forms.MultipleChoiceField(
        choices=DISPUTE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events it is sent. A test ping always goes.",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Endpoint
        fields = ("partner_key", "url", "event_types", "description", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if "partner_key" in self.fields:
            field = self.fields["partner_key"]
            assert isinstance(field, ModelChoiceField)
            field.queryset = APIKey.objects.filter(revoked=False).order_by("name")
            # A key's primary key holds its hash: the page names it by its prefix.
            field.to_field_name = "prefix"

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        try:
            check_url(url)
        except ValidationError as refused:
            raise ValidationError(refused.message_dict.get("url", refused.messages)) from None
        return url


class RecentDeliveryLinks:
    @admin.display(description="recent deliveries")
    def recent_deliveries(self, endpoint: Endpoint) -> str:
        if endpoint.pk is None:
            return "—"
        latest = list(
            Delivery.objects.filter(endpoint=endpoint)
            .select_related("message")
            .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
        )
        every = (
            reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        )
        if not latest:
            return format_html('None yet. <a href="{}">Its deliveries</a>', every)
        rows = format_html_join(
            "",
            '<li><a href="{}">{} {}</a>: {}, {} attempt(s)</li>',
            (
                (
                    reverse("admin:webhooks_delivery_change", args=[d.pk]),
                    d.message.type,
                    d.message.webhook_id,
                    d.get_state_display(),
                    d.attempts,
                )
                for d in latest
            ),
        )
        return format_html('<ul>{}</ul><a href="{}">All its deliveries</a>', rows, every)


@admin.register(Endpoint)
class EndpointAdmin(RecentDeliveryLinks, admin.ModelAdmin):
    form = EndpointForm
    list_display = (
        "url",
        "partner_key",
        "is_active",
        "disabled_reason",
        "events",
        "secret",
        "deliveries_link",
        "created_at",
    )
    # By name: the key's primary key, which a filter puts in the address, holds its hash.
    list_filter = ("is_active", "partner_key__name")
    list_select_related = ("partner_key",)
    search_fields = ("url", "description", "partner_key__name")
    readonly_fields = (
        "secret",
        "disabled_reason",
        "disabled_at",
        "created_at",
        "created_by",
        "version",
        "recent_deliveries",
    )
    actions = ["activate", "deactivate", "rotate", "ping"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            # Registering: the secret is made and shown once the endpoint is.
            return ["partner_key", "url", "event_types", "description"]
        return [
            "partner_key",
            "url",
            "event_types",
            "description",
            "is_active",
            "expected_version",
            *self.readonly_fields,
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # An endpoint stays with the partner it was registered for.
        return ("partner_key", *self.readonly_fields)

    @admin.display(description="events")
    def events(self, endpoint: Endpoint) -> str:
        return ", ".join(endpoint.event_types) or "pings only"

    @admin.display(description="deliveries")
    def deliveries_link(self, endpoint: Endpoint) -> str:
        url = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">Deliveries</a>', url)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Endpoint]:
        return with_secret_prefix(super().get_queryset(request))

    @admin.display(description="signing secret")
    def secret(self, endpoint: Endpoint) -> str:
        prefix = getattr(endpoint, "secret_prefix", None)
        return f"{prefix}…" if prefix else "none"

    # Writes, through the services

    def save_model(
        self, request: HttpRequest, obj: Endpoint, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        if not change:
            endpoint, secret = services.register_endpoint(
                partner_key=data["partner_key"],
                url=data["url"],
                event_types=data["event_types"],
                description=data.get("description", ""),
                by=request.user,
            )
            _adopt(obj, endpoint)
            self.message_user(
                request,
                f"The signing secret of {endpoint.url}, shown this once: {secret} — "
                "copy it now and give it to the partner.",
                messages.WARNING,
            )
            return
        names = {"url", "event_types", "description", "is_active"} & set(form.changed_data)
        if names:
            saved = services.update_endpoint(
                obj,
                expected_version=data.get("expected_version"),
                by=request.user,
                **{name: data[name] for name in names},
            )
            _adopt(obj, saved)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The service deletes an endpoint with its secrets and deliveries,
        # which nobody deletes by hand: the permission to delete the
        # endpoint is the one that counts.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        services.delete_endpoint(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        with transaction.atomic():
            for endpoint in queryset:
                services.delete_endpoint(endpoint, by=request.user)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # A service can still refuse after the form said yes (someone saved
        # the endpoint in between): undo everything and say so.
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, StaleObjectError) as error:
            self.message_user(request, f"Nothing saved. {error_text(error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # Actions

    def _each(self, request: HttpRequest, queryset: QuerySet[Endpoint], write: Any) -> None:
        for endpoint in queryset:
            try:
                words = write(endpoint)
            except (ValidationError, StaleObjectError) as error:
                self.message_user(request, f"{endpoint.url}: {error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{endpoint.url}: {words}", messages.SUCCESS)

    @admin.action(description="Activate (send it events again)", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        def write(endpoint: Endpoint) -> str:
            services.update_endpoint(
                endpoint, expected_version=endpoint.version, by=request.user, is_active=True
            )
            return "active."

        self._each(request, queryset, write)

    @admin.action(description="Deactivate (send it nothing)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        def write(endpoint: Endpoint) -> str:
            services.update_endpoint(
                endpoint, expected_version=endpoint.version, by=request.user, is_active=False
            )
            return "switched off."

        self._each(request, queryset, write)

    @admin.action(description="Rotate the signing secret", permissions=["change"])
    def rotate(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        def write(endpoint: Endpoint) -> str:
            secret = services.rotate_secret(endpoint, by=request.user)
            until = (
                EndpointSecret.objects.filter(endpoint=endpoint, expires_at__isnull=False)
                .order_by("-expires_at")
                .values_list("expires_at", flat=True)
                .first()
            )
            grace = f" The old one signs until {until:%Y-%m-%d %H:%M} UTC." if until else ""
            return f"new signing secret, shown this once: {secret}.{grace}"

        self._each(request, queryset, write)

    @admin.action(description="Send a test ping", permissions=["change"])
    def ping(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        def write(endpoint: Endpoint) -> str:
            return f"the ping {_ping_words(services.send_ping(endpoint, by=request.user))}."

        self._each(request, queryset, write)


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """The admin goes on using its own instance (messages name it): copy the saved row onto it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("at", "status", "latency_ms", "response_excerpt", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "webhook_id",
        "type",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "endpoint", "message__type")
    list_select_related = ("message", "endpoint")
    search_fields = ("message__webhook_id", "endpoint__url")
    readonly_fields = (
        "message",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_status",
        "last_error",
        "delivered_at",
        "created_at",
    )
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.display(description="webhook-id", ordering="message__webhook_id")
    def webhook_id(self, delivery: Delivery) -> str:
        return delivery.message.webhook_id

    @admin.display(description="type", ordering="message__type")
    def type(self, delivery: Delivery) -> str:
        return delivery.message.type

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CHANGE_PERMISSION)

    @admin.action(description="Resend (same webhook-id, a new schedule)", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset.select_related("message", "endpoint"):
            try:
                services.resend(delivery, by=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{delivery.message.webhook_id}: {error_text(error)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                f"{done} deliver{'y' if done == 1 else 'ies'} will be resent.",
                messages.SUCCESS,
            )


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("webhook_id", "type", "dispute_key", "version", "created_at")
    list_filter = ("type",)
    search_fields = ("webhook_id",)
    readonly_fields = (
        "webhook_id",
        "type",
        "feed_event",
        "dispute_key",
        "version",
        "body",
        "created_at",
    )
    date_hierarchy = "created_at"


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "delivery", "status", "latency_ms", "error")
    list_filter = ("status",)
    list_select_related = ("delivery__message", "delivery__endpoint")
    search_fields = ("delivery__message__webhook_id", "error")
    readonly_fields = ("delivery", "at", "status", "latency_ms", "response_excerpt", "error")
