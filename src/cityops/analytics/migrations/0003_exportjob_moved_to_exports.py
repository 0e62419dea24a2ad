"""ExportJob now belongs to the exports app (exports 0001): forget it here, keep its table and rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0002_export_language"),
        # The exports app takes the model over first, so the model exists in the state at every step.
        ("exports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ExportJob")],
            database_operations=[],
        ),
    ]
