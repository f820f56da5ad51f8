# The change log moves each object type's head (changelog.Head) in the very
# statement that appends to it: a trigger, so that every writer, the services
# and the bulk loaders alike, keeps the heads right in its own transaction.

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER change_moves_head AFTER INSERT ON sources_change
    BEGIN
        INSERT INTO changelog_head (object_type, change_id) VALUES (NEW.object_type, NEW.id)
        ON CONFLICT (object_type) DO UPDATE SET change_id = MAX(change_id, excluded.change_id);
    END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS change_moves_head"]

# Once per statement, over the rows it inserted (a transition table): a write
# appends its entries in one INSERT, and a bulk load in a few large ones.
POSTGRESQL = [
    """
    CREATE FUNCTION changelog_move_heads() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO changelog_head (object_type, change_id)
        SELECT object_type, MAX(id) FROM new_changes GROUP BY object_type
        ON CONFLICT (object_type) DO UPDATE
            SET change_id = GREATEST(changelog_head.change_id, EXCLUDED.change_id);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER change_moves_head AFTER INSERT ON sources_change
    REFERENCING NEW TABLE AS new_changes
    FOR EACH STATEMENT EXECUTE FUNCTION changelog_move_heads()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS change_moves_head ON sources_change",
    "DROP FUNCTION IF EXISTS changelog_move_heads()",
]

BACKFILL = """
    INSERT INTO changelog_head (object_type, change_id)
    SELECT object_type, MAX(id) FROM sources_change GROUP BY object_type
"""


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No change-log trigger for {schema_editor.connection.vendor}: "
                "claimdesk runs on SQLite and PostgreSQL."
            )
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("changelog", "0003_object_newest_index_and_heads")]

    operations = [
        migrations.RunPython(
            run({"sqlite": [*SQLITE, BACKFILL], "postgresql": [*POSTGRESQL, BACKFILL]}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
