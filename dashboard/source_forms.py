"""Forms of the sources and activity pages: the filters, and adding or editing a source."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from sources.models import Reliability, Source, SourceKind

from .forms import source_named, source_picker
from .source_queries import ACTIVITY_KINDS, party_choices


class SourceFilterForm(forms.Form):
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["party"].choices = [("", "Any party"), *party_choices()]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one is left out (and shown as an error)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "party", "grade", "kind")}


class ActivityFilterForm(forms.Form):
    """
    The kind of change shown, and where in the log the page starts: before
    or after a change's id (the pager's links). Only the kind is a visible
    field; a bad cursor is ignored, and the page starts at the latest change.
    """

    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All changes"),
            *((key, label) for key, (label, *_) in ACTIVITY_KINDS.items()),
        ],
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    def _valid(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name)

    def kind_or_all(self) -> str:
        return self._valid("kind") or ""

    def cursor(self) -> dict[str, int | None]:
        return {"before": self._valid("before"), "after": self._valid("after")}


class SourceForm(forms.ModelForm):
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["affiliation"].empty_label = "Independent (no party)"
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

    def changed_fields(self) -> dict:
        """The source's fields this form changes (not the version it carries)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError beside the fields it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


def stale_source_form(data, current: Source) -> SourceForm:
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
    differing = [form.fields[name].label for name in form.changed_data if name != "version"]
    where = f" The saved values differ from yours in: {', '.join(differing)}." if differing else ""
    form.add_error(
        None,
        f"Someone else saved this source while you were editing it.{where} Your values are kept "
        "below: save again to overwrite theirs, or reload the page to start from the saved version.",
    )
    return form
