"""Seed the urgency levels 紧急 / 较急 / 一般 and the default time limits (see cityops.catalog.defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    from cityops.catalog.defaults import seed_time_limits

    seed_time_limits(
        urgency_model=apps.get_model("catalog", "Urgency"),
        time_limit_model=apps.get_model("catalog", "TimeLimit"),
        class_model=apps.get_model("catalog", "CatalogClass"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_load_national_catalogue"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
