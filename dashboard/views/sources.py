"""The sources directory, each source's record, and adding or editing a source."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from changelog.writes import StaleObjectError
from claims.services import merge_sources, update_source
from sources.models import Source
from sources.services import create_source

from ..forms import MergeSourceForm, SourceFilterForm, SourceForm, stale_source_form
from ..http import AuthedRequest, login_required, page_or_partial
from ..selectors.common import source_options
from ..selectors.source_merge import merge_preview
from ..selectors.sources import (
    claims_spoken_by,
    source_directory,
    source_evidence,
    source_for_page,
    source_record,
    track_record,
    with_use_counts,
)

SOURCES_PER_PAGE = 25
EVIDENCE_PER_PAGE = 20
# A wire service may be reprinted, and an official quoted, hundreds of
# times: the page names the first few and counts the rest.
COPIES_SHOWN = 20
SPOKEN_SHOWN = 20


def _done(request: AuthedRequest, source: Source) -> HttpResponse:
    # A 302 would be followed inside the htmx request and the whole page
    # swapped into the form; ask the browser to navigate instead.
    if request.htmx:
        return HttpResponseClientRedirect(source.get_absolute_url())
    return redirect(source)


@login_required
@require_GET
def source_list(request: AuthedRequest) -> HttpResponse:
    filters = SourceFilterForm(request.GET)
    chosen = filters.filters()
    sources = source_directory(
        search=chosen["q"], party=chosen["party"], grade=chosen["grade"], kind=chosen["kind"]
    )
    page = with_use_counts(Paginator(sources, SOURCES_PER_PAGE).get_page(request.GET.get("page")))
    context = {
        "filters": filters,
        "page": page,
        "filtered": any(chosen.values()),
        "can_add": request.user.has_perm("sources.add_source"),
    }
    template = page_or_partial(request, "dashboard/sources.html", {"source-results"})
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def source(request: AuthedRequest, source_id: int) -> HttpResponse:
    source = source_record(source_id)
    evidence = Paginator(source_evidence(source), EVIDENCE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    copies = list(source.copies.order_by("name", "id")[:COPIES_SHOWN])
    spoken = list(claims_spoken_by(source)[:SPOKEN_SHOWN])
    context = {
        "source": source,
        "copies": copies,
        "more_copies": source.copy_count - len(copies),
        "evidence": evidence,
        "track": track_record(source),
        "spoken": spoken,
        "more_spoken": source.spoken_count - len(spoken),
        "can_change": request.user.has_perm("sources.change_source"),
        "can_merge": request.user.has_perms(MERGE_PERMISSIONS),
    }
    template = page_or_partial(request, "dashboard/source.html", {"source-evidence"})
    return TemplateResponse(request, template, context)


@login_required
@permission_required("sources.add_source", raise_exception=True)
@require_http_methods(["GET", "POST"])
def add_source(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                source = create_source(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Source “{source.name}” added.")
                return _done(request, source)
    else:
        form = SourceForm()
    return _render_form(request, form, source=None, name="")


@login_required
@permission_required("sources.change_source", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit_source(request: AuthedRequest, source_id: int) -> HttpResponse:
    source = get_object_or_404(source_for_page(source_id))
    # Validating writes the rejected values onto the instance; the heading
    # names the source as it is saved.
    name = source.name
    if request.method == "POST":
        form = SourceForm(request.POST, instance=source)
        if form.is_valid():
            fields = form.changed_fields()
            if not fields:
                # Saving an untouched form would only bump the version and log an edit.
                messages.info(request, "Nothing to save: the source is unchanged.")
                return _done(request, source)
            try:
                saved = update_source(
                    source=source,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **fields,
                )
            except StaleObjectError:
                form = stale_source_form(request.POST, get_object_or_404(Source, pk=source_id))
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Source “{saved.name}” saved.")
                return _done(request, saved)
    else:
        form = SourceForm(instance=source)
    return _render_form(request, form, source=source, name=name)


# A merge edits the other source's record and deletes this one.
MERGE_PERMISSIONS = ("sources.change_source", "sources.delete_source")


@login_required
@permission_required(MERGE_PERMISSIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def merge_source(request: AuthedRequest, source_id: int) -> HttpResponse:
    """
    Two steps, both plain forms: pick the source to merge into, then confirm
    having read what moves. Only the confirmed step writes.
    """
    source = get_object_or_404(source_for_page(source_id))
    form = MergeSourceForm(request.POST or None, source=source)
    context: dict[str, object] = {"source": source, "form": form}
    if request.method == "POST" and form.is_valid():
        into: Source = form.cleaned_data["target"]
        if form.cleaned_data["confirm"]:
            name = source.name
            try:
                kept = merge_sources(
                    source=source,
                    into=into,
                    by=request.user,
                    expected_version=form.cleaned_data["source_version"],
                    expected_into_version=form.cleaned_data["into_version"],
                )
            except StaleObjectError as stale:
                # Ask again, about the two sources as they now are.
                source = get_object_or_404(source_for_page(source_id))
                into = get_object_or_404(Source, pk=into.pk)
                form.add_error(
                    None,
                    f"Someone else changed “{stale.obj}” after you reviewed this merge, so "
                    "nothing was merged. Here is the merge as it now stands: confirm again if "
                    "you still mean it.",
                )
                context.update(
                    source=source, into=into, preview=merge_preview(source=source, into=into)
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"“{name}” merged into “{kept.name}”.")
                return _done(request, kept)
        else:
            context.update(into=into, preview=merge_preview(source=source, into=into))
    template = page_or_partial(request, "dashboard/source_merge.html", {"source-merge"})
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def merge_options(request: AuthedRequest) -> HttpResponse:
    """The merge form's source picker: the sources whose name matches what was typed."""
    return TemplateResponse(
        request,
        "dashboard/widgets.html#source-options",
        {"source_options": source_options(request.GET.get("into") or "")},
    )


def _render_form(
    request: AuthedRequest, form: SourceForm, *, source: Source | None, name: str
) -> HttpResponse:
    # Errors come back with 200: htmx 2 does not swap 4xx answers.
    template = page_or_partial(request, "dashboard/source_form.html", {"source-form"})
    context = {"form": form, "source": source, "name": name, "existing": None}
    if form.has_error("name", code="duplicate"):
        # The message names the source the name is taken by; the page links to it.
        taken = Source.objects.named_like(form.data.get("name", ""))
        if source is not None:
            taken = taken.exclude(pk=source.pk)
        context["existing"] = taken.first()
    return TemplateResponse(request, template, context)
