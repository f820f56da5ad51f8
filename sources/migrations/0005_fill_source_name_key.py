# Fill every source's normalised name. A desk that has been running may
# already hold "Reuters" and "reuters": refusing to upgrade would leave it
# on the old code, without the merge it needs to fix them. So the oldest of
# each group keeps the plain key, the others get a key of their own (their
# id appended), and the collisions are printed with the commands that merge
# them; `manage.py report_duplicate_sources` lists them again at any time.

import sys

from django.db import migrations

from sources.models import describe_collisions, duplicate_name_key, name_collisions, normalise_name


def fill_name_keys(apps, schema_editor, out=None):
    Source = apps.get_model("sources", "Source")
    rows = list(Source.objects.order_by("id").values_list("id", "name"))
    groups = name_collisions(rows)
    later = {pk for group in groups for pk, _ in group[1:]}
    sources = []
    for pk, name in rows:
        key = duplicate_name_key(name, pk) if pk in later else normalise_name(name)
        sources.append(Source(pk=pk, name_key=key))
    Source.objects.bulk_update(sources, ["name_key"], batch_size=1000)
    if groups:
        out = out or sys.stdout
        out.write("\n" + "\n".join(describe_collisions(groups)) + "\n")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0004_source_name_key"),
    ]

    operations = [
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=False),
    ]
