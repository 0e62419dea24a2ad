"""The inspectors' position pings, moved here from intake with their table and rows untouched.

Only Django's state changes: `PositionPing` is created here and deleted from intake (intake 0005), while the
table `intake_positionping` is the one intake 0001 made. A fresh database gets the table from that migration;
an existing one keeps its rows. The content type follows, so the admin permissions do too.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cityops.core.model_moves import content_type_moved


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("geo", "0003_region_set_version_row"),
        # The table must exist (a fresh database) before this app takes it over.
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PositionPing',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='time')),
                        ('lon', models.FloatField(verbose_name='longitude')),
                        ('lat', models.FloatField(verbose_name='latitude')),
                        ('accuracy_m', models.FloatField(blank=True, null=True, verbose_name='accuracy (m)')),
                        ('grid', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='geo.region', verbose_name='unit grid')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='position_pings', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'position ping',
                        'verbose_name_plural': 'position pings',
                        'db_table': 'intake_positionping',
                        'ordering': ['-at'],
                        'indexes': [models.Index(fields=['user', 'at'], name='intake_ping_user_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_type_moved(model="positionping", from_app="intake", to_app="tracking"),
    ]
