# Editors manage the webhook endpoints that push to partners and read what
# was delivered (DESIGN §10): the role groups are synced, strictly, once the
# webhooks app's permissions exist.

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dashboard.roles import sync_role_groups


def resync_role_groups(apps, schema_editor):
    create_permissions(global_apps.get_app_config("webhooks"), verbosity=0, apps=apps)
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0006_role_groups_publish"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(resync_role_groups, migrations.RunPython.noop),
    ]
