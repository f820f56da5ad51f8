"""Overview, dispute pages, claim panel and evidence recorded in place. (Being built: issue #4.)"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from claims.models import Claim, Dispute


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    disputes = Dispute.objects.prefetch_related("accounts__party")
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": disputes})


@login_required
def dispute(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = get_object_or_404(Dispute, slug=slug)
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": [dispute]})


@login_required
def claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=claim_id)
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": [claim.account.dispute]})
