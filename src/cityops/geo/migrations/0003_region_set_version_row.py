from django.db import migrations


def create_row(apps, schema_editor):
    RegionSetVersion = apps.get_model("geo", "RegionSetVersion")
    RegionSetVersion.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The single region-set version row, so bumping it is always one conditional UPDATE."""

    dependencies = [("geo", "0002_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
