# The change log and staff tokens moved to their own apps: sync the role
# groups again, now that every permission they name is where it lives.

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dashboard.roles import sync_role_groups


def resync_role_groups(apps, schema_editor):
    for label in ("changelog", "sources", "claims"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    # Not strict: on a new database the publishing app's permissions, which
    # the roles now name, arrive later; 0006 syncs again, strictly.
    sync_role_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_stafftoken_moves_to_api"),
        ("changelog", "0002_change_is_score_move"),
        ("sources", "0003_change_moves_to_changelog"),
    ]

    operations = [
        migrations.RunPython(resync_role_groups, migrations.RunPython.noop),
    ]
