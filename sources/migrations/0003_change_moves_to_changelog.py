# The change log is now the `changelog` app's (its table kept): this only
# removes the model from this app's migration state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_change_type_newest_index"),
        ("changelog", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Change")],
            database_operations=[],
        ),
    ]
