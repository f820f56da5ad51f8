"""
The dashboard's forms: the filters of the dispute, sources and activity
pages, the evidence form with its removal step, and the source form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from claims.models import Corroboration, Stance, Verdict
from sources.models import Reliability, Source, SourceKind, normalise_name

from .selectors.activity import ACTIVITY_KINDS
from .selectors.sources import party_choices


def source_picker(field: forms.Field) -> None:
    """
    Make a text field a source picker: the browser offers the names in the
    #source-options datalist, which the server refills as the user types,
    a few names at a time however many sources there are. Without
    JavaScript the field takes the name typed in full.
    """
    field.widget.attrs.update(
        {
            "list": "source-options",
            "autocomplete": "off",
            "hx-get": reverse("dashboard:source_options"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#source-options",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
        }
    )


def source_named(name: str) -> Source:
    """
    The one source called `name`, ignoring case, spacing and accents as
    source names are unique (Source.name_key), else a ValidationError saying
    why not. Duplicates from before names were unique are kept apart in
    name_key by their id, so they are still found by their name.
    """
    name = name.strip()
    matches = list(
        Source.objects.filter(Q(name_key=normalise_name(name)) | Q(name__iexact=name))[:2]
    )
    if not matches:
        raise ValidationError(f"No source is called “{name}”. Pick one from the list.")
    if len(matches) > 1:
        raise ValidationError(
            f"Several sources are called “{name}”; ask an editor to tell them apart."
        )
    return matches[0]


# The dashboard's dates: typed and shown as UTC on a 24-hour clock, one
# format everywhere. A datetime-local input would show the browser's locale
# instead (02/28/2019, 02:30 PM in the US), and in the browser's time zone.
UTC_FORMAT = "%Y-%m-%d %H:%M"
UTC_EXAMPLE = "2019-02-28 14:30"
UTC_HELP = f"Date and time in UTC, 24-hour, e.g. {UTC_EXAMPLE}."


def utc_datetime_field(label: str, help_text: str) -> forms.DateTimeField:
    """An optional date and time in UTC, typed as YYYY-MM-DD HH:MM (a T for the space will do)."""
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(
            format=UTC_FORMAT,
            attrs={"placeholder": "YYYY-MM-DD HH:MM", "autocomplete": "off", "spellcheck": "false"},
        ),
        input_formats=[
            UTC_FORMAT,
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d",
        ],
        error_messages={
            "invalid": f"Enter the date and time in UTC as YYYY-MM-DD HH:MM, 24-hour, "
            f"e.g. {UTC_EXAMPLE}."
        },
        help_text=help_text,
    )


class DashboardFormMixin(forms.BaseForm):
    """What every dashboard form does alike, plain or model form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels read "Quote", not "Quote:"; the layout already sets them apart.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError beside the fields it names."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class DashboardForm(DashboardFormMixin, forms.Form):
    """A plain form, as the dashboard draws it."""


# The dispute pages


class ClaimFilterForm(DashboardForm):
    q = forms.CharField(label="Search claims", required=False, max_length=200)
    verdict = forms.ChoiceField(
        label="Verdict", required=False, choices=[("", "Any verdict"), *Verdict.choices]
    )

    def filters(self) -> dict[str, str]:
        """The valid filters; a bad one is reported beside its field and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"search": data.get("q", ""), "verdict": data.get("verdict", "")}


STALE_VERSION = "This form does not say which version of the evidence it {verb}; reload it."


class RemovalForm(DashboardForm):
    """
    The confirmation of a removal. It sends back the version the user saw, so
    that evidence someone edited in the meantime is not removed unseen.
    """

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_VERSION.format(verb="removes"),
            "invalid": STALE_VERSION.format(verb="removes"),
        },
    )


class CorroborationForm(DashboardForm):
    """
    One piece of evidence, for both adding and editing. The source is picked
    by name (a datalist the server fills as the user types), so that the
    form also works as a plain POST with JavaScript off.
    """

    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text="Type a name and pick it from the list.",
    )
    stance = forms.ChoiceField(label="Stance", choices=[("", "Choose a stance"), *Stance.choices])
    quote = forms.CharField(
        label="Quote",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The words the evidence rests on.",
    )
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")
    observed_at = utc_datetime_field(
        label="Said or published at (UTC, 24-hour clock)",
        help_text=f"{UTC_HELP} Leave empty for now.",
    )
    # Editing sends back the version it was loaded at, so that a concurrent
    # edit is refused instead of silently overwritten.
    version = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_VERSION.format(verb="edits"),
            "invalid": STALE_VERSION.format(verb="edits"),
        },
    )

    def __init__(self, *args: Any, instance: Corroboration | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "source": instance.source.name,
                "stance": instance.stance,
                "quote": instance.quote,
                "url": instance.url,
                "observed_at": instance.observed_at,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        source_picker(self.fields["source"])
        if instance is not None:
            self.fields["version"].required = True
            # An edit left without a date keeps the one the evidence has (service_fields).
            self.fields[
                "observed_at"
            ].help_text = f"{UTC_HELP} If you empty it, the evidence keeps the date it has."

    def focus_first_field(self) -> None:
        """
        Put the caret where the user should look next: the first field in
        error, else the first field. htmx focuses an autofocus element it
        swaps in, and so does a browser loading the page without htmx.
        """
        errors = self.errors if self.is_bound else {}
        names = [name for name in self.fields if name in errors and name != "version"] or ["source"]
        self.fields[names[0]].widget.attrs["autofocus"] = True

    def clean_source(self) -> Source:
        return source_named(self.cleaned_data["source"])

    def service_fields(self) -> dict[str, Any]:
        """What the claims services take, from the cleaned data."""
        fields = {name: self.cleaned_data[name] for name in ("source", "stance", "quote", "url")}
        # An empty date means "now" for new evidence, "unchanged" for an edit.
        if self.cleaned_data.get("observed_at") is not None:
            fields["observed_at"] = self.cleaned_data["observed_at"]
        return fields


# The sources and activity pages


class SourceFilterForm(DashboardForm):
    """The GET filters of the sources list; a bad value is an error on its field, not a 500."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name or notes", "autocomplete": "off"}
        ),
    )
    party = forms.ChoiceField(label="Party", required=False)
    grade = forms.ChoiceField(
        label="Grade", required=False, choices=[("", "Any grade"), *Reliability.choices]
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *SourceKind.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per form, not at import: parties are added while the server runs.
        party = cast(forms.ChoiceField, self.fields["party"])
        party.choices = [("", "Any party"), *party_choices()]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one is left out (and shown as an error)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "party", "grade", "kind")}


