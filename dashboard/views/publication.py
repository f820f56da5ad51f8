"""
Publishing a dispute to partners from the dashboard (DESIGN.md §8):
reporters submit it for review; editors publish, pause, resume, retract and
republish it.

The transitions without anything to fill in (submit, pause, resume) are
buttons in the dispute page's publication panel: plain POSTs that htmx
posts and answers with the panel again (with its error, or in its new state
and the flash message out of band). Publishing and republishing go through
a step of their own that shows what would change for partners, takes an
embargo, and asks for a correction note when a verdict partners were given
changes; retracting asks for its note. Every write is a publishing service,
with the version the user saw, so the rules and messages are the API's and
the admin's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from changelog.models import Change
from changelog.writes import StaleObjectError
from claims.models import Dispute
from publishing import services
from publishing.models import Publication, Revision
from publishing.selectors import publication_of

from ..forms import ClaimFilterForm
from ..http import AuthedRequest, login_required, page_or_partial, with_oob_messages
from ..publishing_forms import PublishForm, RetractForm, TransitionForm
from ..selectors.authoring import dispute_for_authoring
from ..selectors.dispute import dispute_page
from ..selectors.publication import (
    PartnerChanges,
    allowed,
    partner_changes,
    publication_panel,
    utc,
)

STALE = (
    "Someone else changed this dispute’s publication after you opened the page, so nothing "
    "changed. It now stands as shown here: try again if you still mean to."
)
STALE_CONFIRM = (
    "The dispute changed after you opened this page, so nothing was {done}. Here is what "
    "would change for partners now: confirm again if you still mean to."
)


def _done(request: AuthedRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    # A 302 would be followed inside the htmx request and the whole page
    # swapped into the step; ask the browser to navigate instead.
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _apply(form: TransitionForm, write: Callable[[], Any]) -> Any:
    """Run a write; a refusal becomes the form's errors, and None is returned."""
    try:
        return write()
    except StaleObjectError:
        form.add_error(None, ValidationError(STALE, code="stale"))
    except ValidationError as error:
        form.add_service_errors(error)
    return None


# The panel's buttons: submit for review, pause, resume


def _done_words(action: str, publication: Publication) -> str:
    title = f"“{publication.title}”"
    if action == "submit":
        return f"{title} submitted for review: an editor can now publish it."
    if action == "pause":
        return f"{title} paused: partners are told it is withheld and see none of it."
    if publication.released is None:
        # Pausing dropped the version that was waiting for its embargo.
        return (
            f"{title} resumed, but partners have been given no version of it yet: "
            "republish it to release one."
        )
    return f"{title} resumed: partners see version {publication.released.number} again."


# The transitions the panel posts at once, with nothing to fill in.
POSTED_AT_ONCE: dict[str, Callable[..., Publication]] = {
    "submit": services.submit_for_review,
    "pause": services.pause,
    "resume": services.resume,
}


def _transition(request: AuthedRequest, slug: str, action: str) -> HttpResponse:
    dispute = dispute_for_authoring(slug)
    form = TransitionForm(request.POST)
    if form.is_valid():
        publication = _apply(
            form,
            lambda: POSTED_AT_ONCE[action](
                dispute=dispute, by=request.user, expected_version=form.cleaned_data["version"]
            ),
        )
        if publication is not None:
            messages.success(request, _done_words(action, publication))
            if not request.htmx:
                return redirect(dispute.get_absolute_url())
            return _panel(request, dispute, form=None)
    return _panel(request, dispute, form=form)


def _panel(
    request: AuthedRequest, dispute: Dispute, *, form: TransitionForm | None
) -> HttpResponse:
    """
    The publication panel as it now stands, with the form's errors: the
    panel alone for htmx (with the flash messages), else the dispute page.
    """
    context: dict[str, Any] = {
        "dispute": dispute,
        "publication": publication_panel(dispute, request.user),
        "publication_form": form,
    }
    if request.htmx:
        response = TemplateResponse(request, "dashboard/publication.html#publication", context)
        return with_oob_messages(request, response)
    filters = ClaimFilterForm({})
    context |= {
        "page": dispute_page(dispute.slug, **filters.filters()),
        "form": filters,
        "latest_change_id": Change.latest_id(),
    }
    return TemplateResponse(request, "dashboard/dispute.html", context)


@login_required
@permission_required(services.REPORTER_PERMISSION, raise_exception=True)
@require_POST
def submit_for_review(request: AuthedRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "submit")


@login_required
@permission_required(services.EDITOR_PERMISSION, raise_exception=True)
@require_POST
def pause(request: AuthedRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "pause")


@login_required
@permission_required(services.EDITOR_PERMISSION, raise_exception=True)
@require_POST
def resume(request: AuthedRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "resume")


# Publishing and republishing, confirmed against what would change for partners


