"""
Webhook endpoints from the dashboard (DESIGN.md §10): editors register an
endpoint for a partner key, edit it, switch it on and off, rotate its
secret, delete it, send it a test ping, read its deliveries with their
attempt log, and resend any of them.

Only editors hold the webhooks permissions (dashboard/roles.py): an
endpoint's secret signs what partners trust, so nobody else sees even its
page. A secret is shown once, in the answer to the POST that made it
(registering, rotating), and nowhere else: it is not kept in the session
or a flash message, and the endpoint's page shows only its first
characters. Every write is a webhooks service, so the rules and messages
are the admin's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from changelog.writes import StaleObjectError
from webhooks import services
from webhooks.models import Endpoint

from ..http import AuthedRequest, login_required, page_or_partial, with_oob_messages
from ..selectors.webhooks import (
    attempt_log,
    delivery_for_page,
    disabled_endpoints,
    endpoint_deliveries,
    endpoint_for_page,
    endpoint_list,
    previous_secret_until,
)
from ..webhooks_forms import (
    DeliveryFilterForm,
    EndpointEditForm,
    EndpointForm,
    EndpointSwitchForm,
)

VIEW = "webhooks.view_endpoint"
ADD = "webhooks.add_endpoint"
CHANGE = "webhooks.change_endpoint"
DELETE = "webhooks.delete_endpoint"

ENDPOINTS_PER_PAGE = 50
DELIVERIES_PER_PAGE = 20

STALE = (
    "Someone else changed this endpoint after you opened the page, so nothing was saved. "
    "It now stands as shown here: save again if you still mean to."
)


def _is_stale(error: ValidationError | StaleObjectError) -> bool:
    if isinstance(error, StaleObjectError):
        return True
    found = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    return any(item.code == "stale" for items in found for item in items)


def _go(request: AuthedRequest, url: str) -> HttpResponse:
    # A 302 would be followed inside the htmx request and the whole page
    # swapped into the form; ask the browser to navigate instead.
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _endpoint_url(endpoint: Endpoint | int) -> str:
    pk = endpoint if isinstance(endpoint, int) else endpoint.pk
    return reverse("dashboard:webhook", args=[pk])


# The endpoints


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def endpoints(request: AuthedRequest) -> HttpResponse:
    page = Paginator(endpoint_list(), ENDPOINTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "disabled": disabled_endpoints(),
        "can_add": request.user.has_perm(ADD),
    }
    return TemplateResponse(request, "dashboard/webhooks.html", context)


@login_required
@permission_required(ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def new_endpoint(request: AuthedRequest) -> HttpResponse:
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            endpoint, secret = services.register_endpoint(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _secret_shown(request, endpoint, secret, rotated=False)
    template = page_or_partial(request, "dashboard/webhooks_form.html", {"endpoint-form"})
    return TemplateResponse(request, template, {"form": form, "endpoint": None})


def _secret_shown(
    request: AuthedRequest, endpoint: Endpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    """
    The one answer that carries a secret: the panel that replaces the form
    for htmx, else the page. Reloading either does not show it again.
    """
    context = {
        "endpoint": endpoint,
        "secret": secret,
        "rotated": rotated,
        "previous_until": previous_secret_until(endpoint) if rotated else None,
    }
    if request.htmx:
        template = "dashboard/webhooks_form.html#endpoint-secret"
    elif rotated:
        template = "dashboard/webhooks_confirm.html"
        context |= {"action": "rotate"}
    else:
        template = "dashboard/webhooks_form.html"
    response = TemplateResponse(request, template, context)
    # Neither the browser nor anything between may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit_endpoint(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for_page(endpoint_id)
    initial = {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "description": endpoint.description,
        "version": endpoint.version,
    }
    form = EndpointEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            saved = services.update_endpoint(
                endpoint,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except (ValidationError, StaleObjectError) as error:
            if _is_stale(error):
                endpoint = endpoint_for_page(endpoint_id)
                form = _again(request.POST.copy(), endpoint)
            else:
                assert isinstance(error, ValidationError)
                form.add_service_errors(error)
        else:
            messages.success(request, f"Endpoint {saved.url} saved.")
            return _go(request, _endpoint_url(saved))
    template = page_or_partial(request, "dashboard/webhooks_form.html", {"endpoint-form"})
    return TemplateResponse(request, template, {"form": form, "endpoint": endpoint})


def _again(data: QueryDict, endpoint: Endpoint) -> EndpointEditForm:
    """The form again, with what the editor typed, at the endpoint's version now."""
    data["version"] = str(endpoint.version)
    fresh = EndpointEditForm(data)
    fresh.is_valid()
    fresh.add_error(None, ValidationError(STALE, code="stale"))
    return fresh


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def switch_endpoint(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    """Activate or deactivate; htmx gets the status panel back in place."""
    endpoint = endpoint_for_page(endpoint_id)
    form = EndpointSwitchForm(request.POST)
    error: str | None = None
    if form.is_valid():
        active = form.cleaned_data["active"]
        try:
            services.update_endpoint(
                endpoint,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                is_active=active,
            )
        except (ValidationError, StaleObjectError) as refused:
            error = STALE if _is_stale(refused) else " ".join(_messages(refused))
        else:
            if active:
                messages.success(request, f"{endpoint.url} is active: it is sent events again.")
            else:
                messages.success(request, f"{endpoint.url} is disabled: it is sent nothing.")
    else:
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
    if not request.htmx:
        if error:
            messages.error(request, f"Nothing changed. {error}")
        return redirect(_endpoint_url(endpoint_id))
    context = {
        "endpoint": endpoint_for_page(endpoint_id),
        "switch_error": error,
        "can_change": True,
    }
    response = TemplateResponse(
        request, "dashboard/webhooks_endpoint.html#endpoint-status", context
    )
    return with_oob_messages(request, response)


def _messages(error: ValidationError | StaleObjectError) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


# Rotating and deleting, each confirmed on a page of its own


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rotate_secret(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for_page(endpoint_id)
    error: list[str] = []
    if request.method == "POST":
        try:
            secret = services.rotate_secret(endpoint, by=request.user)
        except ValidationError as refused:
            error = refused.messages
        else:
            return _secret_shown(request, endpoint, secret, rotated=True)
    template = page_or_partial(request, "dashboard/webhooks_confirm.html", {"webhook-confirm"})
    context = {"endpoint": endpoint, "action": "rotate", "errors": error}
    return TemplateResponse(request, template, context)


@login_required
@permission_required(DELETE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete_endpoint(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for_page(endpoint_id)
    error: list[str] = []
    if request.method == "POST":
        url = endpoint.url
        try:
            services.delete_endpoint(endpoint, by=request.user)
        except ValidationError as refused:
            error = refused.messages
        else:
            messages.success(
                request, f"Endpoint {url} deleted, with its deliveries: it is sent nothing more."
            )
            return _go(request, reverse("dashboard:webhooks"))
    template = page_or_partial(request, "dashboard/webhooks_confirm.html", {"webhook-confirm"})
    context = {
        "endpoint": endpoint,
        "action": "delete",
        "errors": error,
        "delivery_count": endpoint.deliveries.count(),
    }
    return TemplateResponse(request, template, context)


# One endpoint: its status, its test ping, its deliveries


def _endpoint_context(request: AuthedRequest, endpoint: Endpoint) -> dict[str, Any]:
    filters = DeliveryFilterForm(request.GET)
    deliveries = endpoint_deliveries(endpoint, failing_only=filters.failing_only())
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "endpoint": endpoint,
        "filters": filters,
        "failing_only": filters.failing_only(),
        "page": page,
        "can_change": request.user.has_perm(CHANGE),
        "can_delete": request.user.has_perm(DELETE),
    }


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def endpoint(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    context = _endpoint_context(request, endpoint_for_page(endpoint_id))
    template = page_or_partial(request, "dashboard/webhooks_endpoint.html", {"deliveries"})
    return TemplateResponse(request, template, context)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def send_ping(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    """
    Sends `ping` now and shows the answer: htmx swaps it in below the
    button, and the deliveries list, which the ping joins, refreshes itself.
    """
    endpoint = endpoint_for_page(endpoint_id)
    context: dict[str, Any] = {"endpoint": endpoint}
    try:
        context["ping"] = services.send_ping(endpoint, by=request.user)
    except ValidationError as refused:
        context["ping_refused"] = " ".join(refused.messages)
    if request.htmx:
        response = TemplateResponse(
            request, "dashboard/webhooks_endpoint.html#ping-result", context
        )
        return trigger_client_event(response, "deliveries-changed")
    context = _endpoint_context(request, endpoint) | context
    return TemplateResponse(request, "dashboard/webhooks_endpoint.html", context)


# One delivery


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def delivery(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    found = delivery_for_page(delivery_id)
    context = {
        "delivery": found,
        "endpoint": found.endpoint,
        "attempts": list(attempt_log(found)),
        "can_change": request.user.has_perm(CHANGE),
    }
    return TemplateResponse(request, "dashboard/webhooks_delivery.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def resend(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    """
    Sends a delivery again from the start of the schedule. htmx gets its
    row back as it now stands, with the news out of band; a plain POST goes
    back to the page it came from (the delivery's, or its endpoint's).
    """
    found = delivery_for_page(delivery_id)
    try:
        services.resend(found, by=request.user)
    except ValidationError as refused:
        messages.error(request, f"Not resent: {' '.join(refused.messages)}")
    else:
        messages.success(
            request, f"{found.message.type} {found.message.webhook_id} will be resent."
        )
    if not request.htmx:
        if request.POST.get("back") == "delivery":
            return redirect(reverse("dashboard:webhook_delivery", args=[delivery_id]))
        return redirect(_endpoint_url(found.endpoint_id))
    response = TemplateResponse(
        request,
        "dashboard/webhooks_endpoint.html#delivery-row",
        {"delivery": delivery_for_page(delivery_id), "can_change": True},
    )
    return with_oob_messages(request, response)
