"""Load the GB/T 47678.5-2026 catalogue (153 components, 250 matters) shipped in cityops/catalog/data/.

Runs the same loader as `cityops import-catalog`, on the historical model.
"""

from django.db import migrations


def load(apps, schema_editor):
    from cityops.catalog.importing import COMPONENTS_CSV, EVENTS_CSV, load_catalog, read_catalog_csv

    CatalogClass = apps.get_model("catalog", "CatalogClass")
    rows = read_catalog_csv(COMPONENTS_CSV, kind="component") + read_catalog_csv(EVENTS_CSV, kind="matter")
    load_catalog(CatalogClass, rows)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
