"""Seed the default evaluation scheme (cityops.evaluation.defaults) and rebuild the facts on the next refresh."""

from django.db import migrations


def seed(apps, schema_editor):
    from cityops.evaluation.defaults import seed_scheme

    seed_scheme(indicator_model=apps.get_model("evaluation", "Indicator"),
                grade_model=apps.get_model("evaluation", "GradeBand"))
    # Facts built before `check_sender` existed lack it: the next refresh folds every event in again.
    apps.get_model("evaluation", "FactWatermark").objects.update(last_event_id=0, refreshed_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0002_scheme_and_snapshots"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
