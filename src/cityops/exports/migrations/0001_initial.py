"""The exports' model, moved here from analytics with its table and rows untouched.

Only Django's state changes: `ExportJob` is created here and deleted from analytics (analytics 0003), while the
table `analytics_exportjob` is the one analytics 0001/0002 made. A fresh database gets the table from those
migrations; an existing one keeps its rows. The content type follows, so the admin permissions do too.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from cityops.core.model_moves import content_type_moved


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        # The table must exist (a fresh database) with every column before this app takes it over.
        ("analytics", "0002_export_language"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=100, verbose_name='report')),
                        ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                        ('format', models.CharField(choices=[('xlsx', 'Excel (xlsx)'), ('csv', 'CSV')], max_length=4, verbose_name='format')),
                        ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                        ('state', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('expired', 'Expired')], default='queued', max_length=8, verbose_name='state')),
                        ('rows_done', models.PositiveIntegerField(default=0, verbose_name='rows written')),
                        ('rows_total', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows in all')),
                        ('file', models.CharField(blank=True, max_length=200, verbose_name='file')),
                        ('file_name', models.CharField(blank=True, max_length=200, verbose_name='download name')),
                        ('size_bytes', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='size (bytes)')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires at')),
                        ('claimed_by', models.CharField(blank=True, max_length=100, verbose_name='claimed by')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last progress at')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='export_jobs', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'verbose_name': 'export',
                        'verbose_name_plural': 'exports',
                        'db_table': 'analytics_exportjob',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['requested_by', 'created_at'], name='analytics_export_mine'), models.Index(fields=['state', 'created_at'], name='analytics_export_due')],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_type_moved(model="exportjob", from_app="analytics", to_app="exports"),
    ]
