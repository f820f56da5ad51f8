"""
The "Similar claims" box of the claim forms: while a reporter types a
claim, the claims on the desk it may repeat (dashboard.selectors.similar).

One URL, two renderings. htmx asks for the box alone as the text changes
(debounced on the textarea); without JavaScript, the form's "Check for
similar claims" button sends the form here as a GET, and the form page comes
back as typed with the box filled. Either way it only reads: a suggestion
is never a merge, and the claim is saved by its own form's POST.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from claims.models import Account, Claim

from ..authoring_forms import ClaimForm
from ..http import AuthedRequest, login_required, page_or_partial
from ..selectors.authoring import account_for_authoring, claim_for_authoring, previous_wordings
from ..selectors.similar import suggestions_for

TEMPLATE = "dashboard/claim_form.html"
BOX = "similar-claims"
# The claim form's own CSRF field rides along with a GET submission; it has
# no business in an address (history, logs), so it is dropped first.
CSRF_FIELD = "csrfmiddlewaretoken"


class SimilarQuery(forms.Form):
    """What is typed, and which form it is typed in: a claim's edit, or an account's new claim."""

    text = forms.CharField(required=False, strip=False)
    claim = forms.IntegerField(required=False, min_value=1)
    account = forms.IntegerField(required=False, min_value=1)


@login_required
@require_GET
def similar_claims(request: AuthedRequest) -> HttpResponse:
    query = SimilarQuery(request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest(
            "This address names a claim or an account that is not a number.",
            content_type="text/plain; charset=utf-8",
        )
    text, claim_id, account_id = (query.cleaned_data[name] for name in ("text", "claim", "account"))
    # The box is part of the form: whoever may not fill the form may not ask.
    if not request.user.has_perm("claims.change_claim" if claim_id else "claims.add_claim"):
        raise PermissionDenied

    template = page_or_partial(request, TEMPLATE, {BOX})
    if template != TEMPLATE:
        return TemplateResponse(
            request, template, {"similar": suggestions_for(text, exclude=claim_id)}
        )

    if CSRF_FIELD in request.GET:
        kept = request.GET.copy()
        del kept[CSRF_FIELD]
        return redirect(f"{request.path}?{kept.urlencode()}")
    claim: Claim | None = None
    if claim_id:
        claim = claim_for_authoring(claim_id)
        account: Account = claim.account
    elif account_id:
        account = account_for_authoring(account_id)
    else:
        return HttpResponseBadRequest(
            "Say which claim is being edited (claim=) or which account it is added to (account=).",
            content_type="text/plain; charset=utf-8",
        )
    form = ClaimForm(
        initial=_as_typed(request, claim),
        instance=claim,
        evidence_count=getattr(claim, "evidence_count", 0),
    )
    context: dict[str, Any] = {
        "form": form,
        "account": account,
        "claim": claim,
        "similar": suggestions_for(text, exclude=claim_id),
    }
    if claim is not None:
        context["wordings"] = previous_wordings(claim)
    return TemplateResponse(request, TEMPLATE, context)


def _as_typed(request: AuthedRequest, claim: Claim | None) -> dict[str, Any]:
    """The form's fields as the GET carried them, else as the claim stands."""
    stored: dict[str, Any] = {}
    if claim is not None:
        stored = {
            "text": claim.text,
            "speaker": claim.speaker.name,
            "stated_at": claim.stated_at,
            "appearance": claim.appearance,
            "version": claim.version,
        }
    typed = {
        name: request.GET[name]
        for name in ("text", "speaker", "stated_at", "appearance", "version", "confirm_rewording")
        if name in request.GET
    }
    return stored | typed
