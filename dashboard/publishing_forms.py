"""
The publishing forms (DESIGN.md §8): a transition's, which sends back the
version of the publication the user saw; publishing's, with an embargo and
a correction note; retracting's, with its required note; and the overview's
filter by status. They check shape only; the workflow's rules are
publishing.services', whose errors the views show beside the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from publishing.models import Publication

from .forms import UTC_HELP, DashboardForm, utc_datetime_field

STALE_FORM = (
    "This form does not say which version of the dispute’s publication it was opened at; "
    "reload the page."
)


class TransitionForm(DashboardForm):
    """A transition with nothing to fill in: submit for review, pause, resume."""

    # Refused if the publication moved since the page was opened, so that
    # nobody pauses what someone else has just retracted, say.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_FORM, "invalid": STALE_FORM},
    )


class PublishForm(TransitionForm):
    """
    Publishing or republishing, confirmed against what would change for
    partners (`seen` names it). A correction note is required when a verdict
    partners were given changes, and only republishing takes one.
    """

    embargo_until = utc_datetime_field(
        label="Embargo until (UTC, 24-hour clock)",
        help_text=f"Partners see nothing of this version before then. {UTC_HELP} "
        "Leave empty to release it at once.",
    )
    note = forms.CharField(
        label="Correction note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Partners show it to their readers beside the corrected claims. "
        "Optional when no verdict changes.",
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, republish: bool, needs_note: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not republish:
            del self.fields["note"]
        elif needs_note:
            note = self.fields["note"]
            note.required = True
            note.help_text = (
                "Required: verdicts partners were given change. Partners show the note to "
                "their readers beside the corrected claims."
            )
            note.error_messages["required"] = (
                "Write the correction note: verdicts partners were given change (see above), "
                "and partners show their readers what was corrected."
            )

    def clean_note(self) -> str:
        return str(self.cleaned_data["note"]).strip()


class RetractForm(TransitionForm):
    note = forms.CharField(
        label="Why it is retracted",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Partners are told the dispute is canceled and show their readers this note.",
        error_messages={
            "required": "Say why it is retracted: partners show this note to their readers."
        },
    )

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError(self.fields["note"].error_messages["required"])
        return note


# The overview

STATUS_FILTER_CHOICES = [("", "All"), *Publication.State.choices]

# The overview's count in words: "3 disputes in review".
STATUS_WORDS: dict[str, str] = {
    Publication.State.DRAFT: "still in draft",
    Publication.State.IN_REVIEW: "in review",
    Publication.State.PUBLISHED: "published",
    Publication.State.PAUSED: "paused",
    Publication.State.RETRACTED: "retracted",
}


class StatusFilterForm(DashboardForm):
    status = forms.ChoiceField(label="Publication", required=False, choices=STATUS_FILTER_CHOICES)

    def status_asked(self) -> str:
        """The status to show, or "" for all; an unknown one is ignored (all are shown)."""
        if not self.is_valid():
            return ""
        return str(self.cleaned_data["status"])
