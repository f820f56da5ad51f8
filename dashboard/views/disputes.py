"""
Overview, dispute pages, the claim panel, and evidence recorded in place.

Each page is one template; htmx asks for one of its named partials by
targeting the element of the same id (HX-Target), and gets the whole page
otherwise. Writes go through claims.services and answer htmx with the form
partial plus a "scores-changed" event, to which the score widgets listen.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from changelog.models import Change
from changelog.writes import StaleObjectError
from claims import services
from claims.models import Claim, Corroboration

from ..forms import ClaimFilterForm, CorroborationForm, RemovalForm
from ..http import (
    AuthedRequest,
    gone,
    is_poll,
    login_required,
    page_or_partial,
    unchanged_since,
    with_oob_messages,
)
from ..publishing_forms import STATUS_WORDS, StatusFilterForm
from ..selectors import common
from ..selectors.claim import ClaimPage, claim_for_dashboard, corroboration_for_dashboard
from ..selectors.dispute import dispute_page
from ..selectors.overview import overview_page
from ..selectors.publication import publication_panel
from ..selectors.webhooks import disabled_endpoints

# Overview


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    # Read the cursor before the data: a change landing in between is shown
    # by the next poll rather than missed.
    latest = Change.latest_id()
    if unchanged_since(request, "overview-poll", latest):
        return HttpResponse(status=204)
    template = page_or_partial(request, "dashboard/overview.html", {"overview", "overview-poll"})
    # The poll carries the page and the filter it refreshes, so that it keeps the user there.
    statuses = StatusFilterForm(request.GET)
    status = statuses.status_asked()
    context = {
        "page": overview_page(request.GET.get("page"), status=status),
        "statuses": statuses,
        "status": status,
        "status_words": STATUS_WORDS.get(status, ""),
        "latest_change_id": latest,
        # Read only when the page head is drawn (never by a poll), and only
        # for those who may open the endpoints: one query, for editors.
        "webhook_notice": SimpleLazyObject(
            lambda: (
                disabled_endpoints() if request.user.has_perm("webhooks.view_endpoint") else None
            )
        ),
    }
    return TemplateResponse(request, template, context)


# Dispute page


@login_required
def dispute(request: AuthedRequest, slug: str) -> HttpResponse:
    latest = Change.latest_id()
    if unchanged_since(request, "accounts-poll", latest):
        return HttpResponse(status=204)
    form = ClaimFilterForm(request.GET)
    try:
        page = dispute_page(slug, **form.filters())
    except Http404:
        if is_poll(request, "accounts-poll"):
            return gone(request, "This dispute")
        raise
    template = page_or_partial(request, "dashboard/dispute.html", {"accounts", "accounts-poll"})
    context = {
        "page": page,
        "dispute": page.dispute,
        "form": form,
        "latest_change_id": latest,
        # Read only if the page head is drawn: the polls and the filter's
        # partial do not show it, and need not pay for it.
        "publication": SimpleLazyObject(lambda: publication_panel(page.dispute, request.user)),
    }
    return TemplateResponse(request, template, context)


# Claim panel

CLAIM_PARTIALS = {
    "claim-score",
    "account-score",
    "evidence",
    "evidence-list",
    "corroboration-form",
    "claim-poll",
}


def evidence_page_asked(request: AuthedRequest, claim: Claim) -> str | None:
    """
    The page of the evidence list asked for (?evidence=). A request htmx
    makes on its own (a refresh after a save, a poll) keeps the page the
    reader is on: the one in the address bar, which the pager pushes there.
    """
    if "evidence" in request.GET:
        return request.GET["evidence"]
    if request.htmx and request.htmx.current_url:
        shown = urlsplit(request.htmx.current_url)
        if shown.path == claim.get_absolute_url():
            return parse_qs(shown.query).get("evidence", [None])[0]
    return None


def claim_context(
    request: AuthedRequest,
    claim: Claim,
    *,
    form: CorroborationForm | None = None,
    editing: Corroboration | None = None,
    deleting: Corroboration | None = None,
    removal: RemovalForm | None = None,
) -> dict[str, Any]:
    can_add = request.user.has_perm("claims.add_corroboration")
    if form is None and deleting is None and can_add:
        form = CorroborationForm()
    return {
        "claim": claim,
        "page": ClaimPage(
            claim, evidence_page=evidence_page_asked(request, claim), around=editing or deleting
        ),
        "form": form,
        "editing": editing,
        "deleting": deleting,
        "removal": removal,
        "can_add": can_add,
        "can_change": request.user.has_perm("claims.change_corroboration"),
        "can_delete": request.user.has_perm("claims.delete_corroboration"),
    }


def form_slot(
    request: AuthedRequest, claim: Claim, *, form: CorroborationForm | None = None, **slot: Any
) -> HttpResponse:
    """
    The evidence form (add, edit or confirm delete) in answer to the user's
    action: its partial for htmx, else the claim page; either way focused.
    """
    if form is not None:
        form.focus_first_field()
    context = claim_context(request, claim, form=form, **slot)
    if not request.htmx:
        context["latest_change_id"] = Change.latest_id()
        return TemplateResponse(request, "dashboard/claim.html", context)
    return with_oob_messages(
        request, TemplateResponse(request, "dashboard/claim.html#corroboration-form", context)
    )


def evidence_saved(request: AuthedRequest, claim: Claim, message: str) -> HttpResponse:
    messages.success(request, message)
    if not request.htmx:
        return redirect(f"{claim.get_absolute_url()}#evidence")
    response = form_slot(request, claim, form=CorroborationForm())
    return trigger_client_event(
        response, "scores-changed", {"claim": claim.pk, "account": claim.account_id}
    )


@login_required
def claim(request: AuthedRequest, claim_id: int) -> HttpResponse:
    latest = Change.latest_id()
    if unchanged_since(request, "claim-poll", latest):
        return HttpResponse(status=204)
    try:
        claim = claim_for_dashboard(claim_id)
    except Http404:
        if is_poll(request, "claim-poll"):
            return gone(request, "This claim")
        raise
    template = page_or_partial(request, "dashboard/claim.html", CLAIM_PARTIALS)
    # The form partial can be fetched directly (Cancel asks for it), so the
    # page's own "may add" test is not enough to guard it.
    if template.endswith("#corroboration-form") and not request.user.has_perm(
        "claims.add_corroboration"
    ):
        raise PermissionDenied
    context = claim_context(request, claim) | {"latest_change_id": latest}
    return TemplateResponse(request, template, context)


@login_required
def source_options(request: AuthedRequest) -> HttpResponse:
    """
    The sources whose name matches what was typed, as <option>s for a source
    picker's datalist: the evidence form's source, a source's origin or a
    claim's speaker.
    """
    typed = (
        request.GET.get("source") or request.GET.get("origin") or request.GET.get("speaker") or ""
    )
    options = common.source_options(typed)
    return TemplateResponse(
        request, "dashboard/widgets.html#source-options", {"source_options": options}
    )


@require_POST
@login_required
@permission_required("claims.add_corroboration", raise_exception=True)
def add_corroboration(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_dashboard(claim_id)
    form = CorroborationForm(request.POST)
    if form.is_valid():
        try:
            evidence = services.record_corroboration(
                claim=claim, by=request.user, **form.service_fields()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return evidence_saved(request, claim, f"Evidence from {evidence.source} recorded.")
    return form_slot(request, claim, form=form)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.change_corroboration", raise_exception=True)
def edit_corroboration(request: AuthedRequest, corroboration_id: int) -> HttpResponse:
    evidence = corroboration_for_dashboard(corroboration_id)
    claim = evidence.claim
    if request.method == "GET":
        return form_slot(
            request, claim, form=CorroborationForm(instance=evidence), editing=evidence
        )
    form = CorroborationForm(request.POST, instance=evidence)
    if form.is_valid():
        try:
            services.update_corroboration(
                corroboration=evidence,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except StaleObjectError:
            form.add_error(
                None,
                "Someone else changed this evidence after you opened it, so your edit was not "
                "saved. Reload it to see their version, then edit again.",
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return evidence_saved(
                request, claim, f"Evidence from {form.cleaned_data['source']} updated."
            )
    return form_slot(request, claim, form=form, editing=evidence)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.delete_corroboration", raise_exception=True)
def delete_corroboration(request: AuthedRequest, corroboration_id: int) -> HttpResponse:
    # GET asks for confirmation (the same step with or without JavaScript);
    # only the POST from that step removes anything.
    evidence = corroboration_for_dashboard(corroboration_id)
    claim = evidence.claim
    if request.method == "GET":
        removal = RemovalForm(initial={"version": evidence.version})
        return form_slot(request, claim, deleting=evidence, removal=removal)
    removal = RemovalForm(request.POST)
    if removal.is_valid():
        try:
            services.remove_corroboration(
                corroboration=evidence,
                by=request.user,
                expected_version=removal.cleaned_data["version"],
            )
        except StaleObjectError:
            # Ask again, about the evidence as it now reads.
            removal = RemovalForm({"version": evidence.version})
            removal.is_valid()
            removal.add_error(
                None,
                "Someone else changed this evidence after you opened it, so it was not removed. "
                "Here it is as it now reads: remove it again if you still mean to.",
            )
        else:
            return evidence_saved(request, claim, f"Evidence from {evidence.source} removed.")
    return form_slot(request, claim, deleting=evidence, removal=removal)
