# The change log moved here from `sources`, its table and rows kept as they
# were: this migration only tells Django's state where the model now lives.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Permissions and admin log entries point at the content type: moving it
    # keeps the role groups' "view change log" permission.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="changelog", model="change").exists():
        ContentType.objects.filter(app_label="sources", model="change").update(app_label="changelog")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0002_change_type_newest_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Change",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        ("action", models.CharField(choices=[("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted")], max_length=10)),
                        ("object_type", models.CharField(db_index=True, max_length=40)),
                        ("object_id", models.BigIntegerField()),
                        ("summary", models.CharField(blank=True, max_length=300)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "sources_change",
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(fields=["object_type", "object_id"], name="sources_cha_object__862b34_idx"),
                            models.Index(fields=["object_type", "id"], name="change_type_newest"),
                        ],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("action__in", ["created", "updated", "deleted"])), name="change_action_is_known"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
