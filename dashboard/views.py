from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from claims.models import Dispute


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    disputes = Dispute.objects.prefetch_related("accounts__party")
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": disputes})
