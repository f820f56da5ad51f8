"""
The newsroom's roles, as auth groups:

- Editors change everything;
- Reporters add and edit claims, and add, edit and remove evidence;
- Viewers read.

Permission checks everywhere (dashboard, API, admin) are Django model
permissions, so a role is just the set of permissions below.
"""

from __future__ import annotations

EDITORS, REPORTERS, VIEWERS = "Editors", "Reporters", "Viewers"

READABLE = [
    ("sources", "party"),
    ("sources", "source"),
    ("sources", "change"),
    ("claims", "dispute"),
    ("claims", "account"),
    ("claims", "claim"),
    ("claims", "corroboration"),
    ("claims", "scoresnapshot"),
]
EDITABLE = [
    ("sources", "party"),
    ("sources", "source"),
    ("claims", "dispute"),
    ("claims", "account"),
    ("claims", "claim"),
    ("claims", "corroboration"),
]


def _codenames(actions: list[str], models: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, model in models for action in actions]


ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    VIEWERS: _codenames(["view"], READABLE),
    REPORTERS: _codenames(["view"], READABLE)
    + [
        ("claims", "add_claim"),
        ("claims", "change_claim"),
        ("claims", "add_corroboration"),
        ("claims", "change_corroboration"),
        ("claims", "delete_corroboration"),
    ],
    EDITORS: _codenames(["view"], READABLE) + _codenames(["add", "change", "delete"], EDITABLE),
}


def sync_role_groups(group_model, permission_model) -> None:
    """Make each role group hold exactly its permissions (idempotent)."""
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = [
            permission_model.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        group.permissions.set(permissions)
