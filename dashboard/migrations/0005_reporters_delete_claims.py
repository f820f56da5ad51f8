# Reporters run a story from the dashboard, so they may now delete the claims
# they add (DESIGN §5); the role groups are synced to say so.

from django.db import migrations

from dashboard.roles import sync_role_groups


def resync_role_groups(apps, schema_editor):
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_role_groups_after_moves"),
    ]

    operations = [
        migrations.RunPython(resync_role_groups, migrations.RunPython.noop),
    ]