@login_required
@permission_required(services.EDITOR_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def publish(request: AuthedRequest, slug: str) -> HttpResponse:
    return _release_step(request, slug, "publish")


@login_required
@permission_required(services.EDITOR_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def republish(request: AuthedRequest, slug: str) -> HttpResponse:
    return _release_step(request, slug, "republish")


def _release_step(request: AuthedRequest, slug: str, action: str) -> HttpResponse:
    """
    GET shows what would change for partners; its POST publishes what it
    showed. If the dispute or its publication moved meanwhile, nothing is
    published, and the step is shown again as it now stands.
    """
    dispute = dispute_for_authoring(slug)
    changes = partner_changes(dispute)
    form = _publish_form(
        request.POST if request.method == "POST" else None, changes=changes, action=action
    )
    if form.is_valid():
        if form.cleaned_data["seen"] != changes.seen:
            form = _again(form, changes, action, STALE_CONFIRM.format(done=DONE[action]))
        else:
            revision = _apply(form, lambda: _release(request, dispute, form, action))
            if revision is not None:
                return _done(request, dispute.get_absolute_url(), _released_words(revision))
            if form.has_error(NON_FIELD_ERRORS, code="stale"):
                changes = partner_changes(dispute)
                form = _again(form, changes, action, STALE)
    return _confirm_page(request, dispute, action=action, form=form, changes=changes)


def _publish_form(data: Any, *, changes: PartnerChanges, action: str) -> PublishForm:
    return PublishForm(
        data,
        initial={"version": changes.publication.version, "seen": changes.seen},
        republish=action == "republish",
        needs_note=changes.diff.needs_correction,
    )


def _again(form: PublishForm, changes: PartnerChanges, action: str, why: str) -> PublishForm:
    """The step again, about what would change now, with what the editor typed."""
    data = dict(form.data.items())
    data["version"], data["seen"] = str(changes.publication.version), changes.seen
    fresh = _publish_form(data, changes=changes, action=action)
    fresh.is_valid()
    fresh.add_error(None, why)
    return fresh


def _release(request: AuthedRequest, dispute: Dispute, form: PublishForm, action: str) -> Revision:
    fields: dict[str, Any] = {
        "dispute": dispute,
        "by": request.user,
        "embargo_until": form.cleaned_data["embargo_until"],
        "expected_version": form.cleaned_data["version"],
    }
    if action == "republish":
        return services.republish(note=form.cleaned_data["note"], **fields)
    return services.publish(**fields)


def _released_words(revision: Revision) -> str:
    title = f"“{revision.publication.title}”"
    if revision.state == Revision.State.PENDING and revision.embargoed_until is not None:
        return (
            f"{title} will be released to partners at {utc(revision.embargoed_until)}, "
            "when its embargo ends; until then they see nothing new of it."
        )
    corrected = " with your correction" if revision.correction_note else ""
    return f"{title} published: partners see version {revision.number}{corrected}."


# Retracting


@login_required
@permission_required(services.EDITOR_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def retract(request: AuthedRequest, slug: str) -> HttpResponse:
    dispute = dispute_for_authoring(slug)
    version = publication_of(dispute).version
    form = RetractForm(
        request.POST if request.method == "POST" else None, initial={"version": version}
    )
    if form.is_valid():
        publication = _apply(
            form,
            lambda: services.retract(
                dispute=dispute,
                by=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if publication is not None:
            return _done(
                request,
                dispute.get_absolute_url(),
                f"“{publication.title}” retracted: partners are told it is canceled, "
                "with your note, and see none of its content.",
            )
        if form.has_error(NON_FIELD_ERRORS, code="stale"):
            data = dict(form.data.items())
            data["version"] = str(publication_of(dispute).version)
            form = RetractForm(data)
            form.is_valid()
            form.add_error(None, STALE)
    return _confirm_page(request, dispute, action="retract", form=form, changes=None)


# The confirmation step's page

HEADINGS = {
    "publish": "Publish this dispute to partners?",
    "republish": "Republish this dispute to partners?",
    "retract": "Retract this dispute for good?",
}
BUTTONS = {
    "publish": "Publish to partners",
    "republish": "Republish to partners",
    "retract": "Retract for good",
}
DONE = {"publish": "published", "republish": "republished", "retract": "retracted"}


def _confirm_page(
    request: AuthedRequest,
    dispute: Dispute,
    *,
    action: str,
    form: TransitionForm,
    changes: PartnerChanges | None,
) -> HttpResponse:
    """The step, for the state the publication is in now (which may no longer allow it)."""
    panel = publication_panel(dispute, request.user)
    state = panel.publication.state
    template = page_or_partial(
        request, "dashboard/publication_confirm.html", {"publication-confirm"}
    )
    context = {
        "dispute": dispute,
        "action": action,
        "action_url": reverse(f"dashboard:dispute_{action}", args=[dispute.slug]),
        "heading": HEADINGS[action],
        "button": BUTTONS[action],
        "done": DONE[action],
        "allowed": allowed(action, state),
        "state_label": Publication.State(state).label.lower(),
        "publication": panel,
        "form": form,
        "changes": changes,
    }
    return TemplateResponse(request, template, context)
