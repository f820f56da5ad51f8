"""
Writes about parties and sources, shared by every door (admin, API,
dashboard, commands). Each is a write_transaction (changelog.writes),
validates with the model's own rules, raises ValidationError, and leaves a
Change behind.

Editing a source is claims.services.update_source: a source's grade, party,
anonymity and origin weigh on the scores of the claims it corroborates, so
the edit and the rescoring it causes are one write, in the app that knows
about claims.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from changelog.models import Change
from changelog.writes import (
    User,
    apply_fields,
    delete_logged,
    edit_logged,
    lock_current,
    record_change,
    save_validated,
    write_transaction,
)

from .models import Party, Source

# Parties

PARTY_FIELDS = ("name", "slug", "description")


@write_transaction()
def create_party(*, by: User, name: str, slug: str, description: str = "") -> Party:
    party = Party(name=name, slug=slug, description=description)
    save_validated(party, by=by, created=True)
    record_change(party, Change.Action.CREATED, f"party {party.name} added", by=by)
    return party


@write_transaction()
def update_party(
    *, party: Party, by: User, expected_version: int | None = None, **fields: Any
) -> Party:
    return edit_logged(
        party,
        fields,
        allowed=PARTY_FIELDS,
        by=by,
        expected_version=expected_version,
        summary=lambda saved: f"party {saved.name} edited",
    )


@write_transaction()
def delete_party(*, party: Party, by: User, expected_version: int | None = None) -> None:
    party = lock_current(party, expected_version)
    if party.accounts.exists() or party.sources.exists():
        raise ValidationError(
            f"{party.name} still holds accounts or has sources affiliated with it; "
            "remove or reassign them first."
        )
    delete_logged(party, f"party {party.name} deleted", by=by)


# Sources

SOURCE_FIELDS = (
    "name",
    "kind",
    "affiliation",
    "is_anonymous",
    "reliability",
    "url",
    "notes",
    "origin",
)


@write_transaction()
def create_source(*, by: User, name: str, **fields: Any) -> Source:
    source = Source(name=name)
    apply_fields(source, fields, SOURCE_FIELDS)
    save_validated(source, by=by, created=True)
    record_change(source, Change.Action.CREATED, f"source {source.name} added", by=by)
    return source


@write_transaction()
def delete_source(*, source: Source, by: User, expected_version: int | None = None) -> None:
    source = lock_current(source, expected_version)
    if source.corroborations.exists() or source.claims.exists() or source.copies.exists():
        raise ValidationError(
            f"{source.name} is still cited (as evidence, as a speaker or as an origin); "
            "remove those first."
        )
    delete_logged(source, f"source {source.name} deleted", by=by)
