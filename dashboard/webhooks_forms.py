"""
The webhooks forms (DESIGN.md §10): registering an endpoint for a partner
key, editing one with the version the editor saw, switching it on or off,
and the endpoint page's "failing only" filter. They check shape only; the
rules (https, public addresses, known event types, a live key) are
webhooks.services', whose errors the views show beside the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework_api_key.models import APIKey

from webhooks.models import EventType

from .forms import DashboardForm
from .selectors.webhooks import partner_keys

STALE_FORM = (
    "This form does not say which version of the endpoint it was opened at; reload the page."
)

# The events an editor picks; a test ping always goes and is not one of them.
DISPUTE_EVENTS = [(value, label) for value, label in EventType.choices if value != EventType.PING]


class PartnerKeyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        key: APIKey = obj
        return f"{key.name} (key {key.prefix}…)"


class EndpointForm(DashboardForm):
    """A new endpoint: whose it is, where it is, what it wants."""

    partner_key = PartnerKeyChoice(
        label="Partner key",
        queryset=APIKey.objects.none(),
        # A key's primary key holds its hash: the page names it by its prefix.
        to_field_name="prefix",
        empty_label="Choose the partner…",
        help_text="The partner outlet it belongs to: events carry what this key may read.",
        error_messages={
            "required": "Choose the partner key this endpoint belongs to.",
            "invalid_choice": "That partner key is not available (revoked or expired); "
            "choose another.",
        },
    )
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where each event is POSTed: an https:// address the partner runs.",
        # Not type="url": the browser would refuse a URL before the desk can
        # say why, beside the field, as it does for every other mistake.
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the URL the events are sent to."},
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=DISPUTE_EVENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events it is sent. A test ping always goes.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=200,
        help_text="Optional: a note for the desk, e.g. who at the partner runs it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner_key"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partner_keys()


class EndpointEditForm(EndpointForm):
    """An endpoint's URL, events and description; its partner key is fixed."""

    # Refused if the endpoint changed since the form was opened, so that
    # nobody overwrites an edit they never saw.
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["partner_key"]


class EndpointSwitchForm(DashboardForm):
    """Switching an endpoint on or off, from the version the editor saw."""

    active = forms.TypedChoiceField(
        choices=[("1", "Active"), ("0", "Disabled")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )


class DeliveryFilterForm(DashboardForm):
    failing = forms.BooleanField(label="Failing only", required=False)

    def failing_only(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["failing"])
