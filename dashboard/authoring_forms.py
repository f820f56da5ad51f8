"""
The authoring forms: a dispute, an account (with its party picked or named
anew), a claim. They check shape only; the rules are the services', whose
ValidationErrors the views show beside the fields they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.text import slugify

from claims.models import Account, Claim, Dispute
from sources.models import Party, Source

from .forms import (
    STALE_VERSION,
    UTC_HELP,
    DashboardForm,
    source_named,
    source_picker,
    utc_datetime_field,
)


def version_field(verb: str) -> forms.IntegerField:
    # An edit sends back the version it was loaded at, so that a concurrent
    # edit is refused instead of silently overwritten.
    message = STALE_VERSION.format(verb=verb)
    return forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": message, "invalid": message}
    )


def changed(form: forms.Form, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields among `names` whose value the user changed."""
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


# /disputes/new/ is the form to open one, so no dispute may be called that.
RESERVED_SLUGS = frozenset({"new"})


class DisputeForm(DashboardForm):
    title = forms.CharField(label="Title", max_length=300)
    slug = forms.SlugField(
        label="Web address",
        max_length=100,
        required=False,
        help_text="The end of the dispute page's address, e.g. hanoi-summit-sanctions. "
        "Leave empty to make it from the title.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    summary = forms.CharField(
        label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(label="Status", choices=Dispute.Status.choices)
    version = version_field("edits")

    FIELDS = ("title", "slug", "summary", "status")

    def __init__(self, *args: Any, instance: Dispute | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.FIELDS})
            kwargs["initial"]["version"] = instance.version
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["version"]
        # The static slug.js fills the slug as the title is typed, until the
        # user types a slug of their own.
        self.fields["title"].widget.attrs["data-slug-target"] = "id_slug"

    def clean_slug(self) -> str:
        return str(self.cleaned_data["slug"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("title"):
            data["slug"] = slugify(data["title"])[:100].strip("-")
            if not data["slug"]:
                self.add_error(
                    "slug",
                    "The title has no letters or digits a web address can use: type one here.",
                )
        if data.get("slug") in RESERVED_SLUGS:
            self.add_error("slug", f"“{data['slug']}” names a dashboard page: choose another.")
        return data

    def service_fields(self) -> dict[str, Any]:
        if self.instance is None:
            return {name: self.cleaned_data[name] for name in self.FIELDS}
        fields = changed(self, self.FIELDS)
        # An emptied slug is made again from the title, which may equal the old one.
        if fields.get("slug") == self.instance.slug:
            del fields["slug"]
        return fields


class AccountForm(DashboardForm):
    """
    A party's account of the dispute. The party is one already known, or a
    new one named here (created in the same write as the account).
    """

    party = forms.ModelChoiceField(
        label="Party",
        queryset=Party.objects.order_by("name"),
        required=False,
        empty_label="Choose a party",
    )
    new_party = forms.CharField(
        label="…or a new party",
        max_length=200,
        required=False,
        help_text="Type a name to add a party that is not in the list yet.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    summary = forms.CharField(
        label="Summary of their account",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = version_field("edits")

    def __init__(self, *args: Any, instance: Account | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {"summary": instance.summary, "version": instance.version})
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["version"]
        else:
            # An account is its party's: another party's account is another account.
            del self.fields["party"]
            del self.fields["new_party"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance is None and "party" in data:
            party, name = data.get("party"), data.get("new_party", "").strip()
            if party is None and not name:
                self.add_error("party", "Choose a party, or type the name of a new one.")
            elif party is not None and name:
                self.add_error(
                    "new_party",
                    f"You chose {party} and typed a new party: keep one of the two.",
                )
            data["new_party"] = name
        return data

    def new_party_slug(self) -> str:
        return slugify(self.cleaned_data["new_party"])[:100].strip("-")


class ClaimForm(DashboardForm):
    """
    A claim, added or edited. The speaker is picked by name, as the evidence
    form's source is. Rewording a claim that already has evidence asks the
    user to say so: the evidence was weighed against the old words.
    """

    text = forms.CharField(
        label="What was claimed",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One checkable statement, in the speaker's words where possible.",
    )
    speaker = forms.CharField(
        label="Speaker",
        max_length=200,
        help_text="A source who made the claim: type a name and pick it from the list.",
    )
    # Emptied on an edit, the time becomes unknown (update_claim stores None).
    stated_at = utc_datetime_field(
        label="Said at (UTC, 24-hour clock)", help_text=f"{UTC_HELP} Leave empty if not known."
    )
    appearance = forms.URLField(
        label="Where it was said",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A link to the statement or its first report.",
    )
    confirm_rewording = forms.BooleanField(
        label="Yes, change the words of a claim that already has evidence",
        required=False,
    )
    version = version_field("edits")

    FIELDS = ("text", "speaker", "stated_at", "appearance")

    def __init__(
        self,
        *args: Any,
        instance: Claim | None = None,
        evidence_count: int = 0,
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        self.evidence_count = evidence_count
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "text": instance.text,
                    "speaker": instance.speaker.name,
                    "stated_at": instance.stated_at,
                    "appearance": instance.appearance,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        source_picker(self.fields["speaker"])
        # The "Similar claims" box under the text follows what is typed
        # (views/similar.py); an edit leaves the claim itself out.
        similar = reverse("dashboard:claim_similar")
        self.fields["text"].widget.attrs.update(
            {
                "hx-get": f"{similar}?claim={instance.pk}" if instance is not None else similar,
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#similar-claims",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
                "aria-controls": "similar-claims",
            }
        )
        if instance is None:
            del self.fields["version"]
        if instance is None or not evidence_count:
            del self.fields["confirm_rewording"]
        else:
            self.fields["confirm_rewording"].help_text = (
                f"{evidence_count} piece{'s' if evidence_count != 1 else ''} of evidence "
                "were weighed against the present words. The old words stay in the "
                "claim's history."
            )

    def clean_text(self) -> str:
        return str(self.cleaned_data["text"]).strip()

    def clean_speaker(self) -> Source:
        name = self.cleaned_data["speaker"]
        # The speaker it has stays even if another source has since been given the same name.
        if self.instance is not None and self.instance.speaker.name.casefold() == name.casefold():
            return self.instance.speaker
        return source_named(name)

    @property
    def rewords(self) -> bool:
        return self.instance is not None and "text" in self.changed_data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "confirm_rewording" in self.fields
            and self.rewords
            and not data.get("confirm_rewording")
        ):
            self.add_error(
                "confirm_rewording",
                "This claim already has evidence: tick the box to change its words anyway.",
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        if self.instance is None:
            return {name: self.cleaned_data[name] for name in self.FIELDS}
        fields = changed(self, self.FIELDS)
        if fields.get("speaker") == self.instance.speaker:
            del fields["speaker"]
        if "text" in fields and fields["text"] == self.instance.text:
            del fields["text"]
        return fields
