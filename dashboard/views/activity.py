"""The desk's latest changes. (Being built: issue #4.)"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": []})
