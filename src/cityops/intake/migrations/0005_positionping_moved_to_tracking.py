"""PositionPing now belongs to the tracking app (tracking 0001): forget it here, keep its table and rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0004_inbox"),
        # The tracking app takes the model over first, so the model exists in the state at every step.
        ("tracking", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PositionPing")],
            database_operations=[],
        ),
    ]
