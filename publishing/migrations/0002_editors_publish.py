# Editors publish, pause, resume, retract and republish (DESIGN §8), and every
# role sees where a dispute stands. The role groups are dashboard's
# (dashboard/roles.py); a group this runs before is made here, and the one
# dashboard makes later is the same group, by name.

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": [
        "publish_dispute",
        "view_publication",
        "view_revision",
        "view_revisionobject",
        "view_feedevent",
    ],
    "Reporters": ["view_publication"],
    "Viewers": ["view_publication"],
}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("publishing"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="publishing", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="publishing", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # After the role groups are made and synced, so that none of their
        # syncs so far undoes these grants.
        ("dashboard", "0005_reporters_delete_claims"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
