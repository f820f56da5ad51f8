from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dashboard.roles import sync_role_groups


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups
    # need them now, so create them for the apps involved first.
    for label in ("sources", "claims"):
        app_config = global_apps.get_app_config(label)
        create_permissions(app_config, verbosity=0, apps=apps)
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("claims", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
