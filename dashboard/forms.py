"""Forms for the dispute pages: the claim filter and the evidence form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import Corroboration, Stance, Verdict
from sources.models import Source


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
    """The one source called `name` (in any case), else a ValidationError saying why not."""
    name = name.strip()
    matches = list(Source.objects.filter(name__iexact=name)[:2])
    if not matches:
        raise ValidationError(f"No source is called “{name}”. Pick one from the list.")
    if len(matches) > 1:
        raise ValidationError(
            f"Several sources are called “{name}”; ask an editor to tell them apart."
        )
    return matches[0]


class DashboardForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels read "Quote", not "Quote:"; the layout already sets them apart.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


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
    observed_at = forms.DateTimeField(
        label="Said or published at (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
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

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError beside the fields it names."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
