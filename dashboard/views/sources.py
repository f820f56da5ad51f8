"""The sources directory and each source's record. (Being built: issue #4.)"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from sources.models import Source


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": []})


@login_required
def source(request: HttpRequest, source_id: int) -> HttpResponse:
    get_object_or_404(Source, pk=source_id)
    return TemplateResponse(request, "dashboard/overview.html", {"disputes": []})
