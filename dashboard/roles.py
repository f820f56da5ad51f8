"""
The newsroom's roles, as auth groups:

- Editors change everything;
- Reporters add, edit and delete claims, and add, edit and remove evidence;
- Viewers read.

Reporters submit a dispute for review; editors publish it to partners and
manage the webhook endpoints that push to them (their secrets included,
which nobody else may read).

Permission checks everywhere (dashboard, API, admin) are Django model
permissions, so a role is just the set of permissions below.
"""

from __future__ import annotations

from typing import Any

EDITORS, REPORTERS, VIEWERS = "Editors", "Reporters", "Viewers"

READABLE = [
    ("sources", "party"),
    ("sources", "source"),
    ("changelog", "change"),
    ("claims", "dispute"),
    ("claims", "account"),
    ("claims", "claim"),
    ("claims", "corroboration"),
    ("claims", "scoresnapshot"),
    ("publishing", "publication"),
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
        ("claims", "delete_claim"),
        ("claims", "add_corroboration"),
        ("claims", "change_corroboration"),
        ("claims", "delete_corroboration"),
    ],
    EDITORS: _codenames(["view"], READABLE)
    + _codenames(["add", "change", "delete"], EDITABLE)
    # Publishing (DESIGN §8): editors release to partners and read what was released.
    + [("publishing", "publish_dispute")]
    + _codenames(
        ["view"],
        [("publishing", "revision"), ("publishing", "revisionobject"), ("publishing", "feedevent")],
    )
    # Webhooks (DESIGN §10): editors register, change and remove endpoints,
    # and read what was sent to them.
    + _codenames(["view", "add", "change", "delete"], [("webhooks", "endpoint")])
    + _codenames(
        ["view"], [("webhooks", "message"), ("webhooks", "delivery"), ("webhooks", "attempt")]
    ),
}


def sync_role_groups(group_model: Any, permission_model: Any, *, strict: bool = True) -> None:
    """
    Make each role group hold exactly its permissions (idempotent). Not
    strict, a permission that does not exist yet is left out: an early
    migration runs before every model it names has arrived where it lives
    now, and a later one syncs again, strictly.
    """
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = []
        for app, codename in wanted:
            found = permission_model.objects.filter(
                content_type__app_label=app, codename=codename
            ).first()
            if found is None and strict:
                raise LookupError(f"No permission {app}.{codename}.")
            if found is not None:
                permissions.append(found)
        group.permissions.set(permissions)
