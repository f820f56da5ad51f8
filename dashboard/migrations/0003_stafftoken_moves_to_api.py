# Staff tokens are now the `api` app's (their table kept): this only removes
# the model from this app's migration state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_staff_token"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StaffToken")],
            database_operations=[],
        ),
    ]
