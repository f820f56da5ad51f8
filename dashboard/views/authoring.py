"""
Running a story from the dashboard: opening, editing and deleting disputes
and their accounts (editors) and claims (reporters and editors).

Each is one page whose form also works as a plain POST; htmx posts the form
and swaps just the form back (with its errors, status 200), or, once saved,
is told to load the page of what was saved. Every write is a claims or
sources service, so the rules and messages are the API's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from changelog.models import Versioned
from changelog.writes import StaleObjectError, write_transaction
from claims import services
from claims.models import Account, Dispute
from sources.services import create_party

from ..authoring_forms import AccountForm, ClaimForm, DisputeForm
from ..forms import DashboardForm, RemovalForm
from ..http import AuthedRequest, login_required, page_or_partial
from ..selectors.authoring import (
    Consequences,
    account_consequences,
    account_for_authoring,
    claim_consequences,
    claim_for_authoring,
    dispute_consequences,
    dispute_for_authoring,
    previous_wordings,
)

Row = TypeVar("Row", bound=Versioned)

STALE_EDIT = (
    "Someone else changed this {what} after you opened it, so your edit was not saved. "
    "Reload the page to see their version, then edit again."
)
STALE_DELETE = (
    "Someone else changed this {what} after you opened it, so it was not deleted. "
    "Here it is as it now stands: delete it again if you still mean to."
)


def _go(request: AuthedRequest, url: str) -> HttpResponse:
    # A 302 would be followed inside the htmx request and the whole page
    # swapped into the form; ask the browser to navigate instead.
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _done(request: AuthedRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return _go(request, url)


def _form_page(request: AuthedRequest, template: str, partial: str, **context: Any) -> HttpResponse:
    # Errors come back with 200: htmx 2 does not swap 4xx answers.
    return TemplateResponse(request, page_or_partial(request, template, {partial}), context)


def _unchanged(request: AuthedRequest, url: str, what: str) -> HttpResponse:
    # Saving an untouched form would only move the version and log an edit.
    messages.info(request, f"Nothing to save: the {what} is unchanged.")
    return _go(request, url)


@dataclass(frozen=True)
class DeletionPage:
    """What the confirmation says of the object, and where it posts."""

    name: str
    consequences: Consequences
    action: str
    back: str


def _deletion(
    request: AuthedRequest,
    *,
    what: str,
    load: Callable[[], Row],
    delete: Callable[[Row, int], None],
    page: Callable[[Row], DeletionPage],
    done: Callable[[Row], tuple[str, str]],
) -> HttpResponse:
    """
    The delete step every object shares: GET asks for confirmation, its POST
    deletes the version it confirmed; one edited meanwhile is confirmed again
    as it now stands. done() gives where to go and what to say afterwards,
    read before the object is gone.
    """
    obj = load()
    removal = RemovalForm(
        request.POST if request.method == "POST" else None,
        initial={"version": obj.version},
    )
    if removal.is_valid():
        then, message = done(obj)
        try:
            delete(obj, removal.cleaned_data["version"])
        except StaleObjectError:
            obj = load()
            removal = _stale_removal(obj.version, what)
        else:
            return _done(request, then, message)
    shown = page(obj)
    return _form_page(
        request,
        "dashboard/confirm_delete.html",
        "confirm-delete",
        what=what,
        name=shown.name,
        consequences=shown.consequences,
        removal=removal,
        action=shown.action,
        back=shown.back,
    )


def _stale_removal(current_version: int, what: str) -> RemovalForm:
    """The confirmation again, about the object as it now stands."""
    removal = RemovalForm({"version": current_version})
    removal.is_valid()
    removal.add_error(None, STALE_DELETE.format(what=what))
    return removal


def _apply_service(form: DashboardForm, write: Any, what: str) -> Any:
    """Run a write; a refusal becomes the form's errors, and None is returned."""
    try:
        return write()
    except StaleObjectError:
        form.add_error(None, STALE_EDIT.format(what=what))
    except ValidationError as error:
        form.add_service_errors(error)
    return None


# Disputes


