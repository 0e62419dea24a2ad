"""The rate counters, moved here from intake with their table and rows untouched.

Only Django's state changes: `RateCounter` is created here and deleted from intake (intake 0006), while the table
`intake_ratecounter` is the one intake 0001 made. A fresh database gets the table from that migration; an existing
one keeps its rows. The content type follows, so the admin permissions do too.
"""

from django.db import migrations, models

from cityops.core.model_moves import content_type_moved


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_holiday_arrangement"),
        # The table must exist (a fresh database) before this app takes it over.
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateCounter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=200)),
                        ("window_start", models.DateTimeField()),
                        ("count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "rate counter",
                        "verbose_name_plural": "rate counters",
                        "db_table": "intake_ratecounter",
                        "constraints": [models.UniqueConstraint(fields=("key", "window_start"), name="intake_rate_window")],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_type_moved(model="ratecounter", from_app="intake", to_app="core"),
    ]
