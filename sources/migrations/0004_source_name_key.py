# The normalised name, added empty: 0005 fills it, 0006 makes it unique.
# Three migrations, so that on PostgreSQL the rows filled by 0005 are
# committed before 0006 alters the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_change_moves_to_changelog"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalsource",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=220),
        ),
        migrations.AddField(
            model_name="source",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=220),
        ),
    ]