@login_required
@permission_required("claims.add_dispute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def new_dispute(request: AuthedRequest) -> HttpResponse:
    form = DisputeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        fields = form.service_fields()
        dispute = _apply_service(
            form, lambda: services.create_dispute(by=request.user, **fields), "dispute"
        )
        if dispute is not None:
            return _done(request, dispute.get_absolute_url(), f"Dispute “{dispute.title}” opened.")
    return _form_page(
        request, "dashboard/dispute_form.html", "dispute-form", form=form, dispute=None
    )


@login_required
@permission_required("claims.change_dispute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit_dispute(request: AuthedRequest, slug: str) -> HttpResponse:
    dispute = dispute_for_authoring(slug)
    form = DisputeForm(request.POST if request.method == "POST" else None, instance=dispute)
    if form.is_valid():
        fields = form.service_fields()
        if not fields:
            return _unchanged(request, dispute.get_absolute_url(), "dispute")
        saved = _apply_service(
            form,
            lambda: services.update_dispute(
                dispute=dispute,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **fields,
            ),
            "dispute",
        )
        if saved is not None:
            return _done(request, saved.get_absolute_url(), f"Dispute “{saved.title}” saved.")
    return _form_page(
        request, "dashboard/dispute_form.html", "dispute-form", form=form, dispute=dispute
    )


@login_required
@permission_required("claims.delete_dispute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete_dispute(request: AuthedRequest, slug: str) -> HttpResponse:
    return _deletion(
        request,
        what="dispute",
        load=lambda: dispute_for_authoring(slug),
        delete=lambda dispute, version: services.delete_dispute(
            dispute=dispute, by=request.user, expected_version=version
        ),
        page=lambda dispute: DeletionPage(
            name=dispute.title,
            consequences=dispute_consequences(dispute),
            action=reverse("dashboard:dispute_delete", args=[dispute.slug]),
            back=dispute.get_absolute_url(),
        ),
        done=lambda dispute: (reverse("dashboard:overview"), f"Dispute “{dispute.title}” deleted."),
    )


# Accounts


@login_required
@permission_required("claims.add_account", raise_exception=True)
@require_http_methods(["GET", "POST"])
def new_account(request: AuthedRequest, slug: str) -> HttpResponse:
    dispute = dispute_for_authoring(slug)
    form = AccountForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        account = _apply_service(form, lambda: _create_account(request, dispute, form), "account")
        if account is not None:
            return _done(
                request,
                f"{dispute.get_absolute_url()}#column-{account.pk}",
                f"Account of {account.party} added.",
            )
    return _form_page(
        request,
        "dashboard/account_form.html",
        "account-form",
        form=form,
        dispute=dispute,
        account=None,
    )


@write_transaction()
def _create_account(request: AuthedRequest, dispute: Dispute, form: AccountForm) -> Account:
    """
    The account, with its party first when the form names a new one: one
    write, so that a refused account leaves no party behind.
    """
    party = form.cleaned_data["party"]
    if party is None:
        name = form.cleaned_data["new_party"]
        try:
            party = create_party(by=request.user, name=name, slug=form.new_party_slug())
        except ValidationError as error:
            # The party's own fields are one field of this form.
            messages_ = error.messages
            if (
                hasattr(error, "error_dict")
                and "slug" in error.message_dict
                and not form.new_party_slug()
            ):
                messages_ = ["Type a name with letters or digits a web address can use."]
            raise ValidationError({"new_party": messages_}) from error
    return services.create_account(
        by=request.user, dispute=dispute, party=party, summary=form.cleaned_data["summary"]
    )


@login_required
@permission_required("claims.change_account", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit_account(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = account_for_authoring(account_id)
    dispute = account.dispute
    form = AccountForm(request.POST if request.method == "POST" else None, instance=account)
    back = f"{dispute.get_absolute_url()}#column-{account.pk}"
    if form.is_valid():
        if "summary" not in form.changed_data:
            return _unchanged(request, back, "account")
        saved = _apply_service(
            form,
            lambda: services.update_account(
                account=account,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                summary=form.cleaned_data["summary"],
            ),
            "account",
        )
        if saved is not None:
            return _done(request, back, f"Account of {account.party} saved.")
    return _form_page(
        request,
        "dashboard/account_form.html",
        "account-form",
        form=form,
        dispute=dispute,
        account=account,
    )


@login_required
@permission_required("claims.delete_account", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete_account(request: AuthedRequest, account_id: int) -> HttpResponse:
    return _deletion(
        request,
        what="account",
        load=lambda: account_for_authoring(account_id),
        delete=lambda account, version: services.delete_account(
            account=account, by=request.user, expected_version=version
        ),
        page=lambda account: DeletionPage(
            name=f"{account.party}’s account of “{account.dispute}”",
            consequences=account_consequences(account),
            action=reverse("dashboard:account_delete", args=[account.pk]),
            back=f"{account.dispute.get_absolute_url()}#column-{account.pk}",
        ),
        done=lambda account: (
            account.dispute.get_absolute_url(),
            f"Account of {account.party} deleted.",
        ),
    )


# Claims


@login_required
@permission_required("claims.add_claim", raise_exception=True)
@require_http_methods(["GET", "POST"])
def new_claim(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = account_for_authoring(account_id)
    form = ClaimForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        fields = form.service_fields()
        claim = _apply_service(
            form,
            lambda: services.create_claim(by=request.user, account=account, **fields),
            "claim",
        )
        if claim is not None:
            return _done(request, claim.get_absolute_url(), f"Claim by {claim.speaker} added.")
    return _form_page(
        request,
        "dashboard/claim_form.html",
        "claim-form",
        form=form,
        account=account,
        claim=None,
    )


@login_required
@permission_required("claims.change_claim", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit_claim(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_authoring(claim_id)
    form = ClaimForm(
        request.POST if request.method == "POST" else None,
        instance=claim,
        evidence_count=claim.evidence_count,
    )
    if form.is_valid():
        fields = form.service_fields()
        if not fields:
            return _unchanged(request, claim.get_absolute_url(), "claim")
        saved = _apply_service(
            form,
            lambda: services.update_claim(
                claim=claim,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **fields,
            ),
            "claim",
        )
        if saved is not None:
            return _done(request, saved.get_absolute_url(), f"Claim by {saved.speaker} saved.")
    return _form_page(
        request,
        "dashboard/claim_form.html",
        "claim-form",
        form=form,
        account=claim.account,
        claim=claim,
        wordings=previous_wordings(claim),
    )


@login_required
@permission_required("claims.delete_claim", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete_claim(request: AuthedRequest, claim_id: int) -> HttpResponse:
    return _deletion(
        request,
        what="claim",
        load=lambda: claim_for_authoring(claim_id),
        delete=lambda claim, version: services.delete_claim(
            claim=claim, by=request.user, expected_version=version
        ),
        page=lambda claim: DeletionPage(
            name=f"“{claim}” ({claim.speaker})",
            consequences=claim_consequences(claim),
            action=reverse("dashboard:claim_delete", args=[claim.pk]),
            back=claim.get_absolute_url(),
        ),
        done=lambda claim: (
            f"{claim.account.dispute.get_absolute_url()}#column-{claim.account_id}",
            f"Claim by {claim.speaker} deleted.",
        ),
    )
