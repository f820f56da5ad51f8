from django.db import migrations, models


def mark_score_moves(apps, schema_editor):
    # Before this field, the scoring service worded its entries "score a → b:
    # cause"; this is the last place that reads the wording.
    Change = apps.get_model("changelog", "Change")
    Change.objects.filter(
        object_type__in=["claim", "account"], action="updated", summary__startswith="score "
    ).update(is_score_move=True)


class Migration(migrations.Migration):
    dependencies = [("changelog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="change",
            name="is_score_move",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_score_moves, migrations.RunPython.noop),
    ]