class ActivityFilterForm(DashboardForm):
    """
    The kind of change shown, and where in the log the page starts: before
    or after a change's id (the pager's links). Only the kind is a visible
    field; a bad cursor is ignored, and the page starts at the latest change.
    """

    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All changes"), *((key, kind.label) for key, kind in ACTIVITY_KINDS.items())],
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def _valid(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name)

    def kind_or_all(self) -> str:
        return str(self._valid("kind") or "")

    def cursor(self) -> dict[str, int | None]:
        return {"before": self._valid("before"), "after": self._valid("after")}


class SourceForm(DashboardFormMixin, forms.ModelForm):
    """
    Add or edit a source. An edit carries the version the editor loaded, so
    that the service can refuse to overwrite someone else's change unseen.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Picked by name, like the evidence form's source: a <select> of every
    # source would ship thousands of options with each form.
    origin = forms.CharField(
        label="Repeats (origin)",
        required=False,
        max_length=200,
        help_text="The source this one merely repeats (a paper reprinting a wire story), so that "
        "copies are not counted as independent evidence. Type a name and pick it from the list; "
        "leave empty for an original source.",
    )
    url = forms.URLField(
        label="Web address",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A profile or home page, if there is one.",
    )

    instance: Source

    class Meta:
        model = Source
        fields = [
            "name",
            "kind",
            "affiliation",
            "reliability",
            "is_anonymous",
            "url",
            "origin",
            "notes",
        ]
        labels = {
            "reliability": "Grade",
            "is_anonymous": "Anonymous source",
            "affiliation": "Affiliation",
        }
        help_texts = {
            "reliability": "Admiralty reliability: how far this source has proved right before. "
            "Changing it rescores every claim it corroborates.",
            "is_anonymous": "Unnamed sources count at 0.7 of their weight.",
        }
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        affiliation = cast(forms.ModelChoiceField, self.fields["affiliation"])
        affiliation.empty_label = "Independent (no party)"
        source_picker(self.fields["origin"])
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.initial["origin"] = self.instance.origin.name if self.instance.origin else ""
        else:
            del self.fields["version"]

    def clean_origin(self) -> Source | None:
        name = self.cleaned_data["origin"].strip()
        if not name:
            return None
        # The origin it has keeps counting even if another source has since
        # been given the same name.
        current = self.instance.origin if self.instance.pk else None
        if current is not None and current.name.casefold() == name.casefold():
            return current
        return source_named(name)

    def changed_fields(self) -> dict[str, Any]:
        """The source's fields this form changes (not the version it carries)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


def stale_source_form(data: QueryDict, current: Source) -> SourceForm:
    """
    The edit form again after someone else saved the source first: the
    editor's values are kept, the fields where they differ from the saved
    ones are named, and the form now carries the saved version, so that
    saving again is a deliberate overwrite.
    """
    data = data.copy()
    data["version"] = str(current.version)
    form = SourceForm(data, instance=current)
    form.is_valid()
    differing = [str(form.fields[name].label) for name in form.changed_data if name != "version"]
    where = f" The saved values differ from yours in: {', '.join(differing)}." if differing else ""
    form.add_error(
        None,
        f"Someone else saved this source while you were editing it.{where} Your values are kept "
        "below: save again to overwrite theirs, or reload the page to start from the saved version.",
    )
    return form


class MergeSourceForm(DashboardForm):
    """
    Which source to merge this one into: picked by name on the first step;
    the confirmation step sends the id it showed, so that it merges into the
    very source it named.
    """

    into = forms.CharField(
        label="Merge into",
        max_length=200,
        required=False,
        help_text="The source that remains. Type a name and pick it from the list.",
    )
    into_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)
    # The confirmation sends back the versions of the two sources it showed,
    # so that a source edited in between is not merged unseen.
    source_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    into_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, source: Source, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        source_picker(self.fields["into"])
        # The shared picker's view reads the fields it knows by name.
        self.fields["into"].widget.attrs["hx-get"] = reverse("dashboard:source_merge_options")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("into_id"):
            into = Source.objects.filter(pk=data["into_id"]).first()
            if into is None:
                raise ValidationError("That source no longer exists; pick another.")
        elif data.get("into", "").strip():
            try:
                into = source_named(data["into"])
            except ValidationError as error:
                self.add_error("into", error)
                return data
        else:
            self.add_error("into", "Name the source to merge into.")
            return data
        if into.pk == self.source.pk:
            self.add_error("into", "A source cannot be merged into itself.")
            return data
        if data.get("confirm") and (
            data.get("source_version") is None or data.get("into_version") is None
        ):
            raise ValidationError(
                "This confirmation does not say which versions of the two sources it merges; "
                "pick the source again."
            )
        data["target"] = into
        return data
