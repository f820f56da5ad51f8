# Reporters run a story from the dashboard, so they may now delete the claims
# they add (DESIGN §5); the role groups are synced to say so.

from django.db import migrations

from dashboard.roles import sync_role_groups


def resync_role_groups(apps, schema_editor):
    # Not strict: on a new database the publishing app's permissions, which
    # the roles now name, arrive later; 0006 syncs again, strictly.
    sync_role_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_role_groups_after_moves"),
    ]

    operations = [
        migrations.RunPython(resync_role_groups, migrations.RunPython.noop),
    ]
