"""
The admin of publication: where each dispute stands, its revisions, the
partners' feed, and actions for every transition, which call the services
(so the rules, the change log and the history are the same as from any
other door). The disputes' own list gains the publication state and the
same actions, since a draft has no publication row to act on yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from changelog.admin import ReadOnlyAdmin, error_text
from changelog.writes import StaleObjectError
from claims.admin import DisputeAdmin
from claims.models import Dispute

from . import services
from .models import FeedEvent, Publication, Revision, RevisionObject
from .selectors import PartnerDiff, partner_diff


class TransitionForm(forms.Form):
    """What a transition may take besides the disputes: an embargo, a note."""

    embargo_until = forms.DateTimeField(
        required=False,
        help_text="Release to partners at this time (UTC), not now. Leave empty to release at once.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Partners show it: a correction's, a retraction's or a pause's reason.",
    )

    def __init__(self, *args: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]


# action: (label, the form's fields, call(dispute or publication, by, **form values))
Call = Callable[..., Any]
ACTIONS: dict[str, tuple[str, tuple[str, ...], Call]] = {
    "submit": (
        "Submit for review",
        (),
        lambda dispute, by: services.submit_for_review(dispute=dispute, by=by),
    ),
    "publish": (
        "Publish",
        ("embargo_until",),
        lambda dispute, by, embargo_until: services.publish(
            dispute=dispute, by=by, embargo_until=embargo_until
        ),
    ),
    "republish": (
        "Republish",
        ("embargo_until", "note"),
        lambda dispute, by, embargo_until, note: services.republish(
            dispute=dispute, by=by, embargo_until=embargo_until, note=note
        ),
    ),
    "pause": (
        "Pause (withhold from partners)",
        ("note",),
        lambda dispute, by, note: services.pause(dispute=dispute, by=by, note=note),
    ),
    "resume": (
        "Resume",
        (),
        lambda dispute, by: services.resume(dispute=dispute, by=by),
    ),
    "retract": (
        "Retract (final)",
        ("note",),
        lambda dispute, by, note: services.retract(dispute=dispute, by=by, note=note),
    ),
}


# The names of TransitionActions' actions, for each admin's `actions`.
TRANSITION_ACTIONS = [f"transition_{name}" for name in ACTIONS]


class TransitionActions:
    """
    The transitions as admin actions, for an admin of disputes or of
    publications (target() says which dispute a row is). Those that take an
    embargo or a note ask for it on a page of their own first; republishing
    shows there what would change for partners.
    """

    def target(self, obj: Any) -> Dispute | None:
        raise NotImplementedError

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.EDITOR_PERMISSION)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.REPORTER_PERMISSION)

    def run_transition(
        self, name: str, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        label, fields, call = ACTIONS[name]
        objects = list(queryset)
        form = TransitionForm(request.POST if "apply" in request.POST else None, fields=fields)
        if fields and not form.is_valid():
            diffs = self.diffs(objects) if name == "republish" else []
            return TemplateResponse(
                request,
                "admin/publishing/transition.html",
                {
                    **admin.site.each_context(request),
                    "title": f"{label}: {len(objects)} dispute(s)",
                    "action": f"transition_{name}",
                    "label": label,
                    "form": form,
                    "objects": objects,
                    "diffs": diffs,
                    "opts": queryset.model._meta,
                },
            )
        values = {field: form.cleaned_data[field] for field in fields}
        done = 0
        for obj in objects:
            dispute = self.target(obj)
            try:
                if dispute is None:
                    if name != "retract":
                        raise ValidationError(f"“{obj}” was deleted from the desk: retract it.")
                    services.retract(publication=obj, by=request.user, **values)
                else:
                    call(dispute, request.user, **values)
                done += 1
            except (ValidationError, PermissionDenied, StaleObjectError) as error:
                text = error_text(error) if not isinstance(error, PermissionDenied) else str(error)
                self.message_user(request, f"{obj}: {text}", messages.ERROR)  # type: ignore[attr-defined]
        if done:
            self.message_user(  # type: ignore[attr-defined]
                request, f"{label}: done for {done} dispute(s).", messages.SUCCESS
            )
        return None

    def diffs(self, objects: list[Any]) -> list[tuple[Any, PartnerDiff]]:
        found = []
        for obj in objects:
            dispute = self.target(obj)
            if dispute is not None:
                found.append((obj, partner_diff(dispute)))
        return found

    @admin.action(description="Submit for review", permissions=["submit"])
    def transition_submit(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self.run_transition("submit", request, queryset)

    @admin.action(description="Publish…", permissions=["publish"])
    def transition_publish(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return self.run_transition("publish", request, queryset)

    @admin.action(description="Republish…", permissions=["publish"])
    def transition_republish(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return self.run_transition("republish", request, queryset)

    @admin.action(description="Pause (withhold from partners)…", permissions=["publish"])
    def transition_pause(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return self.run_transition("pause", request, queryset)

    @admin.action(description="Resume", permissions=["publish"])
    def transition_resume(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self.run_transition("resume", request, queryset)

    @admin.action(description="Retract (final)…", permissions=["publish"])
    def transition_retract(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return self.run_transition("retract", request, queryset)


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = (
        "number",
        "state",
        "created_at",
        "created_by",
        "embargoed_until",
        "released_at",
        "correction_note",
        "dropped_because",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-id",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(TransitionActions, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "slug",
        "state",
        "partners_see",
        "released_version",
        "first_published_at",
        "changed_at",
    )
    list_filter = ("state",)
    search_fields = ("title", "slug")
    list_select_related = ("released",)
    readonly_fields = (
        "dispute",
        "dispute_key",
        "slug",
        "title",
        "state",
        "released",
        "first_published_at",
        "retracted_at",
        "retraction_note",
        "version",
        "changed_at",
    )
    inlines = [RevisionInline]
    actions = TRANSITION_ACTIONS

    def target(self, obj: Publication) -> Dispute | None:
        return obj.dispute

    @admin.display(description="partners see")
    def partners_see(self, obj: Publication) -> str:
        return obj.pub_status or "nothing yet"

    @admin.display(description="version")
    def released_version(self, obj: Publication) -> int | None:
        return obj.released.number if obj.released else None


@admin.register(FeedEvent)
class FeedEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "action", "object_type", "object_id", "event", "version", "summary")
    list_filter = ("event", "action", "object_type")
    search_fields = ("summary", "note")


@admin.register(RevisionObject)
class RevisionObjectAdmin(ReadOnlyAdmin):
    list_display = ("object_type", "object_id", "revision", "visible", "version", "changed_at")
    list_filter = ("object_type", "visible")
    list_select_related = ("revision__publication",)
    search_fields = ("dispute_slug",)


class PublishingDisputeAdmin(TransitionActions, DisputeAdmin):
    """The disputes' admin with where each stands for partners, and the transitions."""

    actions = [*DisputeAdmin.actions, *TRANSITION_ACTIONS]

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return [*super().get_list_display(request), "publication_state"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("publication")

    def target(self, obj: Dispute) -> Dispute | None:
        return obj

    @admin.display(description="publication")
    def publication_state(self, obj: Dispute) -> str:
        publication = getattr(obj, "publication", None)
        return publication.get_state_display() if publication else "Draft"


# The claims app registers the disputes' admin; this floor, above it, adds to it.
admin.site.unregister(Dispute)
admin.site.register(Dispute, PublishingDisputeAdmin)
