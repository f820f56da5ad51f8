from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0005_fill_source_name_key"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="source",
            constraint=models.UniqueConstraint(fields=("name_key",), name="one_source_per_name"),
        ),
    ]
