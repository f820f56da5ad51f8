"""
The admin's forms for accounts, claims and evidence. They validate with the
services' own rules, so that the admin shows a refusal on the field that
caused it and saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from changelog.admin import VersionedModelForm

from .services import check_corroboration, refuse_speaker_support


class AccountAdminForm(VersionedModelForm):
    fixed_after_creation = ("dispute", "party")


class ClaimAdminForm(VersionedModelForm):
    fixed_after_creation = ("account",)

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.instance.pk and "speaker" in self.changed_data and not self.errors:
            try:
                refuse_speaker_support(self.instance)
            except ValidationError as error:
                self._update_errors(error)


class CorroborationAdminForm(VersionedModelForm):
    fixed_after_creation = ("claim",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk and "observed_at" in self.fields:
            self.fields["observed_at"].required = False
            self.fields[
                "observed_at"
            ].help_text = "When the source said or published it; empty means now."

    def clean_observed_at(self) -> Any:
        return self.cleaned_data["observed_at"] or timezone.now()

    def _post_clean(self) -> None:
        super()._post_clean()
        # In an inline this is the claim being edited on the same page, with
        # the speaker just chosen there.
        claim = self.cleaned_data.get("claim")
        if claim is not None and not self.errors:
            try:
                check_corroboration(self.instance, claim)
            except ValidationError as error:
                self._update_errors(error)
