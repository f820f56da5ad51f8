"""Forms of the sources and activity pages: the filters, and adding or editing a source."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from sources.models import Reliability, Source, SourceKind

from .source_queries import ACTIVITY_KINDS, party_choices


class SourceFilterForm(forms.Form):
    """The GET filters of the sources list; a bad value is an error on its field, not a 500."""

    q = forms.CharField(
        label="Search", required=False, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or notes",
                                      "autocomplete": "off"}),
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
    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All changes"), *((key, label) for key, (label, _) in ACTIVITY_KINDS.items())],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    def kind_or_all(self) -> str:
        return self.cleaned_data.get("kind", "") if self.is_valid() else ""


class SourceForm(forms.ModelForm):
    """
    Add or edit a source. An edit carries the version the editor loaded, so
    that the service can refuse to overwrite someone else's change unseen.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    url = forms.URLField(
        label="Web address", required=False, max_length=500, assume_scheme="https",
        help_text="A profile or home page, if there is one.",
    )

    class Meta:
        model = Source
        fields = ["name", "kind", "affiliation", "reliability", "is_anonymous", "url", "origin", "notes"]
        labels = {
            "reliability": "Grade",
            "is_anonymous": "Anonymous source",
            "origin": "Repeats (origin)",
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
        self.fields["origin"].empty_label = "Nobody: an original source"
        origins = Source.objects.order_by("name", "id")
        if self.instance.pk:
            origins = origins.exclude(pk=self.instance.pk)
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
        self.fields["origin"].queryset = origins

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
