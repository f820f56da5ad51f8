# Editors publish to partners and every role sees where a dispute stands
# (DESIGN §8): the role groups are synced, strictly, once the publishing
# app's permissions exist.

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dashboard.roles import sync_role_groups


def resync_role_groups(apps, schema_editor):
    create_permissions(global_apps.get_app_config("publishing"), verbosity=0, apps=apps)
    # Not strict: on a new database the webhooks app's permissions, which
    # the roles now name, arrive later; 0007 syncs again, strictly.
    sync_role_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0005_reporters_delete_claims"),
        ("publishing", "0002_editors_publish"),
    ]

    operations = [
        migrations.RunPython(resync_role_groups, migrations.RunPython.noop),
    ]
