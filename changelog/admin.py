"""
The admin of the change log, and the base every claimdesk admin stands on:
saving goes through the services, never through Model.save(), so that
validation, versions, scores and the change log are the same whichever door
a write comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from .models import Change
from .writes import StaleObjectError, check_version

DERIVED_RECORD_FIELDS = ("version", "created_at", "updated_at")

Fields = dict[str, Any]
ModelT = TypeVar("ModelT", bound=models.Model)

# A URL typed without a scheme is taken as https (Django 6's default).
URL_FIELD_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"}
}


class VersionedModelForm(forms.ModelForm):
    """
    An admin form that carries the version of the row it was loaded from, so
    that two people editing the same record cannot silently overwrite each
    other: the second save is refused with a form error and nothing changes.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Fields the services never change once the row exists (an account's
    # party, a claim's account): shown, but not editable.
    fixed_after_creation: tuple[str, ...] = ()

    if TYPE_CHECKING:
        # BaseModelForm's own hooks, which the subclasses extend; django-stubs
        # leaves them out as private.
        def _post_clean(self) -> None: ...
        def _update_errors(self, errors: ValidationError) -> None: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["expected_version"].required = True
            for name in self.fixed_after_creation:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        # BaseModelForm.clean returns cleaned_data; the stubs type BaseForm's,
        # which may return None.
        cleaned = cast("dict[str, Any]", super().clean())
        expected = cleaned.get("expected_version")
        # The admin loaded self.instance in this request, so its version is
        # the row's current one; the service checks again under a lock.
        if self.instance.pk and expected is not None:
            try:
                check_version(self.instance, expected)
            except StaleObjectError as error:
                raise ValidationError(str(error), code="stale") from error
        return cleaned


def error_text(error: ValidationError | StaleObjectError) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def adopt(obj: models.Model, saved: models.Model) -> None:
    """
    Copy a row the service wrote onto the admin's own instance: the admin
    goes on using that instance (inlines hang off it, messages name it).
    """
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def model_fields(form: forms.ModelForm, names: list[str] | None = None) -> Fields:
    """The form's cleaned values of editable model fields (all, or those named)."""
    opts = form._meta.model._meta
    editable = {f.name for f in opts.concrete_fields if f.editable and not f.primary_key}
    wanted = form.cleaned_data.keys() if names is None else names
    return {name: form.cleaned_data[name] for name in wanted if name in editable}


class DateHierarchyGuard:
    """
    Refuses a date drill-down the admin cannot turn into a date: Django
    catches a ValueError there (?…__month=13) but not the OverflowError of a
    year like 99999999999, which was a 500. Answered as Django answers any
    lookup it cannot use: back to the list, flagged ?e=1.
    """

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # A mixin's getattr: the attribute is ModelAdmin's, set by subclasses.
        field = getattr(self, "date_hierarchy", None)
        if field:
            for part, digits in (("year", 4), ("month", 2), ("day", 2)):
                value = request.GET.get(f"{field}__{part}")
                if value is not None and not (value.isdigit() and len(value) <= digits):
                    return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


class ServiceAdmin(DateHierarchyGuard, SimpleHistoryAdmin, Generic[ModelT]):
    """
    A ModelAdmin whose writes are the services'. Subclasses say how to
    create, update and delete one object; this class routes the admin's save,
    delete, bulk delete and inline saves through them, and turns a refusal
    that slipped past the form (a concurrent edit) into a message.
    """

    form = VersionedModelForm
    readonly_fields: tuple[str, ...] = DERIVED_RECORD_FIELDS
    formfield_overrides = URL_FIELD_OVERRIDES

    def create(self, request: HttpRequest, fields: Fields) -> ModelT:
        raise NotImplementedError

    def update(
        self, request: HttpRequest, obj: ModelT, fields: Fields, expected_version: int | None
    ) -> ModelT:
        raise NotImplementedError

    def delete(self, request: HttpRequest, obj: ModelT) -> None:
        raise NotImplementedError

    # The admin's hooks, routed to the three above.

    def save_model(
        self, request: HttpRequest, obj: ModelT, form: forms.ModelForm, change: bool
    ) -> None:
        self.write_form(request, form)

    def write_form(self, request: HttpRequest, form: forms.ModelForm) -> None:
        obj = form.instance
        if obj.pk is None:
            adopt(obj, self.create(request, model_fields(form)))
            return
        fields = model_fields(form, form.changed_data)
        if fields:
            expected_version = form.cleaned_data.get("expected_version")
            adopt(obj, self.update(request, obj, fields, expected_version))

    def delete_model(self, request: HttpRequest, obj: ModelT) -> None:
        self.delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ModelT]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete(request, obj)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        # The inline's own admin knows the services for its model, so an
        # inline row is written exactly as on its own change page.
        writer = self.admin_site.get_model_admin(formset.model)
        formset.save(commit=False)  # sorts the rows into new, changed and deleted
        for obj in formset.deleted_objects:
            writer.delete(request, obj)
        written = {id(obj) for obj in formset.new_objects}
        written |= {id(obj) for obj, _ in formset.changed_objects}
        for inline_form in formset.forms:
            if id(inline_form.instance) in written:
                writer.write_form(request, inline_form)

    # A service can still refuse after the form said yes: someone saved the
    # same row in between. Undo everything and say so.

    def refusing_service_errors(
        self, view: Callable[..., HttpResponse], request: HttpRequest, *args: Any
    ) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args)
        try:
            with transaction.atomic():
                return view(request, *args)
        except (ValidationError, StaleObjectError) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return self.refusing_service_errors(
            super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self.refusing_service_errors(super().delete_view, request, object_id, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self.refusing_service_errors(super().changelist_view, request, extra_context)

    # History is for reading: a revert would write an old row back around the
    # services (no version check, no rescoring).

    def revert_disabled(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied("Reverting from the history is disabled; edit the record.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(DateHierarchyGuard, admin.ModelAdmin):
    """Derived or append-only records: looked at, never written by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "action", "object_type", "object_id", "summary", "actor")
    list_filter = ("action", "object_type", "at")
    list_select_related = ("actor",)
    search_fields = ("summary", "actor__username")
    date_hierarchy = "at"
