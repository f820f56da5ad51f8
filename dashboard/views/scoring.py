"""How scores work: the scoring model in plain words, with the Hanoi numbers live."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from ..http import AuthedRequest, login_required
from ..selectors.scoring import hanoi_example, scoring_model


@login_required
@require_GET
def how_scores_work(request: AuthedRequest) -> HttpResponse:
    context = {"model": scoring_model(), "hanoi": hanoi_example()}
    return TemplateResponse(request, "dashboard/how_scores_work.html", context)
