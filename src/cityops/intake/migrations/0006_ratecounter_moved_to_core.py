"""RateCounter now belongs to the core app (core 0004): forget it here, keep its table and rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0005_positionping_moved_to_tracking"),
        # The core app takes the model over first, so the model exists in the state at every step.
        ("core", "0004_ratecounter_moved_from_intake"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RateCounter")],
            database_operations=[],
        ),
    ]
